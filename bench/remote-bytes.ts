// `node bench/remote-bytes.ts`: the bytes extract-basic-metadata transfers over HTTP against the bytes it needs,
// for checkpoints of several layouts, with the requests and round trips it takes: the needed bytes are the zip
// records (end of central directory, ZIP64 records, the directory) and the members read (metadata, data.pkl,
// the coordinate arrays of a limited area), each with its local header (tests/support/remote-reads.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../tests/support/paths.ts";
import { readRemotely } from "../tests/support/remote-reads.ts";
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
  {
    name: "limited-area (rmi-lam), 5 GiB, metadata stored",
    make: (dir) => packMetadataFixture("rmi-lam", dir, { extra: [{ path: "data/0", sparseSize: 5 * GiB }] }),
  },
  {
    name: "global (single-o48), 5 GiB, metadata deflated",
    make: (dir) => packMetadataFixture("single-o48-1.1", dir, { extra: [{ path: "data/0", sparseSize: 5 * GiB }], metadataMethod: "deflate" }),
  },
  {
    name: "global (single-o48), 1 GiB, metadata deflated",
    make: (dir) => packMetadataFixture("single-o48-1.1", dir, { extra: [{ path: "data/0", sparseSize: GiB }], metadataMethod: "deflate" }),
  },
  {
    name: "global, 2 input steps (global-multi-steps), 1 GiB, stored",
    make: (dir) => packMetadataFixture("global-multi-steps-2in-3out", dir, { extra: [{ path: "data/0", sparseSize: GiB }] }),
  },
  {
    name: "multi-dataset (era5-cerra), 3,000 tensors, 2 GiB, stored",
    make: (dir) => packMetadataFixture("era5-cerra", dir, { extra: tensors(3000, Math.floor((2 * GiB) / 3000)) }),
  },
  { name: "the real AIFS test checkpoint (46 KB, deflated)", make: async () => fixture("anemoi/registry-dummy-checkpoint.ckpt") },
];

if (import.meta.main) {
  const dir = await mkdtemp(join(tmpdir(), "bench-remote-"));
  try {
    const rows = [];
    for (const c of remoteCases) {
      const r = await readRemotely(await c.make(await mkdtemp(join(dir, "c-"))));
      const goal = r.requests <= 3 && r.transferred <= 2 * r.needed ? "met" : r.transferred <= 2 * r.needed ? "bytes met; one request more" : "**missed**";
      rows.push(
        `| ${[c.name, r.needed.toLocaleString("en"), r.transferred.toLocaleString("en"), `${(r.transferred / r.needed).toFixed(2)}x`, String(r.requests), String(r.roundTrips), goal].join(" | ")} |`,
      );
    }
    process.stdout.write(
      `| checkpoint | bytes needed | transferred | transferred / needed | requests | round trips | goal (<= 2x, <= 3 requests) |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n${rows.join("\n")}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
