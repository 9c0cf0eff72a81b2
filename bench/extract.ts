// `npm run bench` (extraction part): what extract-basic-metadata costs on a multi-GiB checkpoint.
// - over HTTP: requests made and bytes transferred against the file size (the anchor, anemoi-utils'
//   load_metadata, needs the whole file on disk: 100% of the bytes);
// - locally: extraction time of a 10 MiB and a 5 GiB checkpoint (the target: equal within 1.5x);
// The checkpoints are the rmi-lam metadata fixture packed like torch.save output, the weights as a sparse hole.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractCheckpoint } from "../tooling/anemoi/extract.ts";
import { openHttpSource } from "../tooling/http/range-source.ts";
import { FileSource } from "../tooling/source/file-source.ts";
import { closeAllServers, serveFile } from "../tests/support/http-servers.ts";
import { packMetadataFixture } from "../tests/support/pack-metadata.ts";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

async function timeLocal(path: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const source = await FileSource.open(path);
    await extractCheckpoint(source);
    await source.close();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const dir = await mkdtemp(join(tmpdir(), "bench-extract-"));
try {
  const big = await packMetadataFixture("rmi-lam", await mkdtemp(join(dir, "big-")), { extra: [{ path: "data/0", sparseSize: 5 * GiB }] });
  const small = await packMetadataFixture("rmi-lam", await mkdtemp(join(dir, "small-")), {
    extra: [{ path: "data/0", data: new Uint8Array(9.5 * MiB).fill(7) }],
  });
  const bigSize = (await stat(big)).size;
  const smallSize = (await stat(small)).size;

  const server = await serveFile({ path: big });
  const source = await openHttpSource(server.fileUrl, { allowPrivateNetwork: true }); // the server is on 127.0.0.1
  await extractCheckpoint(source);
  await source.close();
  const { requests, bytesSent } = server.stats;
  await closeAllServers();

  const runs = 15;
  await timeLocal(small, 5); // warm up the JIT before either is measured
  await timeLocal(big, 5);
  const smallMs = await timeLocal(small, runs);
  const bigMs = await timeLocal(big, runs);

  const rows = [
    ["HTTP: requests for a checkpoint of " + (bigSize / GiB).toFixed(2) + " GiB", String(requests), "<= 3"],
    ["HTTP: bytes transferred", `${bytesSent.toLocaleString("en")} (${((bytesSent / bigSize) * 100).toFixed(4)}% of the file)`, "< 0.1%"],
    ["anchor (anemoi-utils load_metadata): bytes needed", `${bigSize.toLocaleString("en")} (100%)`, ""],
    [`local: ${(smallSize / MiB).toFixed(1)} MiB checkpoint, median of ${runs} (ms)`, smallMs.toFixed(1), ""],
    [`local: ${(bigSize / GiB).toFixed(2)} GiB checkpoint, median of ${runs} (ms)`, bigMs.toFixed(1), ""],
    ["local: ratio big / small", `${(bigMs / smallMs).toFixed(2)}x`, "<= 1.5x"],
  ];
  process.stdout.write(`| extraction | measured | target |\n| --- | ---: | ---: |\n${rows.map((r) => `| ${r.join(" | ")} |`).join("\n")}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
