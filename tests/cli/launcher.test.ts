// tooling/registry.mjs runs the bundle only while no file it was built from has changed; otherwise the source.
import { copyFile, mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot, tempDir } from "../support/helpers.ts";

async function fakeRepository(): Promise<string> {
  const root = await tempDir();
  await mkdir(join(root, "tooling"), { recursive: true });
  await mkdir(join(root, "build", "cli"), { recursive: true });
  await copyFile(join(repoRoot, "tooling", "registry.mjs"), join(root, "tooling", "registry.mjs"));
  await writeFile(
    join(root, "tooling", "cli.ts"),
    'export async function runProcess(): Promise<void> { console.log("source", process.argv.slice(2).join(" ")); }\n',
  );
  await writeFile(join(root, "build", "cli", "main.js"), 'export async function runProcess() { console.log("bundle", process.argv.slice(2).join(" ")); }\n');
  const when = new Date("2026-01-01T00:00:00Z");
  await utimes(join(root, "tooling", "cli.ts"), when, when);
  await writeFile(join(root, "build", "cli", "inputs.json"), JSON.stringify({ "tooling/cli.ts": when.getTime() }));
  return root;
}

describe("the command-line launcher", () => {
  it("runs the bundle while its inputs are unchanged, the source once one changed", async () => {
    const root = await fakeRepository();
    const run = () => execa(process.execPath, [join(root, "tooling", "registry.mjs"), "validate", "--json"]);
    expect((await run()).stdout).toBe("bundle validate --json");
    const later = new Date("2026-06-01T00:00:00Z");
    await utimes(join(root, "tooling", "cli.ts"), later, later);
    expect((await run()).stdout).toBe("source validate --json");
  });

  it("runs the source when there is no bundle, or when asked to", async () => {
    const root = await fakeRepository();
    expect((await execa(process.execPath, [join(root, "tooling", "registry.mjs"), "--help"], { env: { REGISTRY_SOURCE: "1" } })).stdout).toBe("source --help");
    await writeFile(join(root, "build", "cli", "inputs.json"), "not json");
    expect((await execa(process.execPath, [join(root, "tooling", "registry.mjs"), "--help"])).stdout).toBe("source --help");
  });
});
