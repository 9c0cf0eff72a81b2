// log-run's failures say whose they are, for a worker to read: exit 1 and a last stderr line
// "log-run failed (checkpoint): ..." when the checkpoint cannot be loaded or run, or its run answers what the
// host knows to be false; exit 75 and "log-run failed (environment): ..." when the host's environment failed
// (here: no package index to be reached). The line is one line, escaped: no terminal escape reaches stderr raw.
import { existsSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { runCli, tempDir } from "../support/helpers.ts";
import { buildTinyModels, makeCheckpoint, torchPython, torchUnavailable, type TinyModels } from "../support/python-fixtures.ts";

const unavailable = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the log-run fault tests: ${unavailable}`);
if (unavailable) console.warn(`skipping log-run fault tests: ${unavailable}`);

const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe.skipIf(unavailable)("log-run's failures", () => {
  let dir: string;
  let models: TinyModels;
  beforeAll(async () => {
    dir = await tempDir("log-run-faults-");
    models = await buildTinyModels(dir);
  });

  const logRun = (checkpoint: string, ...source: string[]) =>
    runCli([
      "log-run",
      checkpoint,
      "--python",
      torchPython,
      "--system-site-packages",
      "--allow-package",
      "tiny_models",
      "--out",
      join(dir, `trace-${Math.random().toString(36).slice(2)}`),
      ...source,
    ]);
  const lastLine = (stderr: string) => stderr.trimEnd().split("\n").at(-1)!;

  it("a model that raises while loading: exit 1, the checkpoint's fault, its words escaped on one line", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "escapes.ckpt"), "tiny_models.hostile.EscapesTerminal");
    const run = await logRun(checkpoint, "--offline", "--find-links", models.wheelhouse);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).not.toMatch(raw);
    expect(lastLine(run.stderr)).toMatch(/^log-run failed \(checkpoint\): the run failed \(exit 1\): .*RuntimeError: \\x1b\]0;pwned\\x07/);
  });

  it("a run whose answer contradicts the host (made-up versions): exit 1, refused", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "forges.ckpt"), "tiny_models.hostile.ForgesResult");
    const run = await logRun(checkpoint, "--offline", "--find-links", models.wheelhouse);
    expect(run.exitCode).toBe(1);
    expect(lastLine(run.stderr)).toMatch(/^log-run failed \(checkpoint\): refused: the run's answer contradicts what the host established/);
  });

  it("no package index to be reached: exit 75, the environment's fault", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "plain.ckpt"), "tiny_models.TinyNet");
    const run = await logRun(checkpoint, "--index-url", `http://127.0.0.1:${await closedPort()}/simple`);
    expect(run.exitCode).toBe(75);
    expect(lastLine(run.stderr)).toMatch(/^log-run failed \(environment\): pip could not install the requirements \(the package index could not be reached\)/);
    expect(existsSync(join(dir, "plain.ckpt"))).toBe(true);
  });
});
