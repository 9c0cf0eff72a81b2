// How to use a checkpoint, as commands to copy: in Forecast-in-a-Box, with anemoi-inference directly, and
// downloading the file with its digest checked. Everything shown comes from the entry; nothing is guessed.
import type { Entry } from "../contract/index.ts";
import { canonicalTimestep, timestepSeconds } from "../contract/duration.ts";
import { humanBytes, pipInstallLine, shellQuote } from "./format.ts";

export interface FiabSteps {
  /** The store to add to FIAB's config.toml, keeping FIAB's own default store. */
  configToml: string;
  /** FIAB's name for the model: "<store id>:<checkpoint id>". */
  artifact: string;
  steps: string[];
}

export interface Usage {
  fileName: string;
  /** How to run it in FIAB, step by step; undefined when FIAB's views leave it out. */
  fiab: FiabSteps | undefined;
  /** The FIAB store views that list the entry; empty when a field they need is missing. */
  fiabViews: string[];
  pipInstall: string | undefined;
  /** A minimal anemoi-inference run configuration. */
  runConfig: string;
  download: string;
  /** The check of the downloaded file; undefined when the registry has no digest. */
  checksum: string | undefined;
}

/** The file name FIAB and people save the checkpoint under: the last part of its URL's path. */
export function checkpointFileName(url: string): string {
  const last = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
  return /^[A-Za-z0-9._-]+$/.test(last) && last !== "" ? last : "checkpoint.ckpt";
}

/** The store id the steps give this registry in FIAB's configuration. */
export const fiabStoreId = "registry";

/**
 * FIAB reads artifact stores from product.artifact_stores in $FIAB_ROOT/config.toml (default ~/.fiab), each a
 * URL and a method ("file": fetched as is); setting the table replaces FIAB's default, so the steps keep it.
 */
function fiabSteps(id: string, entry: Entry, siteUrl: URL, timestep: string | undefined): FiabSteps {
  const store = new URL("fiab/core-2/artifacts.json", siteUrl).href;
  const configToml = [
    "[product.artifact_stores.ecmwf]",
    'url = "https://raw.githubusercontent.com/ecmwf/forecast-in-a-box/refs/tags/${TAG}/install/artifacts.json"',
    'method = "gittag"',
    "",
    `[product.artifact_stores.${fiabStoreId}]`,
    `url = "${store}"`,
    'method = "file"',
  ].join("\n");
  const artifact = `${fiabStoreId}:${id}`;
  const size = entry.source.sizeBytes;
  return {
    configToml,
    artifact,
    steps: [
      "Add this registry as an artifact store in FIAB's config.toml ($FIAB_ROOT/config.toml, by default ~/.fiab/config.toml), beside FIAB's own store (for fiab-core 1, use /fiab/core-1/artifacts.json):",
      "Restart FIAB: it reads its stores when it starts, and lists only the models that fit the machine (operating system and GPU memory).",
      `In a new forecast, choose the model "${entry.display.name}" (artifact ${artifact}) and download it${size !== undefined ? ` (${humanBytes(size)})` : ""}; FIAB installs its Python packages for each job.`,
      timestep
        ? `Choose a lead time in hours that is longer than the time step (${timestep}) and a multiple of it, e.g. ${leadTimeExample(timestep)}.`
        : "Choose a lead time in hours.",
    ],
  };
}

function leadTimeExample(timestep: string): string {
  const hours = (timestepSeconds(timestep) ?? 21_600) / 3_600;
  const lead = Math.max(240, Math.ceil(240 / hours) * hours);
  return `${Number.isInteger(lead) ? lead : lead.toFixed(2)} hours`;
}

export function usageOf(entry: Entry, fiabViews: readonly string[], id = "", siteUrl: URL = new URL("http://localhost:4321/")): Usage {
  const fileName = checkpointFileName(entry.source.url);
  const constraints = entry.requirements?.pipConstraints;
  const sha = entry.source.sha256;
  return {
    fileName,
    fiabViews: [...fiabViews],
    fiab:
      fiabViews.length > 0
        ? fiabSteps(id, entry, siteUrl, entry.model?.timestep === undefined ? undefined : (canonicalTimestep(entry.model.timestep) ?? entry.model.timestep))
        : undefined,
    pipInstall: constraints && constraints.length > 0 ? pipInstallLine(constraints) : undefined,
    runConfig: [
      `checkpoint: ${fileName}`,
      "date: 2025-01-01T00:00:00   # an analysis time the input source has",
      "lead_time: 240",
      "input: mars",
      "output:",
      "  grib: forecast.grib",
    ].join("\n"),
    download: `curl -fL -o ${shellQuote(fileName)} ${shellQuote(entry.source.url)}`,
    checksum: sha ? `echo ${shellQuote(`${sha}  ${fileName}`)} | sha256sum --check` : undefined,
  };
}
