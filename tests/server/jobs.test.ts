// The job API through real HTTP, without torch: what a worker may and may not do (tokens, bad bodies, leases it
// does not hold, results that do not fit the job), long polls, expiry, retries, hand-backs and uploads. The
// checkpoint is the real AIFS test file registered by URL; results are records the tools would write.
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointBytes, register, serveCheckpoints, settled, startTestRegistry, type TestRegistry } from "../support/registry-server.ts";

const cpu = "linux-x86_64-cpu";
let registry: TestRegistry;
let checkpointId: string;
let sha256: string;

const json = (body: unknown) => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const lease = (body: unknown, as: "worker" | "register" | "admin" | "nobody" = "worker") => registry.call("/api/v1/jobs/lease", { method: "POST", ...(as === "nobody" ? {} : { as }), ...json(body) });
const result = (job: string, body: unknown) => registry.call(`/api/v1/jobs/${job}/result`, { method: "POST", as: "worker", ...json(body) });
const jobs = async (query = "") => (await (await registry.call(`/api/v1/jobs?${query}`, { as: "worker" })).json()) as { jobs: Array<Record<string, any>>; counts: Record<string, number> };

/** A verify-unpickling record as the command writes it. */
function verification(status: string, platform = cpu, sha = sha256) {
  return {
    kind: "verify-unpickling",
    resultVersion: 1,
    runId: randomUUID(),
    checkpointId,
    checkpointSha256: sha,
    status,
    summary: status === "ok" ? "loaded" : "refused before running any Python: the pickle is unreviewed",
    requirements: ["torch==2.5.1"],
    requirementNotes: [],
    detail: {},
    durationsSeconds: { scan: 0.01 },
    installed: {},
    tool: { name: "fiab-model-registry verify-unpickling", version: "0.1.0" },
    date: new Date().toISOString(),
    ...(status === "refused-unsafe" ? {} : { platform: { key: platform, os: "linux", arch: "x86_64", python: "3.13.5", torch: "2.5.1", cudaAvailable: false, mpsAvailable: false } }),
  };
}

beforeAll(async () => {
  registry = await startTestRegistry({ platforms: [{ key: cpu, dtype: "float32" }], referencePlatform: cpu, leaseSeconds: 1, jobAttempts: 2, maxUploadBytes: 1024 });
  const files = await serveCheckpoints(["job-api"]);
  const response = await register(registry, { url: files.urlOf("job-api") });
  const registration = await settled(registry, response.headers.get("location")!);
  expect(registration.state).toBe("registered");
  checkpointId = registration.id as string;
  // A plain file server sends no X-Linked-Etag: the entry has no sha256, and results are checked by platform.
  expect((await (await registry.call(`/api/v1/checkpoints/${checkpointId}`)).json()).source.sha256).toBeUndefined();
  sha256 = createHash("sha256").update(checkpointBytes).digest("hex");
});

afterAll(() => registry?.close());

describe("the job API", () => {
  it("needs a worker token to lease, and says what is wrong with a request", async () => {
    expect((await lease({ worker: "w", platform: cpu }, "nobody")).status).toBe(401);
    expect((await lease({ worker: "w", platform: cpu }, "register")).status).toBe(403);
    const bad = await lease({ worker: "w", platform: "Linux x86", extra: 1 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.map((e: { path: string }) => e.path).sort()).toEqual(["(body)", "platform"]);
    expect((await registry.call("/api/v1/jobs?state=running", { as: "worker" })).status).toBe(400);
    expect((await registry.call("/api/v1/jobs/not-a-job", { as: "worker" })).status).toBe(400);
    expect((await registry.call(`/api/v1/jobs/${randomUUID()}`, { as: "worker" })).status).toBe(404);
    expect((await registry.call(`/api/v1/checkpoints/${checkpointId}/verify`, { method: "POST", as: "worker" })).status).toBe(403);
  });

  it("answers a long poll with 204 when no job of the platform comes, after waiting", async () => {
    const started = Date.now();
    const none = await lease({ worker: "w", platform: "linux-riscv64-cpu", waitSeconds: 0.5 });
    expect(none.status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it("leases, refuses a result that does not fit the job, and records one that does exactly once", async () => {
    const first = await lease({ worker: "w1", platform: cpu });
    expect(first.status).toBe(200);
    const { job, attempt, leaseSeconds } = await first.json();
    expect(job).toMatchObject({ kind: "verify-unpickling", platform: cpu, state: "leased", checkpoint: { id: checkpointId, url: expect.stringMatching(/\/m\/job-api\.ckpt$/) } });
    expect(leaseSeconds).toBe(1);
    expect((await registry.call(`/api/v1/jobs/${job.job}/heartbeat`, { method: "POST", as: "worker", ...json({ attempt: attempt + 1 }) })).status).toBe(409);
    expect((await registry.call(`/api/v1/jobs/${job.job}/heartbeat`, { method: "POST", as: "worker", ...json({ attempt }) })).status).toBe(200);

    const otherPlatform = await result(job.job, { attempt, status: "done", result: verification("ok", "linux-aarch64-cuda") });
    expect(otherPlatform.status).toBe(422);
    expect((await otherPlatform.json()).detail).toMatch(/ran on linux-aarch64-cuda, the job is for linux-x86_64-cpu/);
    expect((await result(job.job, { attempt, status: "done" })).status).toBe(422);

    const record = verification("ok");
    const done = await result(job.job, { attempt, status: "done", result: record });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ duplicate: false, job: { state: "done", outcome: "ok" } });
    const revision = (await (await registry.call("/api/v1/health")).json()).revision;
    const again = await result(job.job, { attempt, status: "done", result: record });
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect((await (await registry.call("/api/v1/health")).json()).revision).toBe(revision);
    const entry = await (await registry.call(`/api/v1/checkpoints/${checkpointId}`)).json();
    expect(entry.compatibility[cpu]).toMatchObject({ status: "compatible", evidence: [{ check: "unpickle", result: "pass" }] });
    // Its log-runs are queued now; the comparison still waits for both.
    const states = (await jobs(`checkpoint=${checkpointId}`)).jobs.map((j) => `${j.kind} ${j.role ?? ""} ${j.state}`).sort();
    expect(states).toEqual(["compare-runs  waiting", "log-run candidate queued", "log-run reference queued", "verify-unpickling  done"]);
  });

  it("queues a job again when its lease expires, takes a hand-back without counting it, and fails it after its last attempt", async () => {
    const a = await (await lease({ worker: "w2", platform: cpu })).json();
    expect(a.job.kind).toBe("log-run");
    // No heartbeat: the lease of 1 s runs out.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const expired = (await jobs(`checkpoint=${checkpointId}`)).jobs.find((j) => j.job === a.job.job)!;
    expect(expired).toMatchObject({ state: "queued", attempts: 1, reason: expect.stringMatching(/lease of w2 .* expired/) });
    expect((await result(a.job.job, { attempt: a.attempt, status: "done", trace: {} })).status).toBe(400);

    const b = await (await lease({ worker: "w3", platform: cpu })).json();
    expect(b.job.job).toBe(a.job.job);
    expect(b.attempt).toBe(2);
    const late = await result(a.job.job, { attempt: a.attempt, status: "failed", reason: "late" });
    expect(late.status).toBe(409);
    const handedBack = await result(b.job.job, { attempt: b.attempt, status: "released", reason: "SIGTERM" });
    expect(await handedBack.json()).toMatchObject({ job: { state: "queued", attempts: 2, handedBack: 1 } });

    const c = await (await lease({ worker: "w4", platform: cpu })).json();
    expect(c.job.job).toBe(a.job.job);
    const failed = await result(c.job.job, { attempt: c.attempt, status: "failed", reason: "pip could not reach the index" });
    expect(await failed.json()).toMatchObject({ job: { state: "failed", reason: expect.stringMatching(/^pip could not reach the index \(attempt 2 of 2\)/) } });
    // What waited for it will not run.
    const compare = (await jobs(`checkpoint=${checkpointId}`)).jobs.find((j) => j.kind === "compare-runs")!;
    expect(compare).toMatchObject({ state: "cancelled", reason: expect.stringMatching(/^not run: log-run on linux-x86_64-cpu failed/) });
  });

  it("queues a verification again on an admin's request, without doubling live jobs", async () => {
    const verify = () => registry.call(`/api/v1/checkpoints/${checkpointId}/verify`, { method: "POST", as: "admin" });
    // The candidate run is still queued from the registration (the reference failed above): that live job is the answer.
    const live = (await (await verify()).json()).jobs;
    expect(live.map((j: { kind: string; role: string; state: string }) => `${j.kind} ${j.role} ${j.state}`)).toEqual(["log-run candidate queued"]);
    for (let i = 0; i < 2; i++) {
      const taken = await (await lease({ worker: "w", platform: cpu })).json();
      expect(taken.job.job).toBe(live[0].job);
      await result(taken.job.job, { attempt: taken.attempt, status: "failed", reason: "no space left on device" });
    }
    // The platform's own run failed on every attempt: that is evidence about the platform (the reference's was not).
    const runs = (await (await registry.call(`/api/v1/checkpoints/${checkpointId}`)).json()).compatibility[cpu].evidence.filter((e: { check: string }) => e.check === "run");
    expect(runs).toMatchObject([{ result: "fail", summary: "log-run failed 2 times: no space left on device", tool: { name: "fiab-model-registry worker" } }]);
    const first = await verify();
    expect(first.status).toBe(202);
    const created = (await first.json()).jobs;
    expect(created.map((j: { kind: string }) => j.kind).sort()).toEqual(["compare-runs", "log-run", "log-run", "verify-unpickling"]);
    const second = await (await verify()).json();
    expect(second.jobs.map((j: { job: string }) => j.job).sort()).toEqual(created.map((j: { job: string }) => j.job).sort());
    expect((await registry.call("/api/v1/checkpoints/no-such-model/verify", { method: "POST", as: "admin" })).status).toBe(404);
  });

  it("records a refusal by the scan as a failed unpickle check, and runs nothing after it", async () => {
    const leased = await (await lease({ worker: "w5", platform: cpu })).json();
    expect(leased.job.kind).toBe("verify-unpickling");
    const response = await result(leased.job.job, { attempt: leased.attempt, status: "done", result: verification("refused-unsafe") });
    expect(response.status).toBe(200);
    const entry = await (await registry.call(`/api/v1/checkpoints/${checkpointId}`)).json();
    expect(entry.compatibility[cpu].status).toBe("incompatible");
    expect(entry.compatibility[cpu].evidence.at(-1)).toMatchObject({ check: "unpickle", result: "fail", summary: expect.stringMatching(/^refused-unsafe: /) });
    const live = (await jobs(`checkpoint=${checkpointId}&state=waiting`)).jobs;
    expect(live).toEqual([]);
  });

  it("stores uploads by sha256, refusing a wrong hash, a body over the cap and a wrong token", async () => {
    const bytes = Buffer.from("a trace file");
    const sha = createHash("sha256").update(bytes).digest("hex");
    const put = (address: string, body: Buffer, as: "worker" | "register" = "worker") => registry.call(`/api/v1/blobs/${address}`, { method: "PUT", as, headers: { "content-type": "application/octet-stream" }, body: new Uint8Array(body) });
    expect((await put(sha, bytes, "register")).status).toBe(403);
    expect((await put("f".repeat(64), bytes)).status).toBe(422);
    expect((await put(sha.toUpperCase(), bytes)).status).toBe(400);
    expect((await put(sha, Buffer.alloc(2048))).status).toBe(413);
    expect((await put(sha, bytes)).status).toBe(201);
    expect((await put(sha, bytes)).status).toBe(200);
    const asJson = await registry.call(`/api/v1/blobs/${sha}`, { method: "PUT", as: "worker", ...json({}) });
    expect(asJson.status).toBe(415);
  });
});

describe("a restart", () => {
  it("runs again the comparisons the stopped server was running", async () => {
    const first = await startTestRegistry({ platforms: [{ key: cpu, dtype: "float32" }], referencePlatform: cpu, leaseSeconds: 60, jobAttempts: 3 });
    const files = await serveCheckpoints(["restart"]);
    const response = await register(first, { url: files.urlOf("restart") });
    expect((await settled(first, response.headers.get("location")!)).state).toBe("registered");
    // As the server leaves a comparison it was running when it is killed.
    first.db.prepare("UPDATE jobs SET state = 'leased', attempts = 1, lease_owner = 'server', lease_expires_at = ? WHERE kind = 'compare-runs'").run(new Date(Date.now() + 3_600_000).toISOString());
    await first.close();
    const second = await startTestRegistry({ db: first.dbPath, entriesDir: first.entriesDir, platforms: [{ key: cpu, dtype: "float32" }], referencePlatform: cpu, leaseSeconds: 60, jobAttempts: 3 });
    try {
      await second.jobs.idle();
      const compare = (await (await second.call("/api/v1/jobs?checkpoint=restart", { as: "worker" })).json()).jobs.find((j: { kind: string }) => j.kind === "compare-runs");
      // Run again at once (its traces do not exist here, which it says), not left leased for the hour.
      expect(compare).toMatchObject({ handedBack: 1, attempts: 2, state: "queued", reason: "compare-runs could not run: a trace it compares is missing" });
    } finally {
      await second.close();
    }
  });
});
