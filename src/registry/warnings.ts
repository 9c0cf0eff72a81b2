// What is allowed but worth a word: an entry FIAB will not see (a field its views need is missing), and a
// limited area whose bounds the catalog cannot draw. Validation passes with warnings; they name the field.
import { fiabFieldsOf } from "../fiab/export.ts";
import { fiabContracts } from "../fiab/store-contract.ts";
import { parseArea } from "../geo/area.ts";
import type { LoadedEntry } from "./entries.ts";
import type { Problem } from "./problem.ts";

function fiabViewWarnings(e: LoadedEntry): Problem[] {
  const result = fiabFieldsOf(e.entry);
  if (!("missing" in result)) return [];
  const views = fiabContracts.join(" and ");
  return result.missing.map((path) => ({ file: e.file, path, message: `missing, so FIAB's ${views} views leave the entry out` }));
}

function areaWarnings(e: LoadedEntry): Problem[] {
  return (e.entry.inputs?.datasets ?? []).flatMap((d, i): Problem[] => {
    const path = `inputs.datasets[${i}].area`;
    if (d.area !== undefined && !parseArea(d.area)) {
      return [{ file: e.file, path, message: "not an area the catalog can draw", expected: 'north/west/south/east in degrees, e.g. "70/-20/20/30"', found: JSON.stringify(d.area) }];
    }
    if (d.domain === "limited-area" && d.area === undefined) {
      return [{ file: e.file, path, message: "a limited-area dataset without bounds: the catalog cannot draw its map (extract-basic-metadata reads them from the checkpoint)" }];
    }
    return [];
  });
}

export function entryWarnings(entries: readonly LoadedEntry[]): Problem[] {
  return entries.flatMap((e) => [...fiabViewWarnings(e), ...areaWarnings(e)]);
}
