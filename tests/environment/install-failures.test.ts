// Whose failure a failed install is, with a real pip in the sandbox: a package index that cannot be reached
// (a worker on an HPC node without one) and an index or wheel folder that lacks the version are the host's
// environment, never evidence about the checkpoint; a conflict among the checkpoint's own pins is the
// checkpoint's. The classification itself is also checked on uv's wording, which these tests cannot run.
// The environment is made without a pip of its own when the base Python's pip can install into it.
import { execa } from "execa";
import { createServer, type Server } from "node:net";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyInstallFailure, createEnvironment, installRequirements, type PythonEnvironment } from "../../tooling/environment/python-env.ts";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { tempDir } from "../support/helpers.ts";
import { buildTinyModels, torchPython, torchUnavailable, type TinyModels } from "../support/python-fixtures.ts";

const unavailable = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the install classification tests: ${unavailable}`);
if (unavailable) console.warn(`skipping install classification tests: ${unavailable}`);

describe("classifyInstallFailure", () => {
  it("names the host's causes, and blames the checkpoint only for a conflict among its pins", () => {
    const cases: Array<[string, string, string]> = [
      [
        "  × No solution found when resolving dependencies:\n  ╰─▶ Because there is no version of tiny==9.9.9 and you require tiny==9.9.9, we can conclude that your requirements are unsatisfiable.",
        "environment-error",
        "does not hold",
      ],
      ["error: Failed to fetch: `http://127.0.0.1:9/simple/tiny/`\n  Caused by: error sending request for url", "environment-error", "could not be reached"],
      [
        "  × No solution found when resolving dependencies:\n  ╰─▶ Because b==1.0 depends on a>=2 and you require a==1.0, we can conclude that your requirements are unsatisfiable.",
        "install-failed",
        "conflict",
      ],
      ["OSError: [Errno 28] No space left on device", "environment-error", "disk is full"],
      ["Traceback (most recent call last):\n  something pip did not expect", "environment-error", "without naming a cause"],
    ];
    for (const [log, status, cause] of cases)
      expect(classifyInstallFailure(log, { timedOut: false }), log).toMatchObject({ status, cause: expect.stringContaining(cause) });
    expect(classifyInstallFailure("", { timedOut: true })).toMatchObject({ status: "environment-error", deterministic: false });
    expect(classifyInstallFailure("", { timedOut: false, signal: "SIGKILL" })).toMatchObject({ status: "environment-error" });
  });
});

describe.skipIf(unavailable)("a real pip in the sandbox", () => {
  let dir: string;
  let models: TinyModels;
  let env: PythonEnvironment;
  let closedPort: number;
  let holder: Server;

  beforeAll(async () => {
    dir = await tempDir("install-failures-");
    models = await buildTinyModels(dir);
    // A package whose dependency contradicts the checkpoint's pin of registry-tiny-models.
    const conflicting = join(dir, "conflicting");
    await mkdir(join(conflicting, "registry_conflicting"), { recursive: true });
    await writeFile(join(conflicting, "registry_conflicting", "__init__.py"), "");
    await writeFile(
      join(conflicting, "pyproject.toml"),
      '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "registry-conflicting"\nversion = "1.0"\ndependencies = ["registry-tiny-models>=0.2"]\n[tool.setuptools]\npackages = ["registry_conflicting"]\n',
    );
    await execa(
      torchPython,
      [
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--disable-pip-version-check",
        "--no-cache-dir",
        "-w",
        models.wheelhouse,
        conflicting,
      ],
      { cwd: dir },
    );
    await chmod(models.wheelhouse, 0o755);
    env = await createEnvironment({ python: torchPython, systemSitePackages: true, keep: false });
    // A port that was bound and let go: nothing listens there.
    holder = createServer();
    await new Promise<void>((done) => holder.listen(0, "127.0.0.1", done));
    closedPort = (holder.address() as { port: number }).port;
    await new Promise<void>((done) => holder.close(() => done()));
  });
  afterAll(async () => {
    await env?.dispose();
  });

  const install = (requirements: string[], source: Parameters<typeof installRequirements>[2]) =>
    installRequirements(env, requirements, source, { timeoutMs: 300_000, sandbox: true, allowBuilds: false });

  it("an index that cannot be reached is the environment's, not deterministic", async () => {
    const outcome = await install(["registry-tiny-models==0.1.0"], {
      indexUrl: `http://127.0.0.1:${closedPort}/simple`,
      extraIndexUrls: [],
      findLinks: [],
      offline: false,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.log).toMatch(/Connection refused/);
    expect(outcome.failure).toEqual({
      status: "environment-error",
      fault: "environment",
      deterministic: false,
      cause: "the package index could not be reached",
    });
  });

  it("a wheel folder without the version asked for is the environment's", async () => {
    const outcome = await install(["registry-tiny-models==9.9.9"], { extraIndexUrls: [], findLinks: [models.wheelhouse], offline: true });
    expect(outcome.reason).toMatch(/No matching distribution found for registry-tiny-models==9\.9\.9/);
    expect(outcome.failure).toMatchObject({ status: "environment-error", fault: "environment", cause: expect.stringContaining("does not hold") });
  });

  it("pins that conflict, whatever the index holds, are the checkpoint's, deterministic", async () => {
    const outcome = await install(["registry-tiny-models==0.1.0", "registry-conflicting==1.0"], {
      extraIndexUrls: [],
      findLinks: [models.wheelhouse],
      offline: true,
    });
    expect(outcome.log).toMatch(/ResolutionImpossible/);
    expect(outcome.failure).toEqual({ status: "install-failed", fault: "checkpoint", deterministic: true, cause: "the checkpoint's requirements conflict" });
  });

  // Last: it installs into the environment the other tests share.
  it("the environment has no pip of its own: the base Python's pip (22.3 or later) installs into it, in the sandbox", async () => {
    expect(env.tool).toBe("venv");
    expect(env.pipFrom).toBeDefined();
    const where = (module: string) =>
      execa(env.python, ["-c", `import importlib.util as u, sys; s = u.find_spec(sys.argv[1]); print(s.origin if s else "")`, module]).then((r) => r.stdout);
    expect(await where("pip")).not.toContain(env.dir);
    const outcome = await install(["registry-tiny-models==0.1.0"], { extraIndexUrls: [], findLinks: [models.wheelhouse], offline: true });
    expect(outcome.ok, outcome.log).toBe(true);
    expect(await where("tiny_models")).toContain(env.dir);
  });

  it("so has an environment without the system's site packages (the default), and pip still installs into it", async () => {
    const bare = await createEnvironment({ python: torchPython, systemSitePackages: false, keep: false });
    try {
      expect(bare.pipFrom).toBeDefined();
      const pip = await execa(bare.python, ["-c", "import pip"], { reject: false });
      expect(pip.stderr).toMatch(/No module named 'pip'/);
      const outcome = await installRequirements(
        bare,
        ["registry-tiny-models==0.1.0"],
        { extraIndexUrls: [], findLinks: [models.wheelhouse], offline: true },
        { timeoutMs: 300_000, sandbox: true, allowBuilds: false },
      );
      expect(outcome.ok, outcome.log).toBe(true);
      // Found, not imported: tiny_models imports torch, which only the system's site packages hold.
      const found = await execa(bare.python, ["-c", "import importlib.util as u; print(u.find_spec('tiny_models').origin)"]);
      expect(found.stdout).toContain(bare.dir);
    } finally {
      await bare.dispose();
    }
  });
});
