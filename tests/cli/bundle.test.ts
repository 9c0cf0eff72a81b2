// The bundle (tooling/bundle.mjs) must not depend on the Node that builds it: `npm ci` builds it with the pinned
// Node 24, a contributor may run `node tooling/bundle.mjs` with the machine's own (Node 20 here). And no command
// may print a runtime warning, from the bundle or from the source.
import { readdir, readFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { execa, execaSync } from "execa";
import { describe, expect, it } from "vitest";
import { copyOfEntries, fixture, repoRoot, runCli, tempDir } from "../support/helpers.ts";
import { spawnServe } from "../support/registry-server.ts";

/** A `node` on PATH other than the one running the tests (npm puts the pinned one first), with its version. */
function otherNode(): { path: string; version: string } | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.startsWith(join(repoRoot, "node_modules"))) continue;
    try {
      const path = join(dir, "node");
      const version = execaSync(path, ["--version"]).stdout.trim();
      if (version !== process.version) return { path, version };
    } catch {
      // no node here
    }
  }
  return undefined;
}

async function bundleWith(node: string): Promise<Map<string, Buffer>> {
  const out = await tempDir("registry-bundle-");
  await execa(node, [join(repoRoot, "tooling", "bundle.mjs"), out], { cwd: repoRoot });
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(out)).sort()) if (name.endsWith(".js") || name === "inputs.json") files.set(name, await readFile(join(out, name)));
  if (!files.has("main.js")) throw new Error(`${node} wrote no bundle into ${out}`);
  return files;
}

const other = otherNode();

describe("the command-line bundle", () => {
  it.skipIf(!other && !process.env.CI)(
    `is byte for byte the same built by ${process.version} and by the machine's other Node (${other?.version ?? "none found"})`,
    async () => {
      if (!other) throw new Error("CI needs a second Node on PATH (the machine's own) to check that the bundle does not depend on the Node that builds it");
      const pinned = await bundleWith(process.execPath);
      const machine = await bundleWith(other.path);
      expect([...machine.keys()]).toEqual([...pinned.keys()]);
      for (const [name, bytes] of pinned) expect(machine.get(name)!.equals(bytes), name).toBe(true);
    },
    120_000,
  );

  it("no command prints a runtime warning, from the bundle or from the source", async () => {
    const entries = await copyOfEntries();
    const commands = [
      ["--help"],
      ["validate", "--entries", entries],
      ["extract-basic-metadata", fixture("anemoi/registry-dummy-checkpoint.ckpt"), "--json"],
      ["export-fiab-store", "--contract", "core-2", "--entries", entries],
      ["schema"],
    ];
    for (const source of [false, true]) {
      for (const args of commands) {
        const run = source
          ? await execa(process.execPath, [join(repoRoot, "tooling", "registry.mjs"), ...args], {
              cwd: repoRoot,
              reject: false,
              env: { NO_COLOR: "1", REGISTRY_SOURCE: "1" },
            })
          : await runCli(args);
        expect(run.exitCode, `${args.join(" ")}: ${run.stderr}`).toBe(0);
        expect(run.stderr, `${source ? "source" : "bundle"}: ${args.join(" ")}`).not.toMatch(/Warning|\bDEP\d{4}\b/);
      }
    }
  }, 120_000);

  it("serve prints no runtime warning while it answers", async () => {
    const server = await spawnServe(["--db", join(await tempDir("serve-warnings-"), "registry.db")]);
    try {
      const health = await fetch(`${server.url}/api/v1/health`);
      expect(health.status).toBe(200);
      const checkpoints = await fetch(`${server.url}/api/v1/checkpoints`);
      expect(checkpoints.status).toBe(200);
    } finally {
      server.child.kill("SIGTERM");
      await server.child;
    }
    expect(server.stderr()).not.toMatch(/Warning|\bDEP\d{4}\b|FSTDEP/);
  }, 60_000);
});
