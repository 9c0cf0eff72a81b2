// Reading one member's bytes: stored or deflated, bounded by a cap, checked against the central
// directory's sizes and CRC. Torch pads local headers with an extra field to align data to 64 bytes, so
// the data starts after the LOCAL extra field, whose length may differ from the central one.
import { crc32, inflateRawSync } from "node:zlib";
import type { ByteSource } from "../source/byte-source.ts";
import type { ZipEntry } from "./central-directory.ts";
import { ZipFormatError } from "./zip-error.ts";
import { errorCode, errorMessage } from "../../src/errors.ts";

const LOCAL_HEADER = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;
/**
 * Reading this much beyond the name avoids a second read in the usual case: torch pads each local header with
 * an extra field of 4-67 bytes that aligns the data to 64, plus a 20-28 byte ZIP64 field for large members;
 * Python's zipfile (anemoi's metadata writer) writes at most the ZIP64 field.
 */
const EXPECTED_LOCAL_EXTRA = 128;

/** The range to prefetch so that readMember needs no further request in the usual case. */
export function memberRange(entry: ZipEntry, sourceSize: number): { offset: number; length: number } {
  const length = LOCAL_HEADER_SIZE + Buffer.byteLength(entry.name) + EXPECTED_LOCAL_EXTRA + entry.compressedSize;
  return { offset: entry.localHeaderOffset, length: Math.min(length, sourceSize - entry.localHeaderOffset) };
}

async function dataOffset(source: ByteSource, entry: ZipEntry): Promise<number> {
  const name = Buffer.from(entry.name);
  const bytes = await source.read(entry.localHeaderOffset, Math.min(LOCAL_HEADER_SIZE + name.length, source.size - entry.localHeaderOffset));
  const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < LOCAL_HEADER_SIZE || header.getUint32(0, true) !== LOCAL_HEADER)
    throw new ZipFormatError(source.name, `bad local header signature for ${entry.name}`, entry.localHeaderOffset);
  // The local name must be the directory's: readers that trust local headers would see another member.
  if (header.getUint16(26, true) !== name.length || !name.equals(bytes.subarray(LOCAL_HEADER_SIZE))) {
    throw new ZipFormatError(source.name, `the local header of ${entry.name} names another member: refused`, entry.localHeaderOffset);
  }
  const offset = entry.localHeaderOffset + LOCAL_HEADER_SIZE + header.getUint16(26, true) + header.getUint16(28, true);
  if (offset + entry.compressedSize > source.size) {
    throw new ZipFormatError(
      source.name,
      `data of ${entry.name} (${entry.compressedSize} bytes at ${offset}) runs past the end of the file (${source.size} bytes)`,
      entry.localHeaderOffset,
    );
  }
  return offset;
}

export async function readMember(source: ByteSource, entry: ZipEntry, maxBytes: number): Promise<Uint8Array> {
  if (entry.flags & 0x1) throw new ZipFormatError(source.name, `${entry.name} is encrypted`, entry.localHeaderOffset);
  if (entry.uncompressedSize > maxBytes) {
    throw new ZipFormatError(source.name, `${entry.name} declares ${entry.uncompressedSize} bytes, over the cap of ${maxBytes}`, entry.localHeaderOffset);
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipFormatError(
      source.name,
      `${entry.name} uses compression method ${entry.method}; only stored (0) and deflate (8) are read`,
      entry.localHeaderOffset,
    );
  }
  const offset = await dataOffset(source, entry);
  const raw = await source.read(offset, entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) {
      throw new ZipFormatError(
        source.name,
        `stored entry ${entry.name} has compressed size ${entry.compressedSize} but uncompressed size ${entry.uncompressedSize}`,
        entry.localHeaderOffset,
      );
    }
    data = raw;
  } else {
    try {
      // One byte more than declared: output that reaches it is a lie about the size (or a bomb).
      data = inflateRawSync(raw, { maxOutputLength: entry.uncompressedSize + 1 });
    } catch (error) {
      const code = errorCode(error);
      const reason =
        code === "ERR_BUFFER_TOO_LARGE" ? `inflates beyond its declared ${entry.uncompressedSize} bytes` : `is not valid deflate data (${errorMessage(error)})`;
      throw new ZipFormatError(source.name, `${entry.name} ${reason}`, offset);
    }
    if (data.length !== entry.uncompressedSize) {
      throw new ZipFormatError(source.name, `${entry.name} inflates to ${data.length} bytes, not the declared ${entry.uncompressedSize}`, offset);
    }
  }
  const actual = crc32(data) >>> 0;
  if (actual !== entry.crc32) {
    throw new ZipFormatError(source.name, `${entry.name} fails its CRC check (expected ${entry.crc32.toString(16)}, got ${actual.toString(16)})`, offset);
  }
  return data;
}
