// The platform key's one parser and formatter: what the contract accepts, what a job or worker may name, and
// the keys the tooling makes from Node's and Python's names for a machine.
import { describe, expect, it } from "vitest";
import { platformKeyPattern } from "../../src/contract/compatibility.ts";
import { traceDtypes } from "../../src/contract/records/trace.ts";
import { formatPlatformKey, isRunnablePlatformKey, parsePlatformKey, parsePlatformPlans, platformKeyOf } from "../../src/platform/platform-key.ts";

describe("platform key", () => {
  it("parses os, arch and accelerator, the accelerator keeping its hyphens", () => {
    expect(parsePlatformKey("linux-x86_64-cuda")).toEqual({ os: "linux", arch: "x86_64", accelerator: "cuda" });
    expect(parsePlatformKey("linux-x86_64-rocm-6")).toEqual({ os: "linux", arch: "x86_64", accelerator: "rocm-6" });
    expect(parsePlatformKey("linux")).toEqual({ os: "linux", arch: undefined, accelerator: undefined });
  });

  it("accepts as runnable only three-part keys the contract also accepts", () => {
    for (const key of ["linux-x86_64-cuda", "macos-arm64-mps", "linux-aarch64-cpu"]) expect([key, isRunnablePlatformKey(key)]).toEqual([key, true]);
    for (const key of ["linux", "linux-x86_64", "Linux-x86_64-cuda", "x_86-x86_64-cpu", "linux-x86_64-", "linux x86_64 cuda"])
      expect([key, isRunnablePlatformKey(key)]).toEqual([key, false]);
  });

  it("formats keys the contract's pattern accepts, whatever the machine calls itself", () => {
    expect(platformKeyOf({ os: "darwin", arch: "arm64", mpsAvailable: true })).toBe("macos-arm64-mps");
    expect(platformKeyOf({ os: "linux2", arch: "arm64", cudaAvailable: true })).toBe("linux-aarch64-cuda");
    expect(platformKeyOf({ os: "linux", arch: "AMD64" })).toBe("linux-x86_64-cpu");
    expect(platformKeyOf({})).toBe("unknown-unknown-cpu");
    const odd = formatPlatformKey({ os: "Free_BSD", arch: "x86-64 v2", accelerator: "" });
    expect(odd).toBe("freebsd-x86_64_v2-unknown");
    expect(platformKeyPattern.test(odd) && isRunnablePlatformKey(odd)).toBe(true);
  });

  it("parses a server's platform plans with the contract's dtypes", () => {
    expect(parsePlatformPlans("linux-x86_64-cuda:bfloat16, linux-x86_64-cpu")).toEqual([
      { key: "linux-x86_64-cuda", dtype: "bfloat16" },
      { key: "linux-x86_64-cpu", dtype: "float32" },
    ]);
    for (const dtype of traceDtypes) expect(parsePlatformPlans(`linux-x86_64-cpu:${dtype}`)[0]!.dtype).toBe(dtype);
    expect(() => parsePlatformPlans("linux-x86_64-cpu:float8")).toThrow(
      '"linux-x86_64-cpu:float8": the dtype must be one of float64, float32, float16, bfloat16',
    );
    expect(() => parsePlatformPlans("linux-cuda")).toThrow('"linux-cuda" is not a platform key such as linux-x86_64-cuda');
    expect(() => parsePlatformPlans("linux-x86_64-cpu:float32:x")).toThrow("not a platform key");
    expect(() => parsePlatformPlans("linux-x86_64-cpu,linux-x86_64-cpu:float64")).toThrow("platform linux-x86_64-cpu is listed twice");
  });
});
