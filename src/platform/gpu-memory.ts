// An estimate of the GPU memory a model needs, from facts an entry holds, for "fits my machine" where nobody
// published a measurement. The rule, in words (RULE below), is shown with every estimate:
//
//   weights: the checkpoint file's size (anemoi-inference holds the weights as stored)
// + activations: 32 KiB per grid point of every dataset (encoder, processor and decoder in 16-bit precision,
//   with anemoi-inference's chunking of the mapper, ANEMOI_INFERENCE_NUM_CHUNKS)
// + 512 MiB for the CUDA context and kernels,
// rounded up to 256 MiB. The per-point figure was checked against the one published minimum among the
// registry's models, FIAB's store's 2,000 MiB for BRIS Europe (o48 global, 0.5° Europe, a 1.03 GB file): the
// rule gives 2,154 MiB before rounding, 8 % above it. When a dataset's grid points are not known, the figure counts only what is, and is a lower
// bound ("at least").
import { parseArea, longitudeSpan } from "../geo/area.ts";
import { parseGridName } from "../geo/grid-names.ts";

export const gpuMemoryRule =
  "checkpoint file size (weights) + 32 KiB per grid point (activations in 16-bit precision, chunked) + 512 MiB (CUDA context), rounded up to 256 MiB; it gives 2,154 MiB before rounding for BRIS Europe, whose stated minimum is 2,000 MiB";

const perPointKib = 32;
const contextMib = 512;
const mib = 1024 * 1024;

export interface DatasetFacts {
  name: string;
  grid?: string | undefined;
  area?: string | undefined;
  gridPoints?: number | undefined;
}

/** Grid points of a dataset: stated, else from a Gaussian grid's formula, else a lat/lon grid cut to its area. */
export function datasetGridPoints(d: DatasetFacts): number | undefined {
  if (d.gridPoints !== undefined) return d.gridPoints;
  const grid = d.grid === undefined ? undefined : parseGridName(d.grid);
  if (!grid) return undefined;
  if (grid.kind !== "regular-latlon") return grid.points;
  const bounds = d.area === undefined ? undefined : parseArea(d.area);
  if (!bounds) return undefined;
  const rows = Math.floor((bounds.north - bounds.south) / grid.latitudeStep + 1e-9) + 1;
  const columns = Math.floor(longitudeSpan(bounds) / grid.longitudeStep + 1e-9) + 1;
  return rows * columns;
}

export interface GpuMemoryEstimate {
  mib: number;
  atLeast: boolean;
  /** The rule with this entry's figures, e.g. "948 MiB file + 542,080 points × 32 KiB + 512 MiB". */
  rule: string;
}

const group = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** The estimate for a checkpoint of `sizeBytes` reading `datasets`; undefined without the file size. */
export function estimateGpuMemory(sizeBytes: number | undefined, datasets: readonly DatasetFacts[]): GpuMemoryEstimate | undefined {
  if (sizeBytes === undefined) return undefined;
  const counted = datasets.map((d) => ({ name: d.name, points: datasetGridPoints(d) }));
  const known = counted.filter((d): d is { name: string; points: number } => d.points !== undefined);
  const unknown = counted.filter((d) => d.points === undefined).map((d) => d.name);
  const points = known.reduce((n, d) => n + d.points, 0);
  const weightsMib = Math.ceil(sizeBytes / mib);
  const activationsMib = Math.ceil((points * perPointKib) / 1024);
  const total = Math.ceil((weightsMib + activationsMib + contextMib) / 256) * 256;
  const pointText =
    known.length === 0
      ? "no grid points known"
      : `${group(points)} grid points (${known.map((d) => `${d.name} ${group(d.points)}`).join(", ")}) × ${perPointKib} KiB`;
  const missing =
    datasets.length === 0
      ? "; the grids are not known, so this counts the weights only"
      : unknown.length > 0
        ? `; the grid points of ${unknown.join(", ")} are not known, so this is a lower bound`
        : "";
  return {
    mib: total,
    atLeast: datasets.length === 0 || unknown.length > 0,
    rule: `${group(weightsMib)} MiB file + ${pointText} + ${contextMib} MiB, rounded up to 256 MiB${missing}. Rule: ${gpuMemoryRule}.`,
  };
}
