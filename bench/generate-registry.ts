// Synthetic registries for benchmarks: the real entries replicated round-robin under new ids, each replica
// group a self-consistent copy (its own source URLs and sha256, variants pointing inside the group), so the
// result passes `validate` exactly like entries/ does.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { entryFile, listEntryFiles } from "../src/registry/entries.ts";
import { formatJson } from "../src/files/json-text.ts";

interface Template {
  id: string;
  doc: Record<string, unknown>;
}

interface Source {
  url: string;
  mirrors?: string[];
  sha256?: string;
}

export function replicaId(id: string, replica: number): string {
  return `${id}--r${String(replica).padStart(5, "0")}`;
}

function replicaUrl(url: string, replica: number): string {
  return `${url}${url.includes("?") ? "&" : "?"}replica=${replica}`;
}

/** A distinct, still well-formed digest: the replica number written over the digest's last eight digits. */
function replicaSha256(sha256: string, replica: number): string {
  return `${sha256.slice(0, 56)}${(replica >>> 0).toString(16).padStart(8, "0")}`;
}

async function readTemplates(entriesDir: string): Promise<Template[]> {
  const files = await listEntryFiles(entriesDir);
  if (files.length === 0) throw new Error(`no entries in ${entriesDir} to replicate`);
  return Promise.all(files.map(async (f) => ({ id: basename(f, ".json"), doc: JSON.parse(await readFile(f, "utf8")) as Record<string, unknown> })));
}

/** One entry of replica group `replica`; `included` holds the original ids present in that group. */
function replicate(t: Template, replica: number, included: ReadonlySet<string>): Record<string, unknown> {
  const doc = structuredClone(t.doc);
  const source = doc["source"] as Source;
  source.url = replicaUrl(source.url, replica);
  if (source.mirrors) source.mirrors = source.mirrors.map((m) => replicaUrl(m, replica));
  if (source.sha256) source.sha256 = replicaSha256(source.sha256, replica);
  const variants = doc["variants"] as string[] | undefined;
  if (variants) {
    const kept = variants.filter((v) => included.has(v)).map((v) => replicaId(v, replica));
    if (kept.length > 0) doc["variants"] = kept;
    else delete doc["variants"];
  }
  return doc;
}

/** Writes `count` entries into `outDir` (emptied first); returns the number of bytes written. */
export async function generateRegistry(templatesDir: string, outDir: string, count: number): Promise<{ files: number; bytes: number }> {
  const templates = await readTemplates(templatesDir);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  let bytes = 0;
  for (let start = 0, replica = 0; start < count; start += templates.length, replica++) {
    const group = templates.slice(0, Math.min(templates.length, count - start));
    const included = new Set(group.map((t) => t.id));
    const texts = group.map((t) => [entryFile(outDir, replicaId(t.id, replica)), formatJson(replicate(t, replica, included))] as const);
    await Promise.all(texts.map(([file, text]) => writeFile(file, text)));
    for (const [, text] of texts) bytes += Buffer.byteLength(text);
  }
  return { files: count, bytes };
}

export function workDir(root: string, size: number): { base: string; entries: string; dist: string } {
  const base = join(root, String(size));
  return { base, entries: join(base, "entries"), dist: join(base, "dist") };
}
