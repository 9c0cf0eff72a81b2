// The Python client installed as its users install it, offline (pip cannot reach PyPI here; Debian's setuptools
// and wheel build it with --no-build-isolation): `pip install` of the source folder into a virtual environment, and
// a wheel built with `pip wheel` installed into another; each then used from outside the repository, as a library
// and as the `fiab-model-registry` command, against a registry on 127.0.0.1.
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAllServers, startServer, type TestServer } from "../support/http-servers.ts";
import { documentRoute } from "../support/document-route.ts";
import { clientPython, clientRoot, pythonClientUnavailable } from "../support/python-client.ts";
import { realEntries, registryDocument } from "../support/signing.ts";

const unavailable =
  (await pythonClientUnavailable()) ??
  ((await execa(clientPython, ["-c", "import venv, ensurepip, setuptools, wheel"], { reject: false })).exitCode !== 0
    ? `${clientPython} lacks venv, setuptools or wheel (apt-get install python3-venv python3-setuptools python3-wheel python3-pip)`
    : undefined);
if (unavailable && process.env.CI) throw new Error(`CI must install the Python client: ${unavailable}`);
if (unavailable) console.warn(`skipping the Python client's installation: ${unavailable}`);

let dir: string;
let server: TestServer;
const version = "0.1.0";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fiab-python-install-"));
  // A copy, so that the build's own files (build/, *.egg-info) never land in the repository.
  await cp(clientRoot, join(dir, "source"), { recursive: true, filter: (path) => !/__pycache__|\.egg-info|\/build$/.test(path) });
  server = await startServer({
    "/modelRegistry.json": documentRoute(registryDocument(realEntries(), { revision: "c0ffee1", publishedAt: "2026-11-28T12:00:00Z" })),
  });
});

afterAll(async () => {
  await closeAllServers();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A virtual environment; with the system's packages only where the build needs setuptools and wheel. */
async function venv(name: string, systemSitePackages: boolean): Promise<{ python: string; bin: (tool: string) => string }> {
  const path = join(dir, name);
  await execa(clientPython, ["-m", "venv", ...(systemSitePackages ? ["--system-site-packages"] : []), path], { timeout: 120_000 });
  return { python: join(path, "bin", "python"), bin: (tool) => join(path, "bin", tool) };
}

const pip = (python: string, args: string[]) =>
  execa(python, ["-m", "pip", "--disable-pip-version-check", "--no-input", "--no-cache-dir", ...args], {
    cwd: dir,
    timeout: 240_000,
    reject: false,
    env: { PIP_NO_INDEX: "1", PYTHONDONTWRITEBYTECODE: "1" },
  });

/** Uses the installed client from a folder outside the repository, as a library and as a command. */
async function used(env: { python: string; bin: (tool: string) => string }): Promise<void> {
  const library = await execa(
    env.python,
    [
      "-c",
      "import importlib.metadata as m, fiab_model_registry as f, sys; r = f.Registry(sys.argv[1], cache_dir=sys.argv[2]); print(m.version('fiab-model-registry'), f.__version__, len(r.checkpoints()), r.revision, f.__file__)",
      server.base,
      join(dir, "cache"),
    ],
    { cwd: dir, reject: false },
  );
  expect(library.exitCode, library.stderr).toBe(0);
  const [installed, declared, count, revision, file] = library.stdout.trim().split(" ");
  expect([installed, declared, Number(count), revision]).toEqual([version, version, Object.keys(realEntries()).length, "c0ffee1"]);
  expect(file!.startsWith(dir) && file!.includes("site-packages")).toBe(true);
  const command = await execa(env.bin("fiab-model-registry"), ["--url", server.base, "--cache-dir", join(dir, "cache"), "--json", "list"], {
    cwd: dir,
    reject: false,
  });
  expect(command.exitCode, command.stderr).toBe(0);
  expect(JSON.parse(command.stdout).revision).toBe("c0ffee1");
  const help = await execa(env.bin("fiab-model-registry"), ["--help"], { cwd: dir, reject: false });
  expect(help.stdout).toContain("usage: ");
}

describe.skipIf(unavailable !== undefined)("installing the Python client", () => {
  it("pip install of the source folder, offline with the system's setuptools", { timeout: 300_000 }, async () => {
    const env = await venv("from-source", true);
    const installed = await pip(env.python, ["install", "--no-build-isolation", join(dir, "source")]);
    expect(installed.exitCode, installed.stderr + installed.stdout).toBe(0);
    await used(env);
  });

  it("a wheel built by pip wheel, installed into a bare environment", { timeout: 300_000 }, async () => {
    const wheels = join(dir, "wheels");
    const built = await pip(clientPython, ["wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", wheels, join(dir, "source")]);
    expect(built.exitCode, built.stderr + built.stdout).toBe(0);
    const files = await readdir(wheels);
    expect(files).toEqual([`fiab_model_registry-${version}-py3-none-any.whl`]);
    const listing = await execa(clientPython, [
      "-c",
      "import sys, zipfile; print('\\n'.join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))",
      join(wheels, files[0]!),
    ]);
    const names = listing.stdout.split("\n");
    expect(names).toContain("fiab_model_registry/py.typed");
    expect(names).toContain("fiab_model_registry/registry.py");
    expect(names.filter((n) => n.startsWith("tests/") || n.includes("/tests/"))).toEqual([]);
    const env = await venv("from-wheel", false);
    const installed = await pip(env.python, ["install", join(wheels, files[0]!)]);
    expect(installed.exitCode, installed.stderr + installed.stdout).toBe(0);
    await used(env);
  });
});
