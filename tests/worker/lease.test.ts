// The worker's reading of a lease (the server's answer is untrusted) and its proof that a path is inside its
// folders: hostile ids, attempts, digests, URLs and huge strings are refused with the field named, and the job
// id and attempt are kept only when they are well formed (to fail the job with the reason).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { childOf } from "../../tooling/worker/folders.ts";
import { readLease } from "../../tooling/worker/lease.ts";

const cpu = "linux-x86_64-cpu";
const jobId = "0b6f1c52-6a4e-4f8e-9a57-2a1c1f7e8d90";

function lease(job: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    job: {
      job: jobId,
      kind: "verify-unpickling",
      platform: cpu,
      checkpoint: { id: "tiny", url: "https://example.org/tiny.ckpt", sha256: "a".repeat(64), sizeBytes: 10 },
      state: "leased",
      extra: "ignored",
      ...job,
    },
    attempt: 1,
    leaseSeconds: 120,
    ...top,
  };
}

describe("a lease", () => {
  it("is read when every field it uses has its format; fields it does not use are ignored", () => {
    const read = readLease(lease(), cpu);
    expect(read).toMatchObject({ ok: true, lease: { job: { job: jobId, kind: "verify-unpickling" }, attempt: 1 } });
    expect(JSON.stringify(read)).not.toContain("ignored");
  });

  it.each([
    ["a job id that is a path", lease({ job: "../../tmp/x" }), /^job\.job: a job id \(a lowercase UUID\)/],
    ["an attempt that is a path", lease({}, { attempt: "/.." }), /^attempt: wrong type; expected number; found "\/\.\."/],
    ["an attempt that is no whole number", lease({}, { attempt: 1.5 }), /^attempt: /],
    [
      "a crafted sha256",
      lease({ checkpoint: { id: "tiny", url: "https://example.org/x", sha256: "../../x" } }),
      /^job\.checkpoint\.sha256: a lowercase sha256/,
    ],
    ["a URL that is a file", lease({ checkpoint: { id: "tiny", url: "file:///etc/shadow" } }), /^job\.checkpoint\.url: an http or https URL/],
    ["a URL with credentials", lease({ checkpoint: { id: "tiny", url: "https://user:secret@example.org/x" } }), /^job\.checkpoint\.url: /],
    ["a huge URL", lease({ checkpoint: { id: "tiny", url: `https://example.org/${"x".repeat(100_000)}` } }), /^job\.checkpoint\.url: /],
    ["a checkpoint id that is a path", lease({ checkpoint: { id: "../x", url: "https://example.org/x" } }), /^job\.checkpoint\.id: /],
    ["a kind a worker does not run", lease({ kind: "compare-runs" }), /^job\.kind: /],
    ["another platform", lease({ platform: "linux-aarch64-cuda" }), /^job\.platform: "linux-aarch64-cuda" is not this worker's platform linux-x86_64-cpu/],
    ["a negative size", lease({ checkpoint: { id: "tiny", url: "https://example.org/x", sizeBytes: -1 } }), /^job\.checkpoint\.sizeBytes: /],
    ["no lease time", lease({}, { leaseSeconds: 0 }), /^leaseSeconds: /],
  ])("is refused with %s", (_, doc, problem) => {
    const read = readLease(doc, cpu);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problem).toMatch(problem);
    expect(read.problem.length).toBeLessThanOrEqual(1000);
  });

  it("keeps a refused lease's job id and attempt only when they are well formed", () => {
    expect(readLease(lease({ checkpoint: { id: "tiny", url: "ftp://x" } }), cpu)).toMatchObject({ ok: false, job: jobId, attempt: 1 });
    const hostile = readLease(lease({ job: "../../tmp/x" }, { attempt: "/.." }), cpu);
    expect(hostile.ok).toBe(false);
    expect(hostile).not.toHaveProperty("job");
    expect(hostile).not.toHaveProperty("attempt");
    expect(readLease(null, cpu)).toMatchObject({ ok: false });
    // Control characters a server puts in a field are escaped in the problem.
    const escaped = readLease(lease({ platform: "\u001b[2Jx" }), cpu);
    expect(escaped.ok ? "" : escaped.problem).not.toMatch(/\u001b/);
  });
});

describe("a path from the server", () => {
  const root = "/srv/worker/work";
  it("is a direct child of its folder or refused", () => {
    expect(childOf(root, `${jobId}-1`)).toBe(join(root, `${jobId}-1`));
    expect(childOf("relative/dir", "x")).toBe(join(process.cwd(), "relative/dir", "x"));
    for (const name of ["..", "../x", "a/../../x", "/etc/passwd", "x/y", "", ".", "../../tmp/x-/..", "x/.."])
      expect(() => childOf(root, name), name).toThrow(/is not a name inside \/srv\/worker\/work/);
  });
});
