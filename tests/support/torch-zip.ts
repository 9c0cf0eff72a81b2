// Writes checkpoints the way torch.save does (stored members, data aligned to 64 bytes by an 'FB' padding
// extra field, local headers with the data-descriptor flag and zero sizes, ZIP64 records), or deflated as
// metadata editors rewrite them. Members may be sparse: their data is left as a hole, so a checkpoint of
// several GiB costs no disk and no time.
import { open } from "node:fs/promises";
import { crc32, deflateRawSync } from "node:zlib";

export interface Member {
  /** Path below the root folder; a leading "/" names the member in full, outside the root. */
  path: string;
  data?: Uint8Array;
  /** For sparse members: the length of the hole. */
  sparseSize?: number;
  method?: "stored" | "deflate";
}

export interface ZipOptions {
  root?: string;
  /** Write ZIP64 records even when not needed (torch always does). */
  zip64?: boolean;
  /** Write sizes into local headers instead of a data descriptor. */
  noDataDescriptor?: boolean;
  /** Bytes of archive comment. */
  comment?: string;
}

interface Written {
  name: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

export async function writeTorchZip(path: string, members: readonly Member[], options: ZipOptions = {}): Promise<void> {
  const root = options.root ?? "archive";
  const file = await open(path, "w");
  let at = 0;
  const put = async (bytes: Uint8Array) => {
    await file.write(bytes, 0, bytes.length, at);
    at += bytes.length;
  };
  const written: Written[] = [];
  try {
    for (const m of members) {
      const name = Buffer.from(m.path.startsWith("/") ? m.path.slice(1) : `${root}/${m.path}`);
      const deflate = m.method === "deflate";
      const raw = m.data ?? new Uint8Array(0);
      const payload = deflate ? deflateRawSync(raw) : raw;
      const size = m.data ? raw.length : (m.sparseSize ?? 0);
      const compressedSize = m.data ? payload.length : size;
      const crc = m.data ? crc32(raw) >>> 0 : 0;
      const dd = !options.noDataDescriptor;
      const offset = at;
      // Pad so that the data starts on a multiple of 64, as torch does ('FB' extra field).
      const base = offset + 30 + name.length + 4;
      const pad = (64 - (base % 64)) % 64;
      const extra = Buffer.alloc(4 + pad);
      extra.writeUInt16LE(0x4246, 0);
      extra.writeUInt16LE(pad, 2);
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(45, 4);
      header.writeUInt16LE(dd ? 0x08 : 0, 6);
      header.writeUInt16LE(deflate ? 8 : 0, 8);
      header.writeUInt32LE(dd ? 0 : crc, 14);
      header.writeUInt32LE(dd ? 0 : Math.min(compressedSize, 0xffffffff), 18);
      header.writeUInt32LE(dd ? 0 : Math.min(size, 0xffffffff), 22);
      header.writeUInt16LE(name.length, 26);
      header.writeUInt16LE(extra.length, 28);
      await put(header);
      await put(name);
      await put(extra);
      if (m.data) await put(payload);
      else at += size; // a hole
      if (dd) {
        const descriptor = Buffer.alloc(24);
        descriptor.writeUInt32LE(0x08074b50, 0);
        descriptor.writeUInt32LE(crc, 4);
        descriptor.writeBigUInt64LE(BigInt(compressedSize), 8);
        descriptor.writeBigUInt64LE(BigInt(size), 16);
        await put(descriptor);
      }
      written.push({ name, method: deflate ? 8 : 0, crc, compressedSize, size, offset });
    }
    const cdOffset = at;
    for (const w of written) {
      const big = options.zip64 || w.size >= 0xffffffff || w.compressedSize >= 0xffffffff || w.offset >= 0xffffffff;
      const extra = big ? Buffer.alloc(28) : Buffer.alloc(0);
      if (big) {
        extra.writeUInt16LE(0x0001, 0);
        extra.writeUInt16LE(24, 2);
        extra.writeBigUInt64LE(BigInt(w.size), 4);
        extra.writeBigUInt64LE(BigInt(w.compressedSize), 12);
        extra.writeBigUInt64LE(BigInt(w.offset), 20);
      }
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(45, 4);
      header.writeUInt16LE(45, 6);
      header.writeUInt16LE(options.noDataDescriptor ? 0 : 0x08, 8);
      header.writeUInt16LE(w.method, 10);
      header.writeUInt32LE(w.crc, 16);
      header.writeUInt32LE(big ? 0xffffffff : w.compressedSize, 20);
      header.writeUInt32LE(big ? 0xffffffff : w.size, 24);
      header.writeUInt16LE(w.name.length, 28);
      header.writeUInt16LE(extra.length, 30);
      header.writeUInt32LE(big ? 0xffffffff : w.offset, 42);
      await put(header);
      await put(w.name);
      await put(extra);
    }
    const cdSize = at - cdOffset;
    const zip64 = options.zip64 || cdOffset >= 0xffffffff || written.length >= 0xffff;
    if (zip64) {
      const recordOffset = at;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(45, 12);
      record.writeUInt16LE(45, 14);
      record.writeBigUInt64LE(BigInt(written.length), 24);
      record.writeBigUInt64LE(BigInt(written.length), 32);
      record.writeBigUInt64LE(BigInt(cdSize), 40);
      record.writeBigUInt64LE(BigInt(cdOffset), 48);
      await put(record);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(recordOffset), 8);
      locator.writeUInt32LE(1, 16);
      await put(locator);
    }
    const comment = Buffer.from(options.comment ?? "");
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(zip64 ? 0xffff : written.length, 8);
    eocd.writeUInt16LE(zip64 ? 0xffff : written.length, 10);
    eocd.writeUInt32LE(zip64 ? 0xffffffff : cdSize, 12);
    eocd.writeUInt32LE(zip64 ? 0xffffffff : cdOffset, 16);
    eocd.writeUInt16LE(comment.length, 20);
    await put(eocd);
    await put(comment);
    await file.truncate(at);
  } finally {
    await file.close();
  }
}

/** A minimal valid protocol-2 pickle like torch's: an OrderedDict of nothing. */
export const minimalTorchPickle = Uint8Array.from([0x80, 0x02, ...Buffer.from("ccollections\nOrderedDict\nq\x00)Rq\x01.", "latin1")]);

/** The other members torch writes beside data.pkl. */
export function torchMembers(pickle: Uint8Array = minimalTorchPickle): Member[] {
  return [
    { path: "data.pkl", data: pickle },
    { path: "byteorder", data: Buffer.from("little") },
    { path: "version", data: Buffer.from("3\n") },
    { path: ".data/serialization_id", data: Buffer.from("1234567890123456789012345678901234567890") },
  ];
}
