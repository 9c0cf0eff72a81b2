// Negative tests as data, as SchemaStore keeps them: every case in tests/fixtures/entries/invalid/ is an entry
// file named after its defect (or a folder of entry files, for defects across entries) beside the problems
// `validate` must report for it, one per line, in `<case>.expected` (`<folder>/expected`). A contributor adds a
// case by adding the two files; `UPDATE_EXPECTED=1` writes a missing .expected from what validate says now,
// to be read and corrected by hand.
import { existsSync, readdirSync, statSync } from "node:fs";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatRegistryProblem } from "../../src/registry/problem.ts";
import { validateEntries } from "../../src/registry/validate.ts";
import { fixture, tempDir } from "../support/helpers.ts";

const root = fixture("entries/invalid");

const cases = readdirSync(root)
  .filter((name) => !name.endsWith(".expected"))
  .map((name) => {
    const folder = statSync(join(root, name)).isDirectory();
    return {
      name: folder ? name : basename(name, ".json"),
      path: join(root, name),
      folder,
      expected: folder ? join(root, name, "expected") : join(root, `${basename(name, ".json")}.expected`),
    };
  });

async function reported(c: (typeof cases)[number]): Promise<string> {
  const dir = join(await tempDir(), "entries");
  await mkdir(dir);
  if (c.folder) await cp(c.path, dir, { recursive: true, filter: (source) => basename(source) !== "expected" });
  else await cp(c.path, join(dir, basename(c.path)));
  const { problems } = await validateEntries(dir);
  return problems.map((p) => formatRegistryProblem(p).replaceAll(`${dir}/`, "")).join("\n");
}

describe("invalid entries", () => {
  it("has cases, each with its expected problems", () => {
    expect(cases.length).toBeGreaterThan(10);
    const missing = cases.filter((c) => !existsSync(c.expected)).map((c) => c.name);
    if (!process.env.UPDATE_EXPECTED) expect(missing, "cases without .expected (UPDATE_EXPECTED=1 writes them)").toEqual([]);
  });

  it.each(cases)("$name", async (c) => {
    const text = await reported(c);
    if (!existsSync(c.expected) && process.env.UPDATE_EXPECTED) await writeFile(c.expected, `${text}\n`);
    expect(text, "a case must be refused").not.toBe("");
    expect(text).toBe((await readFile(c.expected, "utf8")).trimEnd());
  });
});
