// A checkpoint page is written once its entry and its variants' entries have passed, whatever order they pass in.
import { describe, expect, it } from "vitest";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { PagesAsEntriesPass } from "../../src/site/checkpoint-page/as-entries-pass.ts";
import { checkpointPageIn } from "../../src/site/checkpoint-page/page.ts";
import { fixtureEntriesDir } from "../support/helpers.ts";

const entries = await loadValidEntries(fixtureEntriesDir);
const byId = new Map(entries.map((e) => [e.id, e.entry]));

describe("PagesAsEntriesPass", () => {
  it("writes each page once, after its variants, with their builds named, in either order", () => {
    for (const order of [entries, [...entries].reverse()]) {
      const writer = new PagesAsEntriesPass(fixtureEntriesDir, undefined);
      const passed = new Set<string>();
      const written: string[] = [];
      for (const e of order) {
        passed.add(e.id);
        for (const { id, page } of writer.pass(e)) {
          for (const v of byId.get(id)!.variants ?? []) expect(passed.has(v), `${id} before its variant ${v}`).toBe(true);
          const entry = byId.get(id)!;
          expect(page.body).toBe(checkpointPageIn(fixtureEntriesDir, id, entry, (v) => byId.get(v), undefined).body);
          written.push(id);
        }
      }
      expect(writer.rest()).toEqual([]);
      expect(written.sort()).toEqual(entries.map((e) => e.id).sort());
    }
    // The fixtures hold entries that wait: a variant sorting after the entry that names it.
    expect(entries.some((e, i) => (e.entry.variants ?? []).some((v) => entries.findIndex((o) => o.id === v) > i))).toBe(true);
  });

  it("writes at the end the pages whose variant never passed, naming the variant by its id", () => {
    const withVariants = entries.find((e) => (e.entry.variants ?? []).length > 0)!;
    const writer = new PagesAsEntriesPass(fixtureEntriesDir, undefined);
    expect(writer.pass(withVariants)).toEqual([]);
    const [rest, ...more] = writer.rest();
    expect(more).toEqual([]);
    expect(rest!.id).toBe(withVariants.id);
    for (const v of withVariants.entry.variants!) expect(rest!.page.body).toContain(`${v}, ${v}</a>`);
    expect(writer.rest()).toEqual([]);
  });
});
