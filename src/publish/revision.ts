// Which revision of the entries a publication shows: the git commit that last changed the entries folder and
// that commit's committer time. Never the wall clock, so that building the same commit twice gives the same
// bytes; and not HEAD, so that a commit outside entries/ (code, docs) publishes no new registry revision.
import { execFileSync } from "node:child_process";

export interface Publication {
  /** A git commit id; the registry server puts its own integer revision here instead. */
  revision?: string | number;
  /** ISO 8601 UTC, whole seconds. */
  publishedAt?: string;
}

function git(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  } catch {
    // Not a git work tree, or no git: the documents say no revision rather than a wrong one.
    return undefined;
  }
}

const isoSeconds = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The commit and time of `revision` as git knows it in `dir`, or undefined. */
function commitOf(dir: string, revision: string): Publication | undefined {
  const line = git(dir, ["log", "-1", "--format=%H %ct", revision, "--", "."]);
  const [commit, time] = line?.split(" ") ?? [];
  if (!commit || !time || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  return { revision: commit, publishedAt: isoSeconds(Number(time)) };
}

/**
 * REGISTRY_REVISION when set (a build outside git, or a CI that checks out without history), with its commit
 * time when git knows it (or REGISTRY_PUBLISHED_AT); else the last commit of `entriesDir`. Nothing when the
 * folder is not in git or has changes not committed: a revision would then name bytes it does not hold.
 */
export function entriesPublication(entriesDir: string, env: NodeJS.ProcessEnv = process.env): Publication {
  const given = env.REGISTRY_REVISION?.trim();
  if (given) {
    const publishedAt =
      env.REGISTRY_PUBLISHED_AT?.trim() || git(entriesDir, ["log", "-1", "--format=%ct", given])?.replace(/^(\d+)$/, (s) => isoSeconds(Number(s)));
    return publishedAt && !Number.isNaN(Date.parse(publishedAt))
      ? { revision: given, publishedAt: new Date(publishedAt).toISOString().replace(/\.000Z$/, "Z") }
      : { revision: given };
  }
  const dirty = git(entriesDir, ["status", "--porcelain", "--untracked-files=all", "--", "."]);
  if (dirty === undefined || dirty !== "") return {};
  return commitOf(entriesDir, "HEAD") ?? {};
}
