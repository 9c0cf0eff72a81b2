// A build writes into a staging folder beside the output folder, and only a finished build takes the
// output's place. A failed build leaves no half-written site, and no earlier one that would pass for current.
import { existsSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

export interface StagedOutput {
  /** Where the build writes. */
  staging: string;
  /** Puts the finished site in the output folder's place. */
  commit(): void;
}

/** Refuses an output folder that holds the project (removing it would remove the sources). */
function checkRemovable(outDir: string, root: string): void {
  const up = relative(outDir, root);
  if (up === "" || !up.startsWith("..")) throw new Error(`output folder ${outDir} holds the project ${root}; choose another --outDir`);
}

/** Removes what an earlier or failed build left at `outDir`, and stages this build beside it. */
export function stageOutput(outDir: string, root: string): StagedOutput {
  const out = resolve(outDir);
  checkRemovable(out, resolve(root));
  const staging = join(dirname(out), `.${basename(out)}.building`);
  rmSync(staging, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  let committed = false;
  const abandon = () => {
    if (!committed) rmSync(staging, { recursive: true, force: true });
  };
  process.once("exit", abandon);
  return {
    staging,
    commit() {
      if (existsSync(out)) rmSync(out, { recursive: true, force: true });
      renameSync(staging, out);
      committed = true;
      process.removeListener("exit", abandon);
    },
  };
}
