// compare-runs for the server's comparison jobs: the two traces (uploaded blobs) laid out as trace folders
// of links, compared by the registry's own command in a child process at a lower priority (a comparison of
// large traces takes seconds of CPU that the answering thread must not spend), with a deadline.
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { repoRoot } from "../repo.ts";
import type { BlobStore } from "./blobs.ts";

export function compareInChildProcess(blobs: BlobStore, deadlineMs: number) {
  return async (reference: Record<string, string>, candidate: Record<string, string>): Promise<unknown> => {
    const dir = await mkdtemp(join(tmpdir(), "registry-compare-"));
    try {
      const folders: string[] = [];
      for (const [name, files] of [["reference", reference], ["candidate", candidate]] as const) {
        const folder = join(dir, name);
        folders.push(folder);
        await mkdir(folder);
        for (const [file, sha] of Object.entries(files)) await symlink(blobs.path(sha), join(folder, file));
      }
      const run = await execa("nice", ["-n", "10", process.execPath, join(repoRoot, "tooling", "registry.mjs"), "compare-runs", folders[0]!, folders[1]!, "--json"], {
        reject: false,
        timeout: deadlineMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { NODE_OPTIONS: "" },
      });
      // Exit 1 is a divergent verdict, still a record.
      if (run.exitCode !== 0 && run.exitCode !== 1) throw new Error(run.timedOut ? `timed out after ${deadlineMs / 1000} s` : `exit ${run.exitCode}: ${run.stderr.slice(-1000)}`);
      return JSON.parse(run.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
