// The data.pkl of the real AIFS test checkpoint (tests/fixtures/anemoi/registry-dummy-checkpoint.ckpt),
// read with a minimal zip parse of its own so that these tests depend on no other module of the
// registry. Used by the pickle tests and by bench/pickle-scan.ts.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crc32, inflateRawSync } from "node:zlib";

export const AIFS_CHECKPOINT = fileURLToPath(new URL("../fixtures/anemoi/registry-dummy-checkpoint.ckpt", import.meta.url));

/** The bytes of the first zip member whose name ends with `suffix` (stored or deflated; no ZIP64). */
export function zipMember(zip: Uint8Array, suffix: string): { name: string; bytes: Uint8Array } {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error("no end of central directory record");
  const entries = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const text = new TextDecoder();
  for (let i = 0; i < entries; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`no central directory entry at ${at}`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = text.decode(zip.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (!name.endsWith(suffix)) continue;
    if (compressedSize === 0xffffffff || local === 0xffffffff) throw new Error("ZIP64 members are not supported here");
    const data = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = zip.subarray(data, data + compressedSize);
    const bytes = method === 0 ? raw : method === 8 ? new Uint8Array(inflateRawSync(raw)) : undefined;
    if (bytes === undefined) throw new Error(`${name}: compression method ${method}`);
    if (bytes.length !== size || crc32(bytes) !== crc) throw new Error(`${name}: size or CRC mismatch`);
    return { name, bytes };
  }
  throw new Error(`no member ending with ${suffix}`);
}

export function aifsDataPickle(): Uint8Array {
  return zipMember(readFileSync(AIFS_CHECKPOINT), "/data.pkl").bytes;
}
