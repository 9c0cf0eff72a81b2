// The bytes extract-basic-metadata transfers over HTTP against the bytes it needs, for checkpoints of several
// layouts: the needed bytes are the zip records (end of central directory, ZIP64 records, the directory) and
// the members read (metadata, data.pkl, the coordinate arrays of a limited area), each with its local header.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractCheckpoint } from "../tooling/anemoi/extract.ts";
import { openHttpSource, type HttpSource } from "../tooling/http/range-source.ts";
import { closeAllServers, serveFile } from "../tests/support/http-servers.ts";
import { fixture } from "../tests/support/paths.ts";
import { packMetadataFixture, readMetadataFixture } from "../tests/support/pack-metadata.ts";
import { torchMembers, writeTorchZip } from "../tests/support/torch-zip.ts";

const GiB = 1024 ** 3;

export interface RemoteCase {
  name: string;
  make: (dir: string) => Promise<string>;
}

const tensors = (count: number, bytes: number) => Array.from({ length: count }, (_, i) => ({ path: `data/${i}`, sparseSize: bytes }));

/** Like a published AIFS checkpoint: 1,500 tensors of 1 GB, metadata stored, O96 coordinates (315 KiB each) after it. */
async function aifsLike(dir: string): Promise<string> {
  const path = join(dir, "aifs-like.ckpt");
  const coordinates = ["latitudes", "longitudes"].map((name) => ({ path: `anemoi-metadata/${name}.numpy`, data: new Uint8Array(40_320 * 8) }));
  const metadata = { path: "anemoi-metadata/anemoi.json", data: Buffer.from(JSON.stringify(readMetadataFixture("single-o48-1.1"))) };
  await writeTorchZip(path, [...torchMembers(), ...tensors(1500, Math.floor(1e9 / 1500)), metadata, ...coordinates], { zip64: true, root: "archive" });
  return path;
}

export const remoteCases: RemoteCase[] = [
  { name: "AIFS-like: 1,500 tensors, 1 GB, O96 coordinates", make: aifsLike },
  { name: "limited-area (rmi-lam), 5 GiB, metadata stored", make: (dir) => packMetadataFixture("rmi-lam", dir, { extra: [{ path: "data/0", sparseSize: 5 * GiB }] }) },
  { name: "global (single-o48), 1 GiB, metadata deflated", make: (dir) => packMetadataFixture("single-o48-1.1", dir, { extra: [{ path: "data/0", sparseSize: GiB }], metadataMethod: "deflate" }) },
  { name: "global, 2 input steps (global-multi-steps), 1 GiB, stored", make: (dir) => packMetadataFixture("global-multi-steps-2in-3out", dir, { extra: [{ path: "data/0", sparseSize: GiB }] }) },
  { name: "multi-dataset (era5-cerra), 3,000 tensors, 2 GiB, stored", make: (dir) => packMetadataFixture("era5-cerra", dir, { extra: tensors(3000, Math.floor((2 * GiB) / 3000)) }) },
  { name: "the real AIFS test checkpoint (46 KB, deflated)", make: async () => fixture("anemoi/registry-dummy-checkpoint.ckpt") },
];

/** Union length of byte ranges. */
function unionLength(ranges: Array<[number, number]>): number {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -1;
  for (const [start, stop] of sorted) {
    if (stop <= end) continue;
    total += stop - Math.max(start, end);
    end = stop;
  }
  return total;
}

export interface RemoteResult {
  name: string;
  fileBytes: number;
  requests: number;
  transferred: number;
  needed: number;
}

/** Extracts over HTTP from a local Range server; needed = every range the reader consumed, except the end-of-central-directory search window (of which only its record counts). */
export async function measureRemote(c: RemoteCase, dir: string, tailBytes?: number): Promise<RemoteResult> {
  const path = await c.make(dir);
  const server = await serveFile({ path });
  // The server is on 127.0.0.1, which the reader refuses unless told.
  const source: HttpSource = await openHttpSource(server.fileUrl, { allowPrivateNetwork: true, ...(tailBytes === undefined ? {} : { tailBytes }) });
  const reads: Array<[number, number]> = [];
  const read = source.read.bind(source);
  let first = true;
  source.read = async (offset: number, length: number) => {
    if (first) {
      first = false;
      reads.push([offset + length - 22, offset + length]); // the end-of-central-directory record itself
    } else reads.push([offset, offset + length]);
    return read(offset, length);
  };
  await extractCheckpoint(source);
  await source.close();
  const result = { name: c.name, fileBytes: (await stat(path)).size, requests: server.stats.requests, transferred: server.stats.bytesSent, needed: unionLength(reads) };
  await closeAllServers();
  return result;
}

if (import.meta.main) {
  const dir = await mkdtemp(join(tmpdir(), "bench-remote-"));
  try {
    const rows = [];
    for (const c of remoteCases) {
      const cells = [c.name];
      for (const tail of [undefined, 48 * 1024]) {
        const r = await measureRemote(c, await mkdtemp(join(dir, "c-")), tail);
        if (tail === undefined) cells.push(r.needed.toLocaleString("en"));
        cells.push(String(r.requests), r.transferred.toLocaleString("en"), `${(r.transferred / r.needed).toFixed(2)}x`);
      }
      rows.push(`| ${cells.join(" | ")} |`);
    }
    process.stdout.write(`| checkpoint | bytes needed | requests | transferred | ratio | requests, 48 KiB first read | transferred | ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n${rows.join("\n")}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
