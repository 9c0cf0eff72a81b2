// Supporting arrays: raw little-endian C-order bytes at the paths `supporting_arrays_paths` lists. They are
// read only when the metadata alone does not tell: the latitude/longitude bounds of a limited-area model.
import { arr, at, int, obj, str, type Json } from "./json-access.ts";

export interface ArrayRef {
  /** Path below the archive's root folder. */
  path: string;
  dtype: string;
  length: number;
}

export interface LimitedArea {
  dataset: string | undefined;
  region: string;
  latitudes: ArrayRef;
  longitudes: ArrayRef;
  mask?: ArrayRef;
}

const itemSize: Record<string, number> = { float64: 8, float32: 4, bool: 1, int64: 8, int32: 4 };

function ref(value: Json): ArrayRef | undefined {
  const info = obj(value);
  const path = str(info?.path);
  const dtype = str(info?.dtype);
  const shape = arr(info?.shape);
  const length = shape?.length === 1 ? int(shape[0]) : undefined;
  if (!path || !dtype || length === undefined || !(dtype in itemSize)) return undefined;
  // Paths start with the root folder the file had when the metadata was written; the file may since have
  // been re-saved under another root, so keep only the part below it.
  return { path: path.split("/").slice(1).join("/"), dtype, length };
}

export function arrayBytes(a: ArrayRef): number {
  return a.length * itemSize[a.dtype]!;
}

/** Limited-area regions: a `lam_<i>/cutout_mask` selects the points of `source<i>` that the model uses. */
export function limitedAreas(meta: Json, datasets: readonly string[], multi: boolean): LimitedArea[] {
  const out: LimitedArea[] = [];
  for (const dataset of multi ? datasets : [undefined]) {
    const paths = obj(dataset ? at(meta, "supporting_arrays_paths", dataset) : at(meta, "supporting_arrays_paths")) ?? {};
    for (const key of Object.keys(paths)) {
      const m = /^lam_(\d+)\/cutout_mask$/.exec(key);
      if (!m) continue;
      const latitudes = ref(paths[`source${m[1]}/latitudes`]);
      const longitudes = ref(paths[`source${m[1]}/longitudes`]);
      const mask = ref(paths[key]);
      if (latitudes && longitudes) out.push({ dataset, region: `lam_${m[1]}`, latitudes, longitudes, ...(mask ? { mask } : {}) });
    }
  }
  return out;
}

export function decodeFloats(bytes: Uint8Array, a: ArrayRef): Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a.dtype === "float32" ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
  return out;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** "north/west/south/east" of the selected points, longitudes in [-180, 180). */
export function boundsOf(latitudes: Float64Array, longitudes: Float64Array, mask?: Uint8Array): string | undefined {
  let north = -Infinity,
    south = Infinity,
    west = Infinity,
    east = -Infinity;
  for (let i = 0; i < latitudes.length; i++) {
    if (mask && !mask[i]) continue;
    const lat = latitudes[i]!;
    const lon = ((((longitudes[i]! + 180) % 360) + 360) % 360) - 180;
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    north = Math.max(north, lat);
    south = Math.min(south, lat);
    west = Math.min(west, lon);
    east = Math.max(east, lon);
  }
  if (north === -Infinity) return undefined;
  return [north, west, south, east].map(round).join("/");
}
