// What FIAB does at start, from plain Node 20+ with the published package: read the registry (a static site, or a
// registry server's /api/v1), verified when a public key is given, and list what fits this host and why the rest
// does not. Run: node fiab-like.mjs <registry URL> [public key (PEM file or base64)]
import { readFileSync, existsSync } from "node:fs";
import { compatibility, fetchRegistry } from "fiab-model-registry-client";

const [url, key] = process.argv.slice(2);
if (!url) {
  process.stderr.write("usage: node fiab-like.mjs <registry URL> [public key]\n");
  process.exit(2);
}
const publicKey = key === undefined ? undefined : existsSync(key) ? readFileSync(key, "utf8") : key;
// A long-running program keeps one Map (a browser passes localStorage): the second read is a 304.
const cache = new Map();
const host = {
  os: { linux: "linux", darwin: "macos" }[process.platform] ?? process.platform,
  arch: { x64: "x86_64", arm64: "aarch64" }[process.arch] ?? process.arch,
  python: "3.12",
  gpuMemoryMib: 0,
};

const registry = await fetchRegistry(url, { cache, publicKey });
const again = await fetchRegistry(url, { cache, publicKey });
const fits = [];
const excluded = {};
for (const [id, entry] of registry.checkpoints) {
  const fit = compatibility(entry, host);
  if (fit.compatible) fits.push(id);
  else excluded[id] = fit.detail;
}
process.stdout.write(
  `${JSON.stringify({ node: process.version, url: registry.url, revision: registry.revision, verified: registry.verified, origins: [registry.origin, again.origin], host, fits, excluded, skipped: registry.warnings }, null, 2)}\n`,
);
