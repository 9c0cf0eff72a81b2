// Extraction from a checkpoint archive: find the metadata, read only what is needed (metadata JSON,
// data.pkl, and supporting arrays of limited-area models), map it, and scan the pickle without running it.
import { JsonTextError, parseJsonText } from "../../src/files/json-text.ts";
import type { ByteSource } from "../source/byte-source.ts";
import { openCheckpointArchive, type CheckpointArchive } from "../zip/checkpoint-archive.ts";
import type { ZipEntry } from "../zip/central-directory.ts";
import { scanPickle, type PickleScan } from "../pickle/scan.ts";
import { at, str } from "./json-access.ts";
import { mapMetadata, withDomain, type MappedMetadata } from "./metadata-map.ts";
import { arrayBytes, boundsOf, decodeFloats, limitedAreas } from "./supporting-arrays.ts";
import { RegistryError } from "../../src/errors.ts";

export interface ExtractLimits {
  maxMetadataBytes: number;
  maxPickleBytes: number;
  maxArrayBytes: number;
}

export const defaultExtractLimits: ExtractLimits = {
  maxMetadataBytes: 64 * 1024 * 1024,
  maxPickleBytes: 512 * 1024 * 1024,
  maxArrayBytes: 256 * 1024 * 1024,
};

export interface Extraction {
  root: string;
  metadataPath: string;
  mapped: MappedMetadata;
  pickle: PickleScan | undefined;
  warnings: string[];
}

export class ExtractionError extends RegistryError {}

const cutoutMask = /\/lam_(\d+)\/cutout_mask(?:\.[a-z]+)?$/;

/** A limited area's cutout mask and the coordinates of its source (lam_<i> cuts source<i>); none for a global model. */
function limitedAreaMembers(entries: readonly ZipEntry[]): ZipEntry[] {
  const areas = new Set(entries.flatMap((e) => cutoutMask.exec(e.name)?.[1] ?? []));
  if (areas.size === 0) return [];
  const wanted = new RegExp(`/(?:lam_(?:${[...areas].join("|")})/cutout_mask|source(?:${[...areas].join("|")})/(?:latitudes|longitudes))(?:\\.[a-z]+)?$`);
  return entries.filter((e) => wanted.test(e.name));
}

const metadataNames = ["anemoi.json", "ai-models.json"];
const pickleName = /^[^/]+\/data\.pkl$/;

/**
 * What extraction reads, by member name, from the whole directory or the part of it seen first: the metadata,
 * data.pkl and a limited area's coordinates (which the metadata will name; found by their names, so that they
 * cost no round of their own).
 */
function membersToRead(entries: readonly ZipEntry[]): ZipEntry[] {
  const metadata = entries.filter((e) => metadataNames.some((name) => e.name === name || e.name.endsWith(`/${name}`)));
  return [...metadata, ...entries.filter((e) => pickleName.test(e.name)), ...limitedAreaMembers(entries)];
}

function findMetadata(archive: CheckpointArchive): ZipEntry {
  for (const name of metadataNames) {
    const found = archive.byBasename(name);
    if (found.length > 1)
      throw new ExtractionError(
        `${archive.source.name}: ${found.length} metadata entries (${found.map((e) => e.name).join(", ")}); a checkpoint has exactly one`,
      );
    if (found.length === 1) return found[0]!;
  }
  throw new ExtractionError(`${archive.source.name}: no anemoi metadata (${metadataNames.join(" or ")}) in the archive; is this an anemoi checkpoint?`);
}

function parseMetadata(bytes: Uint8Array, where: string): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ExtractionError(`${where}: metadata is not UTF-8 text`);
  }
  try {
    return parseJsonText(text);
  } catch (error) {
    if (error instanceof JsonTextError) throw new ExtractionError(`${where}:${error.line}:${error.column}: metadata ${error.message}`);
    throw error;
  }
}

async function limitedAreaBounds(archive: CheckpointArchive, meta: unknown, mapped: MappedMetadata, limits: ExtractLimits, warnings: string[]): Promise<void> {
  const multi = mapped.provenance.anemoiMetadataVersion !== undefined && Number.parseFloat(mapped.provenance.anemoiMetadataVersion) >= 2;
  for (const area of limitedAreas(meta, mapped.datasetNames, multi)) {
    const refs = [area.latitudes, area.longitudes, ...(area.mask ? [area.mask] : [])];
    const entries = refs.map((r) => archive.find(r.path));
    if (entries.some((e) => !e)) {
      warnings.push(`${area.region}: supporting arrays ${refs.map((r) => r.path).join(", ")} not all in the archive; area unknown`);
      continue;
    }
    await archive.prefetch(entries as ZipEntry[]);
    const [lat, lon, mask] = await Promise.all(entries.map((e, i) => archive.read(e!, Math.min(limits.maxArrayBytes, arrayBytes(refs[i]!)))));
    const maskUsable = area.mask && mask && mask.length === area.latitudes.length;
    if (area.mask && !maskUsable) warnings.push(`${area.region}: cutout mask length differs from the coordinates; area from all points`);
    const bounds = boundsOf(decodeFloats(lat!, area.latitudes), decodeFloats(lon!, area.longitudes), maskUsable ? mask : undefined);
    const datasets = mapped.inputs.datasets ?? [];
    const i = datasets.findIndex((d) => d.name === (area.dataset ?? "data"));
    if (bounds && i >= 0 && !datasets[i]!.area) datasets[i] = withDomain({ ...datasets[i]!, area: bounds });
  }
}

/** `allowPackages`: packages whose classes the pickle scan accepts besides the reviewed list's (--allow-package). */
export async function extractCheckpoint(
  source: ByteSource,
  limits: ExtractLimits = defaultExtractLimits,
  allowPackages: readonly string[] = [],
): Promise<Extraction> {
  // Over HTTP: the end records, then the rest of the directory with what its last entries show is wanted
  // (anemoi appends its metadata last), then what is still missing: three requests, each exact.
  const archive = await openCheckpointArchive(source, { wanted: membersToRead });
  const metadataEntry = findMetadata(archive);
  const pickleEntry = archive.find("data.pkl");
  const meta = parseMetadata(await archive.read(metadataEntry, limits.maxMetadataBytes), `${source.name}!${metadataEntry.name}`);
  if (str(at(meta, "version")) === undefined && at(meta, "dataset") === undefined) {
    throw new ExtractionError(`${source.name}!${metadataEntry.name}: not anemoi metadata (no "version" and no "dataset")`);
  }
  const mapped = mapMetadata(meta);
  const warnings = [...mapped.warnings];
  let pickle: PickleScan | undefined;
  if (!pickleEntry) warnings.push(`no ${archive.root}/data.pkl: pickle imports unknown`);
  else pickle = scanPickle(await archive.read(pickleEntry, limits.maxPickleBytes), { allowPackages });
  await limitedAreaBounds(archive, meta, mapped, limits, warnings);
  return { root: archive.root, metadataPath: metadataEntry.name, mapped, pickle, warnings };
}
