// Reading a zip's table of contents from its end: the end-of-central-directory record (EOCD), the ZIP64
// records torch writes for large files, and the central directory. Sizes and offsets are taken from the
// central directory, never from local headers (torch writes those with a data descriptor and zero sizes).
//
// The archive must also be unambiguous, since what is scanned here and what torch loads must be the same
// bytes: torch looks member names up case-insensitively, takes the last EOCD signature it finds, and
// unpickles a file that does not start with a local header as the legacy format. So a second EOCD
// signature, names equal but for case, overlapping members, bytes before the first local header, and
// bytes in the directory after its last entry are all refused, each with the rule and the offset.
import type { ByteSource } from "../source/byte-source.ts";
import { ZipFormatError } from "./zip-error.ts";

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** Offset where the central directory starts: member data must end before it. */
  centralDirectoryOffset: number;
}

export interface DirectoryLimits {
  maxEntries: number;
  maxCentralDirectoryBytes: number;
}

export const defaultDirectoryLimits: DirectoryLimits = { maxEntries: 1_000_000, maxCentralDirectoryBytes: 256 * 1024 * 1024 };

const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(dv: DataView, at: number, source: string, fileOffset: number): number {
  const value = dv.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(source, `64-bit value ${value} is too large`, fileOffset + at);
  return Number(value);
}

/**
 * The EOCD as torch finds it: the last signature in the window, which must end the file exactly (its
 * comment length reaching the end); -1 when the window holds none. Any other signature in the window is a
 * second archive (hidden in a comment or after the data) and is refused, so that this reader and torch
 * cannot pick different records.
 */
function findEocd(tail: Uint8Array, tailOffset: number, source: string): number {
  const signatures = eocdSignatures(tail);
  const at = signatures.at(-1);
  if (at === undefined) return -1;
  if (at + EOCD_SIZE > tail.length || at + EOCD_SIZE + view(tail).getUint16(at + 20, true) !== tail.length) {
    throw new ZipFormatError(
      source,
      "the last end-of-central-directory signature does not end the file (its comment length does not reach the end): refused",
      tailOffset + at,
    );
  }
  if (signatures.length > 1) {
    throw new ZipFormatError(
      source,
      `more than one end-of-central-directory signature (also at ${tailOffset + signatures[0]!}): another archive may hide in the comment or the data; refused`,
      tailOffset + at,
    );
  }
  return at;
}

/** The end-of-central-directory search window, the size of a remote source's first read: torch writes no archive comment. */
export const FIRST_WINDOW = 4096;

const EOCD_BYTES = [0x50, 0x4b, 0x05, 0x06];

/** Offsets of every EOCD signature in `bytes`. */
function eocdSignatures(bytes: Uint8Array): number[] {
  const found: number[] = [];
  for (let i = bytes.indexOf(EOCD_BYTES[0]!); i >= 0 && i + 4 <= bytes.length; i = bytes.indexOf(EOCD_BYTES[0]!, i + 1)) {
    if (bytes[i + 1] === EOCD_BYTES[1] && bytes[i + 2] === EOCD_BYTES[2] && bytes[i + 3] === EOCD_BYTES[3]) found.push(i);
  }
  return found;
}

interface DirectoryLocation {
  count: number;
  size: number;
  offset: number;
  /** Where the records that follow the central directory begin. */
  end: number;
  /** The bytes read to find the end record: they may hold the directory's last entries. */
  window: { offset: number; bytes: Uint8Array };
}

async function locateDirectory(source: ByteSource): Promise<DirectoryLocation> {
  if (source.size < EOCD_SIZE) throw new ZipFormatError(source.name, `not a zip file: ${source.size} bytes is shorter than an end-of-central-directory record`);
  // A small window first; the whole 64 KiB a comment may take only when the record is not in it.
  let tailLength = Math.min(source.size, FIRST_WINDOW);
  let tailOffset = source.size - tailLength;
  let tail = await source.read(tailOffset, tailLength);
  let at = findEocd(tail, tailOffset, source.name);
  if (at < 0 && tailLength < source.size) {
    tailLength = Math.min(source.size, EOCD_SIZE + MAX_COMMENT + 20);
    tailOffset = source.size - tailLength;
    tail = await source.read(tailOffset, tailLength);
    at = findEocd(tail, tailOffset, source.name);
  }
  if (at < 0) {
    // torch.save wrote a bare pickle stream before torch 1.6 (and with _use_new_zipfile_serialization=False).
    const first = await source.read(0, Math.min(2, source.size));
    const legacy =
      first[0] === 0x80 && first[1]! >= 2
        ? " (it starts as a pickle: the legacy torch format, which is refused; re-save it with torch.save's default zip format)"
        : "";
    throw new ZipFormatError(source.name, `not a zip file: no end-of-central-directory record in the last 64 KiB${legacy}`, tailOffset);
  }
  const dv = view(tail);
  if (dv.getUint16(at + 4, true) !== 0 || dv.getUint16(at + 6, true) !== 0) {
    throw new ZipFormatError(source.name, "multi-disk zip archives are not supported", tailOffset + at);
  }
  let location: DirectoryLocation = {
    count: dv.getUint16(at + 10, true),
    size: dv.getUint32(at + 12, true),
    offset: dv.getUint32(at + 16, true),
    end: tailOffset + at,
    window: { offset: tailOffset, bytes: tail },
  };
  const hasLocator = at >= 20 && dv.getUint32(at - 20, true) === ZIP64_LOCATOR;
  if (hasLocator) {
    const recordOffset = u64(dv, at - 20 + 8, source.name, tailOffset);
    if (recordOffset + 56 > tailOffset + at - 20)
      throw new ZipFormatError(source.name, "ZIP64 end-of-central-directory record points past its locator", tailOffset + at - 20);
    const record = view(await source.read(recordOffset, 56));
    if (record.getUint32(0, true) !== ZIP64_EOCD) throw new ZipFormatError(source.name, "bad ZIP64 end-of-central-directory signature", recordOffset);
    location = {
      count: u64(record, 32, source.name, recordOffset),
      size: u64(record, 40, source.name, recordOffset),
      offset: u64(record, 48, source.name, recordOffset),
      end: recordOffset,
      window: location.window,
    };
  } else if (location.count === 0xffff || location.size === 0xffffffff || location.offset === 0xffffffff) {
    throw new ZipFormatError(source.name, "the end-of-central-directory record asks for ZIP64 records, but there is no ZIP64 locator", tailOffset + at);
  }
  if (location.offset + location.size > location.end) {
    throw new ZipFormatError(
      source.name,
      `central directory (${location.size} bytes at ${location.offset}) runs past the records that end it (at ${location.end})`,
      location.offset,
    );
  }
  return location;
}

function zip64Extra(extra: DataView, extraOffset: number, entry: ZipEntry, source: string): void {
  let at = 0;
  while (at + 4 <= extra.byteLength) {
    const id = extra.getUint16(at, true);
    const size = extra.getUint16(at + 2, true);
    if (at + 4 + size > extra.byteLength) throw new ZipFormatError(source, `extra field of ${entry.name} overruns its length`, extraOffset + at);
    if (id === 0x0001) {
      let field = at + 4;
      const next = (): number => {
        if (field + 8 > at + 4 + size) throw new ZipFormatError(source, `ZIP64 extra field of ${entry.name} is too short`, extraOffset + field);
        const v = u64(extra, field, source, extraOffset);
        field += 8;
        return v;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
    }
    at += 4 + size;
  }
}

/** The central directory entry at `at` of `bytes` (which start at file offset `base`), and where the next begins. */
function parseEntry(
  bytes: Uint8Array,
  dv: DataView,
  at: number,
  base: number,
  directoryStart: number,
  source: string,
  decoder: TextDecoder,
): { entry: ZipEntry; next: number } {
  const fileOffset = base + at;
  if (at + 46 > bytes.length) throw new ZipFormatError(source, "central directory entry overruns the central directory", fileOffset);
  if (dv.getUint32(at, true) !== CENTRAL_HEADER) throw new ZipFormatError(source, "bad central directory entry signature", fileOffset);
  const nameLength = dv.getUint16(at + 28, true);
  const extraLength = dv.getUint16(at + 30, true);
  const commentLength = dv.getUint16(at + 32, true);
  const next = at + 46 + nameLength + extraLength + commentLength;
  if (next > bytes.length) throw new ZipFormatError(source, "central directory entry overruns the central directory", fileOffset);
  const entry: ZipEntry = {
    name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
    flags: dv.getUint16(at + 8, true),
    method: dv.getUint16(at + 10, true),
    crc32: dv.getUint32(at + 16, true),
    compressedSize: dv.getUint32(at + 20, true),
    uncompressedSize: dv.getUint32(at + 24, true),
    localHeaderOffset: dv.getUint32(at + 42, true),
  };
  zip64Extra(new DataView(bytes.buffer, bytes.byteOffset + at + 46 + nameLength, extraLength), fileOffset + 46 + nameLength, entry, source);
  if (entry.localHeaderOffset + 30 + entry.compressedSize > directoryStart) {
    throw new ZipFormatError(
      source,
      `entry ${entry.name} (${entry.compressedSize} bytes at ${entry.localHeaderOffset}) runs past the start of the central directory`,
      fileOffset,
    );
  }
  return { entry, next };
}

/**
 * The directory's last entries, as far as `window` holds them: from the first entry signature in it from which
 * entries follow one another up to the directory's end. Only a hint of what to fetch with the rest of the
 * directory (anemoi appends its metadata last, so its entries come last); everything is read and checked again
 * from the whole directory.
 */
function lastEntries(location: DirectoryLocation, source: string): ZipEntry[] {
  const directoryEnd = location.offset + location.size;
  const from = Math.max(location.offset, location.window.offset);
  const bytes = location.window.bytes.subarray(from - location.window.offset, directoryEnd - location.window.offset);
  const dv = view(bytes);
  const decoder = new TextDecoder("utf-8", { fatal: false });
  for (let start = bytes.indexOf(0x50); start >= 0 && start + 46 <= bytes.length; start = bytes.indexOf(0x50, start + 1)) {
    if (dv.getUint32(start, true) !== CENTRAL_HEADER) continue;
    try {
      const entries: ZipEntry[] = [];
      let at = start;
      while (at < bytes.length) {
        const { entry, next } = parseEntry(bytes, dv, at, from, location.offset, source, decoder);
        entries.push(entry);
        at = next;
      }
      return entries;
    } catch {
      // not the start of an entry (a name or extra field holding the signature): try the next one
    }
  }
  return [];
}

/** A member hinted by the directory's last entries is fetched early only up to this size (metadata is far smaller). */
const maxHintedBytes = 64 * 1024 * 1024;

export interface DirectoryReading {
  limits?: DirectoryLimits;
  /**
   * Ranges a remote source should fetch together with the part of the directory its first read did not hold,
   * given the directory's last entries as far as that read holds them: the members about to be read.
   */
  alongside?: (lastEntries: readonly ZipEntry[]) => ReadonlyArray<{ offset: number; length: number }>;
}

export async function readCentralDirectory(source: ByteSource, reading: DirectoryReading = {}): Promise<ZipDirectory> {
  const limits = reading.limits ?? defaultDirectoryLimits;
  const location = await locateDirectory(source);
  if (location.count > limits.maxEntries) throw new ZipFormatError(source.name, `${location.count} entries, over the cap of ${limits.maxEntries}`);
  if (location.size > limits.maxCentralDirectoryBytes) {
    throw new ZipFormatError(source.name, `central directory of ${location.size} bytes, over the cap of ${limits.maxCentralDirectoryBytes}`, location.offset);
  }
  if (source.isCached && !source.isCached(location.offset, location.size)) {
    // One request for the rest of the directory and, where they lie beside it, the members wanted next.
    // The hint comes from entries not yet checked: only ranges before the directory, of a bounded size.
    const directory = { offset: location.offset, length: location.size };
    const hinted = (reading.alongside?.(lastEntries(location, source.name)) ?? []).filter(
      (r) => r.offset + r.length <= location.offset && r.length <= maxHintedBytes,
    );
    await source.prefetch?.([directory, ...hinted]);
  }
  const bytes = await source.read(location.offset, location.size);
  const dv = view(bytes);
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const entries: ZipEntry[] = [];
  let at = 0;
  while (entries.length < location.count) {
    if (at + 46 > bytes.length)
      throw new ZipFormatError(source.name, `central directory ends after ${entries.length} of ${location.count} entries`, location.offset + at);
    const { entry, next } = parseEntry(bytes, dv, at, location.offset, location.offset, source.name, decoder);
    entries.push(entry);
    at = next;
  }
  if (at !== bytes.length)
    throw new ZipFormatError(source.name, `the central directory holds ${bytes.length - at} bytes after its last entry: refused`, location.offset + at);
  const hidden = eocdSignatures(bytes)[0];
  if (hidden !== undefined)
    throw new ZipFormatError(source.name, "an end-of-central-directory signature inside the central directory: refused", location.offset + hidden);
  checkUnambiguous(entries, source.name);
  return { entries, centralDirectoryOffset: location.offset };
}

/** Members named alike but for case, overlapping members, and bytes before the first member are refused. */
function checkUnambiguous(entries: readonly ZipEntry[], source: string): void {
  const byLowerName = new Map<string, ZipEntry>();
  for (const entry of entries) {
    const lower = entry.name.toLowerCase();
    const other = byLowerName.get(lower);
    if (other) {
      throw new ZipFormatError(
        source,
        `members ${JSON.stringify(other.name)} and ${JSON.stringify(entry.name)} have the same name but for case (torch looks names up case-insensitively): refused`,
        entry.localHeaderOffset,
      );
    }
    byLowerName.set(lower, entry);
  }
  const ordered = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  const first = ordered[0];
  if (first && first.localHeaderOffset !== 0) {
    throw new ZipFormatError(
      source,
      `${first.localHeaderOffset} bytes before the first member (a legacy torch file or another archive may hide there): refused`,
      0,
    );
  }
  for (let i = 1; i < ordered.length; i++) {
    const before = ordered[i - 1]!;
    const entry = ordered[i]!;
    if (entry.localHeaderOffset < before.localHeaderOffset + 30 + Buffer.byteLength(before.name) + before.compressedSize) {
      throw new ZipFormatError(source, `member ${JSON.stringify(entry.name)} overlaps ${JSON.stringify(before.name)}: refused`, entry.localHeaderOffset);
    }
  }
}
