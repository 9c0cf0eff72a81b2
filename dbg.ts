import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureRemote } from "./bench/remote-bytes.ts";
import { writeTorchZip, torchMembers } from "./tests/support/torch-zip.ts";
import { readMetadataFixture } from "./tests/support/pack-metadata.ts";
const meta = readMetadataFixture("single-o48-1.1");
const mk = (n: number, arrayBytes: number) => async (dir: string) => {
  const path = join(dir, "real.ckpt");
  const tensors = Array.from({ length: n }, (_, i) => ({ path: `data/${i}`, sparseSize: Math.floor(1e9 / n) }));
  const arrays = ["latitudes", "longitudes"].map((a) => ({ path: `anemoi-metadata/${a}.numpy`, data: new Uint8Array(arrayBytes) }));
  await writeTorchZip(path, [...torchMembers(), ...tensors, { path: "anemoi-metadata/anemoi.json", data: Buffer.from(JSON.stringify(meta)) }, ...arrays], { zip64: true, root: "archive" });
  return path;
};
for (const [n, a] of [[1500, 322560], [1500, 4336640], [300, 322560], [300, 0]]) {
  const r = await measureRemote({ name: `${n} tensors, arrays ${a}`, make: mk(n, a) }, await mkdtemp(join(tmpdir(), "r-")));
  console.log(r.name, "requests", r.requests, "needed", r.needed, "transferred", r.transferred, (r.transferred / r.needed).toFixed(2));
}
