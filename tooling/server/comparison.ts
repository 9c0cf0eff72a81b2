// compare-runs for the server's comparison jobs: the two traces (uploaded blobs) laid out as trace folders
// of links, compared by the registry's own command in a child process at a lower priority (a comparison of
// large traces takes seconds of CPU that the answering thread must not spend), with a deadline. The record is
// read from the file compare-runs writes with --out, which it writes only when it compared: its exit status
// alone cannot tell a divergent verdict (1) from a comparison that could not run (also 1).
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { execa } from "execa";
import { outputTail } from "../../src/evidence/checkpoint-words.ts";
import { RegistryError } from "../../src/errors.ts";
import { repoRoot } from "../repo.ts";
import type { BlobStore } from "./blobs.ts";

/** A comparison that did not produce a record; `output` is the end of compare-runs' stderr, escaped. */
export class ComparisonError extends RegistryError {
  readonly output: string | undefined;
  constructor(message: string, output?: string) {
    super(message);
    this.output = output;
  }
}

export function compareInChildProcess(blobs: BlobStore, deadlineMs: number) {
  return async (reference: Record<string, string>, candidate: Record<string, string>): Promise<unknown> => {
    const dir = await mkdtemp(join(tmpdir(), "registry-compare-"));
    try {
      const folders = { reference: join(dir, "reference"), candidate: join(dir, "candidate") };
      for (const [name, files] of [
        ["reference", reference],
        ["candidate", candidate],
      ] as const) {
        const folder = folders[name];
        await mkdir(folder);
        for (const [file, sha] of Object.entries(files)) {
          const target = blobs.path(sha);
          // A link's relative target is read from the link's folder, not from here.
          if (!isAbsolute(target)) throw new ComparisonError(`the blob folder ${blobs.dir} is not an absolute path`);
          if (!existsSync(target)) throw new ComparisonError(`the ${name} trace's ${file} (${sha}) is not in the blob folder`);
          await symlink(target, join(folder, file));
        }
      }
      const out = join(dir, "result.json");
      const run = await execa(
        "nice",
        ["-n", "10", process.execPath, join(repoRoot, "tooling", "registry.mjs"), "compare-runs", folders.reference, folders.candidate, "--out", out],
        {
          reject: false,
          timeout: deadlineMs,
          stdout: "ignore",
          maxBuffer: 1024 * 1024,
          env: { NODE_OPTIONS: "" },
        },
      );
      if (run.timedOut) throw new ComparisonError(`compare-runs did not finish within ${deadlineMs / 1000} s`);
      const text = await readFile(out, "utf8").catch(() => undefined);
      if (text === undefined) {
        const stderr = String(run.stderr ?? "");
        const last = stderr.trim().split("\n").at(-1) ?? "";
        throw new ComparisonError(
          `compare-runs exited ${run.exitCode ?? run.signal} without a result${last ? `: ${last}` : ""}`,
          stderr ? outputTail(stderr) : undefined,
        );
      }
      return JSON.parse(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
