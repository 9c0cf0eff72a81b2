// What is allowed but worth a word, each with what fixes it: an entry FIAB will not see (a field its views need
// is missing, or holds a value FIAB's runtime raises on), a time step in a form FIAB cannot parse, a limited
// area whose bounds the catalog cannot draw, an empty description or author, a GPU memory estimate without
// its rule. Validation passes with warnings; they name the field.
import { canonicalTimestep } from "../contract/duration.ts";
import { fiabFieldsOf } from "../fiab/export.ts";
import { fiabContracts } from "../fiab/store-contract.ts";
import { parseArea } from "../geo/area.ts";
import type { LoadedEntry } from "./entries.ts";
import type { Problem } from "./problem.ts";

const views = fiabContracts.join(" and ");

function fiabViewWarnings(e: LoadedEntry): Problem[] {
  const result = fiabFieldsOf(e.entry);
  if (!("gaps" in result)) return [];
  return result.gaps.map((gap) => ({ file: e.file, path: gap.path, message: `${gap.message}, so FIAB's ${views} views leave the entry out; fix: ${gap.fix}` }));
}

function timestepWarnings(e: LoadedEntry): Problem[] {
  const written = e.entry.model?.timestep;
  const canonical = written === undefined ? undefined : canonicalTimestep(written);
  if (written === undefined || canonical === undefined || canonical === written) return [];
  return [
    {
      file: e.file,
      path: "model.timestep",
      message: `FIAB's runtime (earthkit-data's to_timedelta) cannot parse ${JSON.stringify(written)}: the views publish ${JSON.stringify(canonical)}; fix: write ${JSON.stringify(canonical)}`,
      expected: "one number and one unit: <n>h for whole hours, else <n>m, else <n>s",
      found: JSON.stringify(written),
    },
  ];
}

function areaWarnings(e: LoadedEntry): Problem[] {
  return (e.entry.inputs?.datasets ?? []).flatMap((d, i): Problem[] => {
    const path = `inputs.datasets[${i}].area`;
    if (d.area !== undefined && !parseArea(d.area)) {
      return [
        {
          file: e.file,
          path,
          message: "not an area the catalog can draw",
          expected: 'north/west/south/east in degrees, e.g. "70/-20/20/30"',
          found: JSON.stringify(d.area),
        },
      ];
    }
    if (d.domain === "limited-area" && d.area === undefined) {
      return [
        {
          file: e.file,
          path,
          message:
            "a limited-area dataset without bounds: the catalog cannot draw its map; fix: extract-basic-metadata <url> --write reads them from the checkpoint, or write the area from the publisher's documentation",
        },
      ];
    }
    return [];
  });
}

function displayWarnings(e: LoadedEntry): Problem[] {
  const empty = (["description", "author"] as const).filter((field) => e.entry.display[field].trim() === "");
  return empty.map((field) => ({
    file: e.file,
    path: `display.${field}`,
    message: `empty: the catalog and FIAB's model picker show nothing there; fix: write the ${field === "author" ? "publisher" : "model's purpose, domain and how it differs from its siblings"} from the publisher's model card, with the card in sources`,
  }));
}

function gpuMemoryWarnings(e: LoadedEntry): Problem[] {
  const memory = e.entry.infrastructure?.gpuMemory;
  if (!memory) return [];
  if (memory.kind === "estimated" && !memory.rule) {
    return [
      {
        file: e.file,
        path: "infrastructure.gpuMemory.rule",
        message: "an estimate without its rule: readers cannot tell how it was made; fix: write the rule (see the contract page)",
      },
    ];
  }
  if (memory.kind !== "estimated" && !memory.source) {
    return [
      { file: e.file, path: "infrastructure.gpuMemory.source", message: `a ${memory.kind} figure without its source; fix: link where it was ${memory.kind}` },
    ];
  }
  return [];
}

/** The warnings of one entry, in the order of the rules above. */
export function warningsOf(e: LoadedEntry): Problem[] {
  return [...fiabViewWarnings(e), ...timestepWarnings(e), ...areaWarnings(e), ...displayWarnings(e), ...gpuMemoryWarnings(e)];
}

export interface WarningKind {
  /** The first warning of its kind, in file order. */
  first: Problem;
  count: number;
}

/**
 * Warnings grouped by kind: the same rule on the same field (array positions and quoted values aside, so that
 * one message about many entries is one kind), in the order each kind first appears.
 */
export function summariseWarnings(warnings: readonly Problem[]): WarningKind[] {
  const kinds = new Map<string, WarningKind>();
  for (const w of warnings) {
    const key = `${w.path?.replace(/\[\d+\]/g, "[]") ?? ""}\u0000${w.message.replace(/"(?:[^"\\]|\\.)*"/g, '""')}`;
    const kind = kinds.get(key);
    if (kind) kind.count++;
    else kinds.set(key, { first: w, count: 1 });
  }
  return [...kinds.values()];
}

/** One line per kind: the first warning, and how many more are like it. */
export function warningSummaryLines(warnings: readonly Problem[], format: (p: Problem) => string, more: string): string[] {
  return summariseWarnings(warnings).map(({ first, count }) => (count === 1 ? format(first) : `${format(first)} (and ${count - 1} more like it; ${more})`));
}
