// What a worker found when it downloaded and hashed a checkpoint, folded into the entry's source. The first
// digest of an entry that has none is recorded; one that agrees changes nothing; one that disagrees with the
// recorded size or digest (the URL now serves other bytes, or a host lies) overwrites nothing: it flags the
// entry with an `integrity` tag, which FIAB and the catalog show, and the first digest and its evidence stay.

type Raw = Record<string, unknown>;

export interface ObservedFile {
  sha256: string;
  sizeBytes: number;
  /** When it was hashed (ISO 8601). */
  date: string;
}

export type FileObservation =
  | { change: "recorded"; doc: Raw }
  | { change: "agrees" }
  | { change: "disputed"; doc: Raw; message: string }
  /** Disputed before: the first flag stays, so that repeated downloads do not make a revision each. */
  | { change: "already-disputed"; message: string };

/** The tag that flags an entry whose file a worker found to differ from the recorded one. */
export const integrityTag = "integrity";

export function observeFile(raw: Raw, observed: ObservedFile): FileObservation {
  const source = (raw.source ?? {}) as Raw;
  const sha256 = typeof source.sha256 === "string" ? source.sha256 : undefined;
  const sizeBytes = typeof source.sizeBytes === "number" ? source.sizeBytes : undefined;
  const shaAgrees = sha256 === undefined || sha256 === observed.sha256;
  const sizeAgrees = sizeBytes === undefined || sizeBytes === observed.sizeBytes;
  if (shaAgrees && sizeAgrees) {
    if (sha256 !== undefined && sizeBytes !== undefined) return { change: "agrees" };
    const doc = { ...raw, source: { ...source, sizeBytes: sizeBytes ?? observed.sizeBytes, sha256: sha256 ?? observed.sha256 } };
    return { change: "recorded", doc };
  }
  const differ = [!sizeAgrees ? "size" : "", !shaAgrees ? "sha256" : ""].filter(Boolean).join(" and ");
  const recorded = [sizeBytes !== undefined ? `${sizeBytes} bytes` : "", sha256 ? `sha256 ${sha256}` : ""].filter(Boolean).join(" with ");
  const message = `${differ} differ: a worker downloaded ${observed.sizeBytes} bytes with sha256 ${observed.sha256} from source.url on ${observed.date}; the entry records ${recorded}`;
  const tags = (raw.tags ?? {}) as Raw;
  if (Object.hasOwn(tags, integrityTag)) return { change: "already-disputed", message };
  return { change: "disputed", doc: { ...raw, tags: { ...tags, [integrityTag]: message } }, message };
}
