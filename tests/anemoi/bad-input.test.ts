// Broken checkpoints: each gets a clear error naming what is wrong (and where), a non-zero exit, and
// nothing written.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../support/helpers.ts";
import { packMetadataFixture } from "../support/pack-metadata.ts";
import { torchMembers, writeTorchZip } from "../support/torch-zip.ts";

let dir: string;
let good: Buffer;
beforeAll(async () => {
  dir = await tempDir();
  good = await readFile(await packMetadataFixture("rmi-lam", dir, { zip64: false }));
});

async function extract(bytes: Uint8Array, name = "bad.ckpt") {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const entries = join(await tempDir(), "entries");
  const result = await runCli(["extract-basic-metadata", path, "--url", "https://example.org/x.ckpt", "--write", "--entries", entries]);
  expect(result.exitCode).not.toBe(0);
  expect(result.stdout).toBe("");
  expect(await readdir(entries).catch(() => [])).toEqual([]);
  expect(result.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
  return result.stderr;
}

async function zipWith(members: Parameters<typeof writeTorchZip>[1], options: Parameters<typeof writeTorchZip>[2] = {}) {
  const path = join(dir, `z${Math.random().toString(36).slice(2)}.ckpt`);
  await writeTorchZip(path, members, options);
  return readFile(path);
}

describe("extract-basic-metadata refuses", () => {
  it("a truncated file", async () => {
    expect(await extract(good.subarray(0, good.length - 100))).toMatch(/not a zip file: no end-of-central-directory record in the last 64 KiB/);
  });

  it("a file that is not a zip", async () => {
    expect(await extract(Buffer.from("this is not a checkpoint\n".repeat(100)))).toMatch(/bad\.ckpt: not a zip file/);
  });

  it("the legacy torch format (a bare pickle stream), naming it", async () => {
    // What torch.save(..., _use_new_zipfile_serialization=False) writes first: the pickled magic number, then
    // the protocol version and more pickles.
    const legacy = Buffer.concat([Buffer.from("80028a0a6cfc9c46f9206aa850192e80024de9032e", "hex"), Buffer.alloc(500, 0x2e)]);
    expect(await extract(legacy)).toMatch(
      /bad\.ckpt: not a zip file: .* \(it starts as a pickle: the legacy torch format, which is refused; re-save it with torch\.save's default zip format\)/,
    );
  });

  it("an empty file", async () => {
    expect(await extract(new Uint8Array(0))).toMatch(/0 bytes is shorter than an end-of-central-directory record/);
  });

  it("two metadata entries", async () => {
    const bytes = await zipWith([
      ...torchMembers(),
      { path: "anemoi-metadata/anemoi.json", data: Buffer.from("{}") },
      { path: "other/anemoi.json", data: Buffer.from("{}") },
    ]);
    expect(await extract(bytes)).toMatch(
      /2 metadata entries \(archive\/anemoi-metadata\/anemoi\.json, archive\/other\/anemoi\.json\); a checkpoint has exactly one/,
    );
  });

  it("no metadata entry", async () => {
    expect(await extract(await zipWith(torchMembers()))).toMatch(/no anemoi metadata \(anemoi\.json or ai-models\.json\) in the archive/);
  });

  it("corrupt metadata JSON, located by line and column", async () => {
    const bytes = await zipWith([...torchMembers(), { path: "anemoi-metadata/anemoi.json", data: Buffer.from('{\n  "version": "1.0",\n  "dataset": {\n}') }]);
    expect(await extract(bytes)).toMatch(/bad\.ckpt!archive\/anemoi-metadata\/anemoi\.json:4:2: metadata invalid JSON/);
  });

  it("metadata that is not anemoi's", async () => {
    const bytes = await zipWith([...torchMembers(), { path: "anemoi-metadata/anemoi.json", data: Buffer.from('{"hello": 1}') }]);
    expect(await extract(bytes)).toMatch(/not anemoi metadata/);
  });

  it("a member whose declared size runs far beyond the file", async () => {
    const bytes = Buffer.from(good);
    const cd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(0x7fffffff, cd + 20); // compressed size of the last member
    bytes.writeUInt32LE(0x7fffffff, cd + 24);
    expect(await extract(bytes)).toMatch(/runs past the start of the central directory \(at byte offset \d+\)/);
  });

  it("a member declared larger than the cap", async () => {
    const bytes = await zipWith([...torchMembers(), { path: "anemoi-metadata/anemoi.json", data: Buffer.alloc(10) }]);
    const cd = bytes.lastIndexOf(Buffer.from("archive/anemoi-metadata/anemoi.json")) - 46;
    bytes.writeUInt32LE(0xfffffff0, cd + 24); // uncompressed size: ~4 GiB, over the 64 MiB metadata cap
    expect(await extract(bytes)).toMatch(/anemoi\.json declares 4294967280 bytes, over the cap of 67108864/);
  });

  it("a deflate bomb (inflates beyond its declared size)", async () => {
    const bytes = await zipWith([...torchMembers(), { path: "anemoi-metadata/anemoi.json", data: Buffer.alloc(50 * 1024 * 1024, 0x20), method: "deflate" }]);
    const cd = bytes.lastIndexOf(Buffer.from("archive/anemoi-metadata/anemoi.json")) - 46;
    bytes.writeUInt32LE(1000, cd + 24); // declares 1000 bytes; 50 MiB of spaces compress to ~50 KiB
    expect(await extract(bytes)).toMatch(/anemoi\.json inflates beyond its declared 1000 bytes/);
  });

  it("a corrupted central directory", async () => {
    const bytes = Buffer.from(good);
    const cd = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes[cd + 1] = 0x00;
    expect(await extract(bytes)).toMatch(/bad central directory entry signature \(at byte offset \d+\)/);
  });

  it("a member whose CRC does not match", async () => {
    const bytes = Buffer.from(good);
    const name = bytes.lastIndexOf(Buffer.from("archive/anemoi-metadata/anemoi.json"));
    const cd = name - 46;
    bytes.writeUInt32LE((bytes.readUInt32LE(cd + 16) ^ 1) >>> 0, cd + 16);
    expect(await extract(bytes)).toMatch(/anemoi\.json fails its CRC check/);
  });

  it("an archive with more than one top-level folder", async () => {
    const bytes = await zipWith([...torchMembers(), { path: "/other/anemoi.json", data: Buffer.from("{}") }], { root: "one" });
    expect(await extract(bytes)).toMatch(/a torch checkpoint has exactly one top-level folder; found "one", "other"/);
  });
});
