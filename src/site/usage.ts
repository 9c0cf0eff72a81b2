// How to use a checkpoint, as commands to copy: in Forecast-in-a-Box, with anemoi-inference directly, and
// downloading the file with its digest checked. Everything shown comes from the entry; nothing is guessed.
import type { Entry } from "../contract/index.ts";
import { pipInstallLine, shellQuote } from "./format.ts";

export interface Usage {
  fileName: string;
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

export function usageOf(entry: Entry, fiabViews: readonly string[]): Usage {
  const fileName = checkpointFileName(entry.source.url);
  const constraints = entry.requirements?.pipConstraints;
  const sha = entry.source.sha256;
  return {
    fileName,
    fiabViews: [...fiabViews],
    pipInstall: constraints && constraints.length > 0 ? pipInstallLine(constraints) : undefined,
    runConfig: [`checkpoint: ${fileName}`, "date: 2025-01-01T00:00:00   # an analysis time the input source has", "lead_time: 240", "input: mars", "output:", "  grib: forecast.grib"].join("\n"),
    download: `curl -fL -o ${shellQuote(fileName)} ${shellQuote(entry.source.url)}`,
    checksum: sha ? `echo ${shellQuote(`${sha}  ${fileName}`)} | sha256sum --check` : undefined,
  };
}
