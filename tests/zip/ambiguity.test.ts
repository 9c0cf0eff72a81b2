// An archive must read the same to this scanner and to torch: what torch would load differently (names
// alike but for case, a second end-of-central-directory record, bytes before the first member, overlapping
// members, a local header naming another member, bytes hidden in the directory) is refused with the rule
// and the byte offset. The archives are made by Python's zipfile, then tampered with byte by byte.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { FileSource } from "../../tooling/source/file-source.ts";
import { MemorySource } from "../../tooling/source/memory-source.ts";
import { readCentralDirectory } from "../../tooling/zip/central-directory.ts";
import { openCheckpointArchive } from "../../tooling/zip/checkpoint-archive.ts";
import { readMember } from "../../tooling/zip/member.ts";
import { ZipFormatError } from "../../tooling/zip/zip-error.ts";
import { tempDir } from "../support/helpers.ts";

/** A zip of `members` ({name: text}), made by Python's zipfile (stored), after `prefix` bytes. */
async function makeZip(members: Record<string, string>, options: { prefix?: string; comment?: string } = {}): Promise<string> {
  const path = join(await tempDir(), "archive.zip");
  const script = `
import json, sys, zipfile
path, members, prefix, comment = sys.argv[1], json.loads(sys.argv[2]), bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
with open(path, "wb") as f:
    f.write(prefix)
with zipfile.ZipFile(path, "a") as z:
    for name, text in members.items():
        z.writestr(name, text)
    z.comment = comment
`;
  const hex = (text: string | undefined) => Buffer.from(text ?? "", "latin1").toString("hex");
  await execa("python3", ["-c", script, path, JSON.stringify(members), hex(options.prefix), hex(options.comment)]);
  return path;
}

async function refusal(path: string): Promise<ZipFormatError> {
  const source = await FileSource.open(path);
  try {
    const archive = await openCheckpointArchive(source);
    for (const entry of archive.entries) await readMember(source, entry, 1e6);
  } catch (error) {
    if (error instanceof ZipFormatError) return error;
    throw error;
  } finally {
    await source.close();
  }
  throw new Error(`${path} was accepted`);
}

const torchLike = { "archive/data.pkl": "\x80\x02}q\x00.", "archive/version": "3\n", "archive/byteorder": "little" };

describe("archive ambiguity", () => {
  it("accepts a plain archive", async () => {
    const source = await FileSource.open(await makeZip(torchLike));
    expect((await openCheckpointArchive(source)).entries.map((e) => e.name)).toEqual(Object.keys(torchLike));
    await source.close();
  });

  it("refuses member names equal but for case", async () => {
    const error = await refusal(await makeZip({ ...torchLike, "archive/Data.pkl": "\x80\x02]q\x00." }));
    expect(error.message).toMatch(
      /members "archive\/data\.pkl" and "archive\/Data\.pkl" have the same name but for case \(torch looks names up case-insensitively\): refused \(at byte offset \d+\)$/,
    );
  });

  it("refuses a second end-of-central-directory record hidden in the comment", async () => {
    const inner = await readFile(await makeZip({ "archive/data.pkl": "\x80\x02]q\x00." }));
    // The comment is a whole second archive, which ends with its own EOCD.
    const error = await refusal(await makeZip(torchLike, { comment: inner.toString("latin1") }));
    expect(error.message).toMatch(
      /more than one end-of-central-directory signature \(also at \d+\): another archive may hide in the comment or the data; refused \(at byte offset \d+\)$/,
    );
  });

  it("refuses bytes before the first member: a legacy torch pickle with an archive after it", async () => {
    const error = await refusal(await makeZip(torchLike, { prefix: "\x80\x02\x8a\x0alegacy-torch-magic." }));
    expect(error.message).toMatch(/23 bytes before the first member \(a legacy torch file or another archive may hide there\): refused \(at byte offset 0\)$/);
    expect(error.offset).toBe(0);
  });

  it("refuses members that overlap", async () => {
    const bytes = await readFile(await makeZip(torchLike));
    // Point the second directory entry at the first member's local header.
    const directory = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const second = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), directory + 4);
    bytes.writeUInt32LE(0, second + 42);
    const path = join(await tempDir(), "overlap.zip");
    await writeFile(path, bytes);
    expect((await refusal(path)).message).toMatch(/member "archive\/(version|data\.pkl)" overlaps "archive\/(data\.pkl|version)": refused/);
  });

  it("refuses a local header that names another member than the directory", async () => {
    const bytes = await readFile(await makeZip(torchLike));
    bytes.write("archive/DATA.pkl", 30, "latin1"); // the first local header's name, same length
    const path = join(await tempDir(), "renamed.zip");
    await writeFile(path, bytes);
    expect((await refusal(path)).message).toMatch(/the local header of archive\/data\.pkl names another member: refused \(at byte offset 0\)$/);
  });

  it("refuses bytes in the central directory after its last entry", async () => {
    const bytes = await readFile(await makeZip(torchLike));
    const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    // Four junk bytes between the directory and the EOCD, counted in the directory's size.
    const patched = Buffer.concat([bytes.subarray(0, eocd), Buffer.from("junk"), bytes.subarray(eocd)]);
    patched.writeUInt32LE(patched.readUInt32LE(eocd + 4 + 12) + 4, eocd + 4 + 12);
    const error = await readCentralDirectory(new MemorySource("junk.zip", patched)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZipFormatError);
    expect((error as Error).message).toMatch(/the central directory holds 4 bytes after its last entry: refused/);
  });
});
