// The GitHub workflows (.github/workflows/, and the ones deploy/ ships for copying there) against SchemaStore's
// workflow schema, with action-validator's WebAssembly build: offline, nothing downloaded.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { validateWorkflow, type ValidationError } from "@action-validator/core";
import fg from "fast-glob";
import { describe, expect, it } from "vitest";
import { commands } from "../../tooling/commands/index.ts";
import { repoRoot } from "../support/helpers.ts";

/** Leaf errors only: a oneOf/anyOf failure says little, the branches under it say what is wrong. */
function leafErrors(errors: readonly ValidationError[]): string[] {
  return errors.flatMap((e) => {
    const nested = "states" in e && e.states?.length ? e.states.flatMap((s) => leafErrors(s.errors)) : [];
    if (nested.length > 0) return nested;
    return [`${"path" in e ? e.path : ""} ${e.title}${e.detail ? `: ${e.detail}` : ""}`.trim()];
  });
}

const lint = (text: string) => leafErrors(validateWorkflow(text).errors);

// deploy/ also holds other YAML (Kubernetes manifests): a workflow is a file with top-level `on:` and `jobs:`.
const isWorkflow = (text: string) => /^jobs:/m.test(text) && /^["']?on["']?:/m.test(text);

const files = fg.sync([".github/workflows/*.{yml,yaml}", "deploy/**/*.{yml,yaml}"], { cwd: repoRoot }).sort();
const workflows = files.filter((file) => isWorkflow(readFileSync(join(repoRoot, file), "utf8")));

describe("the workflows", () => {
  it("include validate, publish and refresh-metadata", () => {
    expect(workflows).toEqual(
      expect.arrayContaining([".github/workflows/validate.yml", ".github/workflows/publish.yml", ".github/workflows/refresh-metadata.yml"]),
    );
  });

  it.each(workflows)("%s is a valid workflow", async (file) => {
    expect(lint(await readFile(join(repoRoot, file), "utf8"))).toEqual([]);
  });

  it.each(workflows)("%s runs only registry commands that exist", async (file) => {
    const text = await readFile(join(repoRoot, file), "utf8");
    const used = [...text.matchAll(/registry -- ([a-z-]+)/g)].map((m) => m[1]!);
    const known = new Set(commands.map((c) => c.name));
    expect(used.filter((name) => !known.has(name))).toEqual([]);
  });

  it("the linter catches a broken workflow (the check above can fail)", () => {
    expect(lint("on: push\njobs:\n  build:\n    runs-on: 3\n    steps: []\n")).toContain(
      "/jobs/build/runs-on Type of the value is wrong: The value must be string",
    );
    expect(lint("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: echo\n").length).toBeGreaterThan(0);
  });

  it("signs with the key from a secret and never holds a private key in the repository", async () => {
    const publish = await readFile(join(repoRoot, ".github/workflows/publish.yml"), "utf8");
    expect(publish).toContain("REGISTRY_SIGNING_KEY: ${{ secrets.REGISTRY_SIGNING_KEY }}");
    const tracked = fg.sync(["**/*.pem", "**/*.key"], { cwd: repoRoot, ignore: ["node_modules/**", "build/**"] });
    for (const file of tracked) expect(await readFile(join(repoRoot, file), "utf8"), file).not.toContain("PRIVATE KEY");
  });
});
