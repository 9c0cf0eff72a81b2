// The registry documents of a built site, and reading them with care: a site to verify may be a mirror's
// copy, so nothing is followed out of it (no symbolic links) and every file is read under a size cap.
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseContentAddressedPath, registryDocumentPaths, revisionsDir } from "../../src/publish/content-address.ts";

/** modelRegistry.json at 10,000 entries is ~60 MB; this leaves room without reading anything unbounded. */
export const maxDocumentBytes = 1 << 30;
export const maxSmallFileBytes = 1 << 20;

export class SiteFileError extends Error {}

/** The bytes of a regular file inside the site, or undefined when absent; SiteFileError when unsafe or too big. */
export async function readSiteFile(dir: string, path: string, maxBytes: number): Promise<Buffer | undefined> {
  const full = join(dir, path);
  const stat = await lstat(full).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!stat) return undefined;
  if (!stat.isFile()) throw new SiteFileError(`${path}: not a regular file (${stat.isSymbolicLink() ? "a symbolic link" : "a folder or device"})`);
  if (stat.size > maxBytes) throw new SiteFileError(`${path}: ${stat.size} bytes, more than the ${maxBytes} a registry file may have`);
  const bytes = await readFile(full);
  if (bytes.length > maxBytes) throw new SiteFileError(`${path}: grew past ${maxBytes} bytes while read`);
  return bytes;
}

export interface SiteDocuments {
  /** Site paths of the current documents (those present). */
  current: string[];
  /** Site paths under revisions/ that name a registry document. */
  copies: string[];
  /** Files under revisions/ that are neither a document copy nor its .sig. */
  strays: string[];
}

/** Every registry document of the site: the current ones and the content-addressed copies. */
export async function listSiteDocuments(dir: string): Promise<SiteDocuments> {
  const current: string[] = [];
  for (const path of registryDocumentPaths) if (await lstat(join(dir, path)).catch(() => undefined)) current.push(path);
  const copies: string[] = [];
  const strays: string[] = [];
  const revisions = join(dir, revisionsDir);
  const entries = await readdir(revisions, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    const path = `${revisionsDir}/${join(entry.parentPath, entry.name)
      .slice(revisions.length + 1)
      .split("\\")
      .join("/")}`;
    const document = path.endsWith(".sig") ? path.slice(0, -4) : path;
    if (!parseContentAddressedPath(document)) strays.push(path);
    else if (document === path) copies.push(path);
  }
  return { current, copies: copies.sort(), strays: strays.sort() };
}
