// An entry's history comes from git's log of the entries folder: committed changes only, newest first, so a
// build of one commit always shows the same dates; outside git there is none.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { readEntryHistory } from "../../src/site/entry-history.ts";
import { tempDir } from "../support/helpers.ts";

async function repoWithHistory(): Promise<string> {
  const repo = await tempDir();
  const entries = join(repo, "entries");
  await mkdir(entries);
  const git = (args: string[], date: string) =>
    execa("git", args, {
      cwd: repo,
      env: {
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.org",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.org",
      },
    });
  await git(["init", "-q"], "2026-01-01T00:00:00Z");
  await writeFile(join(entries, "a.json"), "{}\n");
  await writeFile(join(entries, "b.json"), "{}\n");
  await git(["add", "."], "2026-01-01T00:00:00Z");
  await git(["commit", "-qm", "Add a and b"], "2026-01-02T10:00:00Z");
  await writeFile(join(entries, "a.json"), '{"x": 1}\n');
  await git(["commit", "-qam", "a: the publisher's description"], "2026-03-04T23:30:00Z");
  await writeFile(join(repo, "README.md"), "not an entry\n");
  await git(["add", "."], "2026-03-05T00:00:00Z");
  await git(["commit", "-qm", "docs"], "2026-03-05T00:00:00Z");
  // A change not committed is not history.
  await writeFile(join(entries, "b.json"), '{"y": 2}\n');
  return entries;
}

describe("entry history", () => {
  it("lists each file's commits, newest first, with the committer date in UTC and the subject", async () => {
    const history = readEntryHistory(await repoWithHistory());
    expect(history.get("a.json")?.map(({ date, subject }) => ({ date, subject }))).toEqual([
      { date: "2026-03-04", subject: "a: the publisher's description" },
      { date: "2026-01-02", subject: "Add a and b" },
    ]);
    expect(history.get("b.json")?.map((h) => h.subject)).toEqual(["Add a and b"]);
    expect(history.get("a.json")![0]!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(history.has("README.md")).toBe(false);
  });

  it("is empty outside git", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "a.json"), "{}\n");
    expect(readEntryHistory(dir).size).toBe(0);
  });
});
