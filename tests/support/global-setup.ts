// Once per `vitest run`: the wheel of the test package tiny_models (tests/fixtures/python/tiny-models), which a
// dozen test files install into their environments. Building it took each of them a second of CPU.
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { fixture } from "./paths.ts";
import { pipWheel } from "./pip-wheel.ts";
import { torchPython } from "./torch-python.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The built wheel of tiny_models, or "" where there is no Python to build it (its tests then skip). */
    tinyModelsWheel: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), "tiny-models-wheel-"));
  let wheel = "";
  if (existsSync(torchPython)) {
    await cp(fixture("python/tiny-models"), join(dir, "source"), { recursive: true });
    const built = await pipWheel(join(dir, "source"), join(dir, "wheels"), { cwd: dir, reject: false });
    const names = built.exitCode === 0 ? await readdir(join(dir, "wheels")) : [];
    if (names.length === 1) wheel = join(dir, "wheels", names[0]!);
  }
  project.provide("tinyModelsWheel", wheel);
  return () => rm(dir, { recursive: true, force: true });
}
