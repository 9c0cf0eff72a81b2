// The job API through real HTTP, without torch: what a worker may and may not do (tokens, bad bodies, leases it
// does not hold, results that do not fit the job), long polls, expiry, retries, hand-backs and uploads. The
// checkpoint is the real AIFS test file registered by URL; results are records the tools would write.
import { createHash, randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../support/helpers.ts";
import { checkpointBytes, register, serveCheckpoints, settled, startTestRegistry, type TestRegistry } from "../support/registry-server.ts";

const cpu = "linux-x86_64-cpu";
let registry: TestRegistry;
let checkpointId: string;
let sha256: string;

const json = (body: unknown) => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const lease = (body: unknown, as: "worker" | "register" | "admin" | "nobody" = "worker") =>
  registry.call("/api/v1/jobs/lease", { method: "POST", ...(as === "nobody" ? {} : { as }), ...json(body) });
const result = (job: string, body: unknown) => registry.call(`/api/v1/jobs/${job}/result`, { method: "POST", as: "worker", ...json(body) });
const jobs = async (query = "") =>
  (await (await registry.call(`/api/v1/jobs?${query}`, { as: "worker" })).json()) as { jobs: Array<Record<string, any>>; counts: Record<string, number> };

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
    ...(status === "refused-unsafe"
      ? {}
      : { platform: { key: platform, os: "linux", arch: "x86_64", python: "3.13.5", torch: "2.5.1", cudaAvailable: false, mpsAvailable: false } }),
  };
}

beforeAll(async () => {
  registry = await startTestRegistry({
    platforms: [{ key: cpu, dtype: "float32" }],
    referencePlatform: cpu,
    leaseSeconds: 1,
    jobAttempts: 2,
    maxUploadBytes: 1024,
  });
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
    expect(job).toMatchObject({
      kind: "verify-unpickling",
      platform: cpu,
      state: "leased",
      checkpoint: { id: checkpointId, url: expect.stringMatching(/\/m\/job-api\.ckpt$/) },
    });
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
      // The checkpoint's own failure that may pass another time: retried, and evidence only after the last attempt.
      await result(taken.job.job, {
        attempt: taken.attempt,
        status: "failed",
        fault: "checkpoint",
        deterministic: false,
        reason: "the run did not finish within 1800 s; everything it started was killed",
      });
    }
    // The platform's own run failed on every attempt: that is evidence about the platform (the reference's was not).
    const runs = (await (await registry.call(`/api/v1/checkpoints/${checkpointId}`)).json()).compatibility[cpu].evidence.filter(
      (e: { check: string }) => e.check === "run",
    );
    expect(runs).toMatchObject([
      {
        result: "fail",
        summary: "log-run failed 2 times: the run did not finish within 1800 s; everything it started was killed",
        tool: { name: "fiab-model-registry worker" },
      },
    ]);
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
    const put = (address: string, body: Buffer, as: "worker" | "register" = "worker") =>
      registry.call(`/api/v1/blobs/${address}`, { method: "PUT", as, headers: { "content-type": "application/octet-stream" }, body: new Uint8Array(body) });
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
    first.db
      .prepare("UPDATE jobs SET state = 'leased', attempts = 1, lease_owner = 'server', lease_expires_at = ? WHERE kind = 'compare-runs'")
      .run(new Date(Date.now() + 3_600_000).toISOString());
    await first.close();
    const second = await startTestRegistry({
      db: first.dbPath,
      entriesDir: first.entriesDir,
      platforms: [{ key: cpu, dtype: "float32" }],
      referencePlatform: cpu,
      leaseSeconds: 60,
      jobAttempts: 3,
    });
    try {
      await second.jobs.idle();
      const compare = (await (await second.call("/api/v1/jobs?checkpoint=restart", { as: "worker" })).json()).jobs.find(
        (j: { kind: string }) => j.kind === "compare-runs",
      );
      // Run again at once, not left leased for the hour; its traces do not exist here, so it fails with that reason
      // (a comparison that cannot run is a failed job, never a queued one).
      expect(compare).toMatchObject({ handedBack: 1, attempts: 2, state: "failed", reason: "compare-runs could not run: a trace it compares is missing" });
    } finally {
      await second.close();
    }
  });
});

describe("whose fault a failure was", () => {
  let own: TestRegistry;
  let id: string;
  const leaseAs = async (worker: string) => own.call("/api/v1/jobs/lease", { method: "POST", as: "worker", ...json({ worker, platform: cpu }) });
  const post = (job: string, body: unknown) => own.call(`/api/v1/jobs/${job}/result`, { method: "POST", as: "worker", ...json(body) });
  const entry = async () => (await (await own.call(`/api/v1/checkpoints/${id}`)).json()) as Record<string, any>;
  const record = (status: string, extra: Record<string, unknown> = {}) => ({ ...verification(status), checkpointId: id, ...extra });

  beforeAll(async () => {
    own = await startTestRegistry({ platforms: [{ key: cpu, dtype: "float32" }], referencePlatform: cpu, leaseSeconds: 60, jobAttempts: 3 });
    const files = await serveCheckpoints(["faults"]);
    const registration = await settled(own, (await register(own, { url: files.urlOf("faults") })).headers.get("location")!);
    id = registration.id as string;
  });
  afterAll(() => own?.close());

  it("retries the environment's failure on another worker and never records it; records the checkpoint's after its last attempt", async () => {
    const first = await (await leaseAs("host-a")).json();
    expect(first.job.kind).toBe("verify-unpickling");
    // host-b asks while nothing is queued: it is there.
    expect((await leaseAs("host-b")).status).toBe(204);
    // A record of the host's environment failing (no package index), even sent as done, is not evidence.
    const noIndex = record("environment-error", {
      summary: "pip could not reach the index http://127.0.0.1:9/simple",
      fault: "environment",
      deterministic: false,
      checkpointOutput: "ERROR: Could not find a version that satisfies the requirement torch",
    });
    const environment = await post(first.job.job, { attempt: first.attempt, status: "done", result: noIndex });
    expect(environment.status).toBe(200);
    expect((await environment.json()).job).toMatchObject({
      state: "queued",
      fault: "environment",
      reason: "verify-unpickling: environment-error: pip could not reach the index http://127.0.0.1:9/simple",
      output: "ERROR: Could not find a version that satisfies the requirement torch",
    });
    expect((await entry()).compatibility?.[cpu]).toBeUndefined();
    // The host whose environment failed is passed over while another host of the platform is there.
    expect((await leaseAs("host-a")).status).toBe(204);
    for (const attempt of [2, 3]) {
      const taken = await (await leaseAs("host-b")).json();
      expect(taken).toMatchObject({ job: { job: first.job.job }, attempt });
      // A timeout is the checkpoint's but may pass another time: retried, recorded after the last attempt.
      const timeout = record("timeout", {
        summary: "the loading process did not finish within 600 s",
        fault: "checkpoint",
        deterministic: false,
        checkpointOutput: "loading\u001b[2J\u0007",
      });
      const answer = (
        await (
          await post(taken.job.job, { attempt: taken.attempt, status: "failed", fault: "checkpoint", deterministic: false, reason: "timeout", result: timeout })
        ).json()
      ).job;
      expect(answer).toMatchObject(
        attempt === 2 ? { state: "queued", fault: "checkpoint" } : { state: "done", outcome: "timeout", fault: "checkpoint", output: "loading\\x1b[2J\\x07" },
      );
      expect((await entry()).compatibility?.[cpu]?.evidence ?? []).toHaveLength(attempt === 2 ? 0 : 1);
    }
    const platform = (await entry()).compatibility[cpu];
    expect(platform).toMatchObject({
      status: "incompatible",
      evidence: [
        {
          check: "unpickle",
          result: "fail",
          summary: "timeout: the loading process did not finish within 600 s",
          details: { checkpointOutput: "loading\\x1b[2J\\x07" },
        },
      ],
    });
  });

  it("records a deterministic failure at once, without retrying it, with the checkpoint's words escaped", async () => {
    const verify = await own.call(`/api/v1/checkpoints/${id}/verify`, { method: "POST", as: "admin" });
    expect(verify.status).toBe(202);
    const v = await (await leaseAs("host-b")).json();
    expect((await post(v.job.job, { attempt: v.attempt, status: "done", result: record("ok") })).status).toBe(200);
    const words = 'Traceback (most recent call last):\n  File "model.py", line 3\nRuntimeError: mat1 and mat2 shapes cannot be multiplied\u001b]0;owned\u0007';
    for (const role of ["reference", "candidate"]) {
      const run = await (await leaseAs("host-b")).json();
      expect(run).toMatchObject({ job: { kind: "log-run", role }, attempt: 1 });
      const failed = (
        await (
          await post(run.job.job, {
            attempt: 1,
            status: "failed",
            fault: "checkpoint",
            deterministic: true,
            reason: "log-run failed (checkpoint): RuntimeError: mat1 and mat2 shapes cannot be multiplied",
            output: words,
          })
        ).json()
      ).job;
      expect(failed).toMatchObject({
        state: "failed",
        attempts: 1,
        fault: "checkpoint",
        reason: "log-run failed (checkpoint): RuntimeError: mat1 and mat2 shapes cannot be multiplied",
      });
      expect(failed.output).toBe(words.replace("\u001b", "\\x1b").replace("\u0007", "\\x07"));
    }
    const runs = (await entry()).compatibility[cpu].evidence.filter((e: { check: string }) => e.check === "run");
    // The reference run's failure says nothing about its platform; the candidate's is the platform's, once.
    expect(runs).toMatchObject([
      {
        result: "fail",
        summary: "log-run failed: log-run failed (checkpoint): RuntimeError: mat1 and mat2 shapes cannot be multiplied",
        details: { checkpointOutput: expect.stringContaining("RuntimeError: mat1 and mat2 shapes cannot be multiplied\\x1b]0;owned\\x07") },
      },
    ]);
    const listed = (await (await own.call(`/api/v1/jobs?checkpoint=${id}&state=failed`, { as: "worker" })).json()).jobs;
    expect(listed.map((j: { kind: string; role: string; fault: string }) => `${j.kind} ${j.role} ${j.fault}`).sort()).toEqual([
      "log-run candidate checkpoint",
      "log-run reference checkpoint",
    ]);
    expect((await leaseAs("host-b")).status).toBe(204);
    // `registry jobs` shows whose fault it was, the reason and the end of stderr, escaped.
    const tokenFile = join(await tempDir(), "token");
    await writeFile(tokenFile, own.token.worker);
    const cli = await runCli(["jobs", "--server", own.url, "--checkpoint", id, "--state", "failed", "--token-file", tokenFile]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(
      / failed {4}linux-x86_64-cpu .* log-run float32 +\(checkpoint\) log-run failed \(checkpoint\): RuntimeError: mat1 and mat2 shapes cannot be multiplied\n {4}\| Traceback \(most recent call last\):\n/,
    );
    expect(cli.stdout).toContain("    | RuntimeError: mat1 and mat2 shapes cannot be multiplied\\x1b]0;owned\\x07\n");
    expect(cli.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it("never ends a reason in a bare exit status, and blames nobody's checkpoint for a failure without a fault", async () => {
    const verify = await own.call(`/api/v1/checkpoints/${id}/verify`, { method: "POST", as: "admin" });
    const created = (await verify.json()).jobs;
    const v = await (await leaseAs("host-b")).json();
    expect(v.job.job).toBe(created.find((j: { kind: string }) => j.kind === "verify-unpickling").job);
    const answer = (await (await post(v.job.job, { attempt: v.attempt, status: "failed", reason: "verify-unpickling exited 1:\n\n" })).json()).job;
    expect(answer).toMatchObject({ state: "queued", fault: "environment", reason: "verify-unpickling exited 1:" });
    const empty = await (await leaseAs("host-c")).json();
    const none = (await (await post(empty.job.job, { attempt: empty.attempt, status: "failed" })).json()).job;
    expect(none.reason).toBe("the worker could not run verify-unpickling (no reason given)");
  });
});

describe("the file a worker hashed", () => {
  it("is recorded on an entry that has no sha256, and one that disagrees flags the entry instead of overwriting it", async () => {
    const own = await startTestRegistry({ platforms: [{ key: cpu, dtype: "float32" }], referencePlatform: cpu, leaseSeconds: 60, jobAttempts: 3 });
    try {
      const files = await serveCheckpoints(["hashed"]);
      const id = (await settled(own, (await register(own, { url: files.urlOf("hashed") })).headers.get("location")!)).id as string;
      const leaseAs = async (worker: string) =>
        (await own.call("/api/v1/jobs/lease", { method: "POST", as: "worker", ...json({ worker, platform: cpu }) })).json();
      const post = (job: string, body: unknown) => own.call(`/api/v1/jobs/${job}/result`, { method: "POST", as: "worker", ...json(body) });
      const entry = async () => (await (await own.call(`/api/v1/checkpoints/${id}`)).json()) as Record<string, any>;
      const size = checkpointBytes.length;
      expect((await entry()).source).toMatchObject({ sizeBytes: size });
      expect((await entry()).source.sha256).toBeUndefined();

      const v = await leaseAs("host-a");
      const ok = { ...verification("ok"), checkpointId: id };
      // The record's file and the file the worker downloaded must be one.
      expect((await post(v.job.job, { attempt: v.attempt, status: "done", result: ok, checkpoint: { sha256: "b".repeat(64), sizeBytes: size } })).status).toBe(
        422,
      );
      expect((await post(v.job.job, { attempt: v.attempt, status: "done", result: ok, checkpoint: { sha256, sizeBytes: size } })).status).toBe(200);
      expect((await entry()).source).toMatchObject({ sha256, sizeBytes: size });
      // The jobs of that file know it now, so the next workers check their downloads against it.
      const runs = (await (await own.call(`/api/v1/jobs?checkpoint=${id}&state=queued`, { as: "worker" })).json()).jobs;
      expect(runs.map((j: { checkpoint: { sha256?: string } }) => j.checkpoint.sha256)).toEqual([sha256, sha256]);

      const other = "c".repeat(64);
      const r = await leaseAs("host-b");
      const answer = (
        await (
          await post(r.job.job, {
            attempt: r.attempt,
            status: "failed",
            fault: "environment",
            reason: "the download was not the job's file",
            checkpoint: { sha256: other, sizeBytes: size + 1 },
          })
        ).json()
      ).job;
      expect(answer).toMatchObject({
        state: "queued",
        fault: "environment",
        reason: expect.stringMatching(/is not the registered one: size and sha256 differ/),
      });
      const flagged = await entry();
      expect(flagged.source).toMatchObject({ sha256, sizeBytes: size });
      expect(flagged.tags.integrity).toMatch(
        new RegExp(`downloaded ${size + 1} bytes with sha256 ${other} .*; the entry records ${size} bytes with sha256 ${sha256}`),
      );
      // The first worker's evidence stays.
      expect(flagged.compatibility[cpu]).toMatchObject({ status: "compatible", evidence: [{ check: "unpickle", result: "pass" }] });
      const revision = (await (await own.call("/api/v1/health")).json()).revision;
      const again = await leaseAs("host-c");
      await post(again.job.job, {
        attempt: again.attempt,
        status: "failed",
        fault: "environment",
        reason: "again",
        checkpoint: { sha256: other, sizeBytes: size + 1 },
      });
      // Flagged once: a second disagreement makes no new revision.
      expect((await (await own.call("/api/v1/health")).json()).revision).toBe(revision);
    } finally {
      await own.close();
    }
  });
});

describe("the server's comparisons", () => {
  it("compare two uploaded traces in a child process, and fail one that cannot run with its reason, never leaving it queued", async () => {
    const own = await startTestRegistry({ platforms: [{ key: cpu, dtype: "float32" }], referencePlatform: cpu, leaseSeconds: 60, jobAttempts: 3 });
    try {
      const files = await serveCheckpoints(["compared"]);
      const id = (await settled(own, (await register(own, { url: files.urlOf("compared") })).headers.get("location")!)).id as string;
      const leaseAs = async () => (await own.call("/api/v1/jobs/lease", { method: "POST", as: "worker", ...json({ worker: "w", platform: cpu }) })).json();
      const post = (job: string, body: unknown) => own.call(`/api/v1/jobs/${job}/result`, { method: "POST", as: "worker", ...json(body) });
      const upload = async (bytes: Buffer) => {
        const sha = createHash("sha256").update(bytes).digest("hex");
        expect(
          (
            await own.call(`/api/v1/blobs/${sha}`, {
              method: "PUT",
              as: "worker",
              headers: { "content-type": "application/octet-stream" },
              body: new Uint8Array(bytes),
            })
          ).status,
        ).toBeLessThan(300);
        return sha;
      };
      /** A trace of a model with no module calls: what compare-runs reads, without torch. */
      const trace = async (dtype: string, samples: Buffer) => ({
        "index.json": await upload(
          Buffer.from(
            JSON.stringify({
              kind: "log-run-trace",
              traceVersion: 1,
              runId: randomUUID(),
              date: new Date().toISOString(),
              tool: { name: "fiab-model-registry log-run", version: "0.1.0" },
              checkpoint: { sha256, sizeBytes: checkpointBytes.length },
              input: { seed: 0, dtype, device: "cpu", sha256: "d".repeat(64), tensors: [] },
              path: "forward",
              steps: 1,
              environment: { os: "linux", arch: "x86_64", torch: "2.5.1" },
              timingsSeconds: {},
              peakMemoryBytes: {},
              sampleCount: 1,
              modules: [],
              finalOutputs: [],
            }),
          ),
        ),
        "samples.f64": await upload(samples),
        "outputs.f64": await upload(Buffer.alloc(0)),
      });
      const round = async (candidateSamples: Buffer) => {
        const v = await leaseAs();
        await post(v.job.job, { attempt: v.attempt, status: "done", result: { ...verification("ok"), checkpointId: id } });
        for (const role of ["reference", "candidate"]) {
          const run = await leaseAs();
          expect(run.job.role).toBe(role);
          const done = await post(run.job.job, {
            attempt: run.attempt,
            status: "done",
            trace: await trace(run.job.dtype, role === "reference" ? Buffer.alloc(0) : candidateSamples),
          });
          expect(done.status, await done.clone().text()).toBe(200);
        }
        await own.jobs.idle();
        return (await (await own.call(`/api/v1/jobs?checkpoint=${id}`, { as: "worker" })).json()).jobs.find(
          (j: { kind: string; state: string }) => j.kind === "compare-runs" && j.state !== "cancelled",
        );
      };
      // A samples file that is no whole number of float64 values: compare-runs exits 1 without a record.
      const broken = await round(Buffer.from([1, 2, 3]));
      expect(broken).toMatchObject({
        state: "failed",
        fault: "environment",
        reason: expect.stringMatching(
          /^compare-runs could not run: compare-runs exited 1 without a result: .*samples\.f64: 3 bytes is not a whole number of float64 values/,
        ),
      });
      expect((await (await own.call(`/api/v1/checkpoints/${id}`)).json()).compatibility[cpu].evidence.map((e: { check: string }) => e.check).sort()).toEqual([
        "run",
        "unpickle",
      ]);
      expect((await own.call(`/api/v1/checkpoints/${id}/verify`, { method: "POST", as: "admin" })).status).toBe(202);
      const compared = await round(Buffer.alloc(0));
      expect(compared).toMatchObject({ state: "done", outcome: expect.stringMatching(/^equivalent: /) });
      const evidence = (await (await own.call(`/api/v1/checkpoints/${id}`)).json()).compatibility[cpu].evidence;
      expect(evidence.filter((e: { check: string }) => e.check === "compare-runs")).toMatchObject([
        { result: "pass", summary: expect.stringMatching(/\(against linux-x86_64-cpu float64\)$/) },
      ]);
    } finally {
      await own.close();
    }
  });
});
