// Which requirements from a checkpoint name code outside any package index (refused unless
// --allow-source-requirements), and which an installer would read as an option (always refused).
import { describe, expect, it } from "vitest";
import { refusedRequirement, sourceKind } from "../../tooling/environment/requirements.ts";

describe("source requirements", () => {
  it.each([
    ["anemoi-models @ git+https://github.com/ecmwf/anemoi-core.git@0123abc", "a VCS requirement"],
    ["git+https://github.com/ecmwf/anemoi-core.git", "a VCS requirement"],
    ["tiny @ https://example.org/tiny-0.1.0-py3-none-any.whl", "a direct URL requirement"],
    ["tiny@http://127.0.0.1:8000/tiny.tar.gz#==0.1.0", "a direct URL requirement"],
    ["https://example.org/tiny.tar.gz", "a direct URL requirement"],
    ["tiny @ file:///home/me/tiny", "a path requirement"],
    ["file:///home/me/tiny", "a path requirement"],
    ["./tiny", "a path requirement"],
    ["/opt/tiny", "a path requirement"],
    ["tiny/sub", "a path requirement"],
  ])("%s is %s", (requirement, kind) => {
    expect(sourceKind(requirement)).toBe(kind);
    expect(refusedRequirement(["torch==2.5.1", requirement], false)).toContain(`"${requirement}" is ${kind}`);
    expect(refusedRequirement(["torch==2.5.1", requirement], false)).toMatch(/^refused without --allow-source-requirements/);
    expect(refusedRequirement([requirement], true)).toBeUndefined();
  });

  it.each(["torch==2.5.1", "anemoi-models==0.4.2", "flash-attn==2.7.4.post1", "torch_geometric", "pkg[extra]==1.0", "tiny==1.0+cu126"])(
    "%s is a release from an index",
    (requirement) => {
      expect(sourceKind(requirement)).toBeUndefined();
      expect(refusedRequirement([requirement], false)).toBeUndefined();
    },
  );

  it("a requirement an installer would read as an option is refused even when source requirements are allowed", () => {
    for (const requirement of ["--index-url=https://example.org/simple", "-e git+https://example.org/x.git"]) {
      expect(refusedRequirement([requirement], true)).toBe(`the checkpoint's requirement "${requirement}" would be read as an installer option: refused`);
    }
  });
});
