// Over HTTP the reader starts small and exact: the last 4 KiB (the end records and the directory's last
// entries), then the rest of the directory together with the members those entries show are wanted, then what
// is still missing. Whatever the layout, it reads what a local read reads; the bytes it transfers stay within
// twice what it needs.
import { afterAll, describe, expect, it } from "vitest";
import { extractCheckpoint } from "../../tooling/anemoi/extract.ts";
import { FileSource } from "../../tooling/source/file-source.ts";
import { fixture, tempDir } from "../support/helpers.ts";
import { closeAllServers } from "../support/http-servers.ts";
import { packMetadataFixture, readMetadataFixture } from "../support/pack-metadata.ts";
import { readRemotely } from "../support/remote-reads.ts";
import { torchMembers, writeTorchZip, type Member } from "../support/torch-zip.ts";

afterAll(closeAllServers);

const GiB = 1024 ** 3;
const tensors = (count: number, bytes: number): Member[] => Array.from({ length: count }, (_, i) => ({ path: `data/${i}`, sparseSize: bytes }));

async function localExtraction(path: string) {
  const source = await FileSource.open(path);
  try {
    return await extractCheckpoint(source);
  } finally {
    await source.close();
  }
}

describe("extraction over HTTP", () => {
  it("reads a 5 GiB global checkpoint in two requests and less than twice the bytes it needs", async () => {
    const path = await packMetadataFixture("single-o48-1.1", await tempDir(), { extra: [{ path: "data/0", sparseSize: 5 * GiB }], metadataMethod: "deflate" });
    const remote = await readRemotely(path);
    expect(remote.requests).toBe(2);
    expect(remote.transferred).toBeLessThanOrEqual(2 * remote.needed);
    expect(remote.extraction).toEqual(await localExtraction(path));
  });

  it("fetches a limited area's metadata and coordinates in the round that fetches the rest of a large directory", async () => {
    const path = await packMetadataFixture("rmi-lam", await tempDir(), { extra: tensors(3000, 64) });
    const remote = await readRemotely(path);
    expect([remote.requests, remote.roundTrips]).toEqual([3, 3]);
    expect(remote.transferred).toBeLessThanOrEqual(2 * remote.needed);
    expect(remote.extraction).toEqual(await localExtraction(path));
  });

  it("fetches metadata separated from the directory by coordinate arrays side by side with it, not with the arrays", async () => {
    const coordinates = ["latitudes", "longitudes"].map((name) => ({ path: `anemoi-metadata/${name}.numpy`, data: new Uint8Array(40_320 * 8) }));
    const metadata = { path: "anemoi-metadata/anemoi.json", data: Buffer.from(JSON.stringify(readMetadataFixture("single-o48-1.1"))) };
    const path = `${await tempDir()}/aifs-like.ckpt`;
    await writeTorchZip(path, [...torchMembers(), ...tensors(1500, 666_666), metadata, ...coordinates], { zip64: true });
    const remote = await readRemotely(path);
    // The directory and the metadata in one round, data.pkl (known once the directory is read) in the next.
    expect([remote.requests, remote.roundTrips]).toEqual([4, 3]);
    expect(remote.transferred).toBeLessThanOrEqual(1.01 * remote.needed);
    expect(remote.extraction).toEqual(await localExtraction(path));
  });

  it("reads exactly what it needs when the directory's last entries do not show the metadata", async () => {
    const metadata = { path: "anemoi-metadata/anemoi.json", data: Buffer.from(JSON.stringify(readMetadataFixture("single-o48-1.1"))) };
    const path = `${await tempDir()}/metadata-first.ckpt`;
    await writeTorchZip(path, [...torchMembers(), metadata, ...tensors(300, 1024)], { zip64: true });
    const remote = await readRemotely(path);
    expect(remote.roundTrips).toBe(3);
    expect(remote.transferred).toBeLessThanOrEqual(1.1 * remote.needed);
    expect(remote.extraction).toEqual(await localExtraction(path));
  });

  it("is not misled by member names that hold a directory entry's signature", async () => {
    // Names ending in "PK\x01\x02" put the signature inside the entries the first read sees.
    const decoys: Member[] = Array.from({ length: 40 }, (_, i) => ({ path: `extra/${i}PK\x01\x02`, data: Buffer.from("x") }));
    const path = await packMetadataFixture("global-multi-steps-2in-3out", await tempDir(), { extra: [...tensors(500, 1024), ...decoys] });
    const remote = await readRemotely(path);
    expect(remote.requests).toBeLessThanOrEqual(4);
    expect(remote.transferred).toBeLessThanOrEqual(2 * remote.needed);
    expect(remote.extraction).toEqual(await localExtraction(path));
  });

  it("reads the real AIFS test checkpoint with about the bytes it needs", async () => {
    const remote = await readRemotely(fixture("anemoi/registry-dummy-checkpoint.ckpt"));
    expect(remote.requests).toBeLessThanOrEqual(3);
    expect(remote.transferred).toBeLessThanOrEqual(1.05 * remote.needed);
  });
});
