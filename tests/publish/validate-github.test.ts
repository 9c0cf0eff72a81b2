// `validate --format github`: each problem as a GitHub annotation on the line of the field at fault.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { locateJsonPath, parsePath } from "../../tooling/publish/json-locate.ts";
import { copyOfEntries, editJson, runCli } from "../support/helpers.ts";

const text = `{
  "display": { "name": "x" },
  "compatibility": {
    "linux-x86_64-cuda": {
      "evidence": [
        { "date": "2026-01-01" },
        { "date": "bad", "note": "a \\"quoted\\" [string] with {braces}," }
      ]
    }
  },
  "last": [1, [2, 3], {"k": null}]
}
`;

describe("locating a JSON path in the text", () => {
  it("reads the paths validate prints", () => {
    expect(parsePath("(root)")).toEqual([]);
    expect(parsePath('compatibility["linux-x86_64-cuda"].evidence[1].date')).toEqual(["compatibility", "linux-x86_64-cuda", "evidence", 1, "date"]);
    expect(parsePath(".x")).toBeUndefined();
    expect(parsePath("a..b")).toBeUndefined();
  });

  it("finds keys and elements, past strings holding brackets and quotes", () => {
    expect(locateJsonPath(text, "display.name")).toEqual({ line: 2, column: 16 });
    expect(locateJsonPath(text, 'compatibility["linux-x86_64-cuda"].evidence[1].date')).toEqual({ line: 7, column: 11 });
    expect(locateJsonPath(text, "last[2].k")).toEqual({ line: 11, column: 24 });
  });

  it("points a missing field at the nearest part of its path that exists", () => {
    expect(locateJsonPath(text, "display.author")).toEqual({ line: 2, column: 3 });
    expect(locateJsonPath(text, 'compatibility["linux-x86_64-cuda"].evidence[5]')).toEqual({ line: 5, column: 7 });
    expect(locateJsonPath(text, "nothing.here")).toEqual({ line: 1, column: 1 });
    expect(locateJsonPath("{ broken", "a.b")).toEqual({ line: 1, column: 1 });
  });
});

describe("validate --format github", () => {
  it("annotates each problem on its field's line, escaped as GitHub reads it, and exits 1", async () => {
    const entries = await copyOfEntries();
    const file = join(entries, "imerg-gt.json");
    await editJson(file, (d) => {
      d.source.url = "ftp://example.org/x.ckpt";
      d.sourceUrl = "a,b:c%";
    });
    const result = await runCli(["validate", "--entries", entries, "--format", "github", "--quiet"]);
    expect(result.exitCode).toBe(1);
    const lines = (await readFile(file, "utf8")).split("\n");
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    const annotations = result.stdout.split("\n");
    expect(annotations).toEqual([
      `::error file=${file},line=${lineOf('"url": "ftp://')},col=5,title=registry validate%3A source.url::source.url: an http(s) URL; found "ftp://example.org/x.ckpt"`,
      expect.stringMatching(
        new RegExp(
          `^::error file=${file.replace(/[.]/g, "\\.")},line=${lineOf('"sourceUrl"')},col=3,title=registry validate%3A sourceUrl::sourceUrl: unknown field.*found "a,b:c%25"$`,
        ),
      ),
    ]);
  });

  it("annotates a JSON syntax error at its line and column, and warnings as warnings", async () => {
    const entries = await copyOfEntries();
    const file = join(entries, "imerg-gt.json");
    const original = await readFile(file, "utf8");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, original.replace('"display": {', '"display": {,'));
    const result = await runCli(["validate", "--entries", entries, "--format", "github"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^::error file=${file.replace(/[.]/g, "\\.")},line=\\d+,col=\\d+,title=registry validate%3A entry::`, "m"));
    expect(result.stdout).toMatch(/^::warning file=.*BRIS-2025\.10\.json,line=\d+,col=\d+,title=registry validate%3A inputs\.datasets\[1\]\.area::/m);
    expect(result.stderr).not.toContain("warning:");
  });
});
