// Reading a registry server's entries for sync-entries: GET /api/v1/checkpoints, bounded in size, time and
// nesting, and shaped back into entry drafts (the `$schema` line entry files carry, which publishing drops).
import { checkpointIdPattern, schemaVersion } from "../../src/contract/constants.ts";
import { RegistryError } from "../../src/errors.ts";
import { decodeUtf8, JsonTextError, parseJsonDocument } from "../../src/files/json-document.ts";
import { entrySchemaReference } from "../../src/fiab/import.ts";
import { entryLimits } from "../../src/registry/entry-limits.ts";
import { downloadToMemory } from "../http/download.ts";
import { apiBase } from "./api-schemas.ts";

export interface ServerEntries {
  url: string;
  revision: number;
  entries: Array<{ id: string; entry: unknown }>;
}

export async function fetchServerEntries(server: string, options: { timeoutMs: number; maxBytes: number }): Promise<ServerEntries> {
  let base: URL;
  try {
    base = new URL(server.endsWith("/") ? server : `${server}/`);
  } catch {
    throw new RegistryError(`--server ${JSON.stringify(server)} is not a URL`, { exitCode: 2 });
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new RegistryError(`--server must be an http(s) URL, got ${base.protocol}`, { exitCode: 2 });
  const url = new URL(`.${apiBase}/checkpoints`, base).href;
  // The operator names their own server, often on a private network: this is not a stranger's URL.
  const { body } = await downloadToMemory(url, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes, allowPrivateNetwork: true });
  let doc: unknown;
  try {
    doc = parseJsonDocument(decodeUtf8(body), { maxDepth: entryLimits.maxDepth + 2 });
  } catch (error) {
    if (error instanceof JsonTextError) throw new RegistryError(`${url}: ${error.message} (line ${error.line}, column ${error.column})`);
    throw error;
  }
  const { schemaVersion: version, revision, checkpoints } = (doc ?? {}) as { schemaVersion?: unknown; revision?: unknown; checkpoints?: unknown };
  if (typeof version !== "number") throw new RegistryError(`${url}: not a registry document (no schemaVersion); is ${server} a registry server?`);
  if (version !== schemaVersion) throw new RegistryError(`${url}: the server publishes schema version ${version}, this tooling writes ${schemaVersion}; use the server's version of the tooling`);
  if (typeof revision !== "number" || checkpoints === null || typeof checkpoints !== "object" || Array.isArray(checkpoints)) {
    throw new RegistryError(`${url}: expected {"schemaVersion", "revision", "checkpoints": {id: entry}}`);
  }
  const entries = Object.entries(checkpoints as Record<string, unknown>).map(([id, entry]) => {
    if (!checkpointIdPattern.test(id)) throw new RegistryError(`${url}: checkpoints has the key ${JSON.stringify(id.slice(0, 200))}, which is not a checkpoint id`);
    return { id, entry: { $schema: entrySchemaReference, ...(entry as object) } };
  });
  return { url, revision, entries };
}
