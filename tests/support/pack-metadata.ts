// Packs a real anemoi metadata fixture into a torch-like checkpoint, as anemoi-utils does: the metadata at
// <root>/anemoi-metadata/anemoi.json and each supporting array at the path the metadata lists, filled with
// synthetic values of the declared shape (the fixtures keep only the metadata).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixture } from "./paths.ts";
import { torchMembers, writeTorchZip, type Member, type ZipOptions } from "./torch-zip.ts";

export interface ArrayInfo {
  path: string;
  shape: number[];
  dtype: string;
}

export function readMetadataFixture(name: string): any {
  return JSON.parse(readFileSync(fixture(`anemoi/${name}.metadata.json`), "utf8"));
}

/** Every {path, shape, dtype} under supporting_arrays_paths, at any nesting (per dataset in 2.0). */
export function supportingArrays(meta: any): Array<{ key: string; info: ArrayInfo }> {
  const out: Array<{ key: string; info: ArrayInfo }> = [];
  const walk = (node: any, prefix: string) => {
    for (const [key, value] of Object.entries(node ?? {})) {
      const v = value as any;
      if (v && typeof v.path === "string" && Array.isArray(v.shape)) out.push({ key: `${prefix}${key}`, info: v });
      else if (v && typeof v === "object") walk(v, `${prefix}${key}/`);
    }
  };
  walk(meta.supporting_arrays_paths, "");
  return out;
}

/** Coordinates of the limited area in rmi-lam: its cutout area is 70/-55/10/70 (N/W/S/E). */
export const lamArea = { north: 70, west: -55, south: 10, east: 70 };

export function syntheticArray(key: string, info: ArrayInfo): Uint8Array {
  const n = info.shape.reduce((a, b) => a * b, 1);
  if (info.dtype === "bool") return new Uint8Array(n).fill(1);
  if (info.dtype === "int64") {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(i);
    return new Uint8Array(out.buffer);
  }
  const values = new Float64Array(n);
  const t = (i: number) => (n > 1 ? i / (n - 1) : 0);
  const lam = /^source0\//.test(key);
  for (let i = 0; i < n; i++) {
    if (key.endsWith("latitudes")) values[i] = lam ? lamArea.south + (lamArea.north - lamArea.south) * t(i) : -90 + 180 * t(i);
    // Longitudes as anemoi stores them, in [0, 360): the western part of the area wraps past 0.
    else values[i] = lam ? (lamArea.west + (lamArea.east - lamArea.west) * t(n - 1 - i) + 360) % 360 : 360 * t(i) * 0.999;
  }
  return new Uint8Array(values.buffer);
}

/** Writes `<dir>/<name>.ckpt` and returns its path. */
export async function packMetadataFixture(
  name: string,
  dir: string,
  options: ZipOptions & {
    extra?: Member[];
    pickle?: Uint8Array;
    metadataPath?: string;
    metadataMethod?: "stored" | "deflate";
    edit?: (meta: any) => void;
    fileName?: string;
  } = {},
): Promise<string> {
  const meta = readMetadataFixture(name);
  options.edit?.(meta);
  const arrays: Member[] = supportingArrays(meta).map(({ key, info }) => ({ path: info.path.split("/").slice(1).join("/"), data: syntheticArray(key, info) }));
  const metadata: Member = {
    path: options.metadataPath ?? "anemoi-metadata/anemoi.json",
    data: Buffer.from(JSON.stringify(meta)),
    method: options.metadataMethod ?? "stored",
  };
  const path = join(dir, options.fileName ?? `${name}.ckpt`);
  await writeTorchZip(path, [...torchMembers(options.pickle), ...(options.extra ?? []), metadata, ...arrays], { zip64: true, root: "archive", ...options });
  return path;
}
