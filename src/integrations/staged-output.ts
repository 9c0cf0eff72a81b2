// A build writes into a staging folder beside the output folder, and only a finished build takes the
// output's place. A failed build leaves no half-written site, and no earlier one that would pass for current.
import { existsSync, renameSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";

export interface StagedOutput {
  /** Where the build writes. */
  staging: string;
  /** Puts the finished site in the output folder's place. */
  commit(): Promise<void>;
}

/** Refuses an output folder that holds the project (removing it would remove the sources). */
function checkRemovable(outDir: string, root: string): void {
  const up = relative(outDir, root);
  if (up === "" || !up.startsWith("..")) throw new Error(`output folder ${outDir} holds the project ${root}; choose another --outDir`);
}

/**
 * Takes what an earlier or failed build left at `outDir` out of the way and stages this build beside it.
 * The earlier site is moved aside at once and deleted while the build runs: deleting 30,000 files takes
 * seconds that need not be waited for.
 */
export function stageOutput(outDir: string, root: string): StagedOutput {
  const out = resolve(outDir);
  checkRemovable(out, resolve(root));
  const staging = join(dirname(out), `.${basename(out)}.building`);
  const earlier = join(dirname(out), `.${basename(out)}.earlier`);
  rmSync(staging, { recursive: true, force: true });
  rmSync(earlier, { recursive: true, force: true });
  if (existsSync(out)) renameSync(out, earlier);
  const deleting = rm(earlier, { recursive: true, force: true });
  deleting.catch(() => {});
  let committed = false;
  const abandon = () => {
    rmSync(earlier, { recursive: true, force: true });
    if (!committed) rmSync(staging, { recursive: true, force: true });
  };
  process.once("exit", abandon);
  return {
    staging,
    async commit() {
      await deleting;
      renameSync(staging, out);
      committed = true;
      process.removeListener("exit", abandon);
    },
  };
}
