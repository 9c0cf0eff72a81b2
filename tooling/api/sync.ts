// sync-entries: bringing a registry server's changes into an entries folder without undoing the folder's own.
// The folder remembers the server revision it last took (.registry-sync.json, beside the entries); the server
// lists the entries changed since; each is written when the file is still what the server had at that
// revision (or is absent and was absent), and reported as a conflict when the file was edited meanwhile.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { checkpointIdPattern, schemaVersion } from "../../src/contract/constants.ts";
import { parseEntry, type Entry } from "../../src/contract/index.ts";
import { RegistryError } from "../../src/errors.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { decodeUtf8, JsonTextError, parseJsonDocument } from "../../src/files/json-document.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { entrySchemaReference } from "../../src/fiab/import.ts";
import type { LoadedEntry } from "../../src/registry/entries.ts";
import { entryLimits } from "../../src/registry/entry-limits.ts";
import { ApiClient, ServerCallError } from "./client.ts";
import { jsonObject } from "../../src/text/json-object.ts";

export const syncStateFile = ".registry-sync.json";

export interface SyncOptions {
  timeoutMs: number;
  maxBytes: number;
}

export interface SyncPlan {
  server: string;
  since: number;
  revision: number;
  /** Entries to write: created or updated on the server, and unedited (or absent) in the folder. */
  drafts: Array<{ id: string; entry: Entry }>;
  /** Entries the server changed that the folder changed too: not written unless forced. */
  conflicts: Array<{ id: string; entry: Entry; why: string }>;
}

function baseUrl(server: string): URL {
  let base: URL;
  try {
    base = new URL(server.endsWith("/") ? server : `${server}/`);
  } catch {
    throw new RegistryError(`--server ${JSON.stringify(server)} is not a URL`, { exitCode: 2 });
  }
  if (base.protocol !== "http:" && base.protocol !== "https:")
    throw new RegistryError(`--server must be an http(s) URL, got ${base.protocol}`, { exitCode: 2 });
  return base;
}

/** A JSON document from the server, bounded; undefined for a 404 when `missingOk`. */
async function getJson(api: ApiClient, path: string, options: SyncOptions, missingOk = false): Promise<unknown> {
  let body: Uint8Array;
  try {
    body = await api.bytes("GET", path, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes });
  } catch (error) {
    if (missingOk && error instanceof ServerCallError && error.status === 404) return undefined;
    throw error;
  }
  try {
    return parseJsonDocument(decodeUtf8(body), { maxDepth: entryLimits.maxDepth + 2 });
  } catch (error) {
    if (error instanceof JsonTextError) throw new RegistryError(`${api.url(path)}: ${error.message} (line ${error.line}, column ${error.column})`);
    throw error;
  }
}

/** An entry as the server publishes it, back in entry-file form ($schema), checked against the contract. */
function asEntry(url: string, id: string, published: unknown): Entry {
  const parsed = parseEntry({ $schema: entrySchemaReference, ...(published as object) });
  if (!parsed.ok)
    throw new RegistryError(
      `${url}: the server's entry "${id}" does not satisfy this tooling's contract (${parsed.problems[0]?.message}); use the server's version of the tooling`,
    );
  return parsed.entry;
}

const same = (a: Entry, b: Entry) => formatJson(a) === formatJson(b);

async function readState(dir: string, server: string): Promise<number | undefined> {
  try {
    const state = jsonObject(JSON.parse(await readFile(join(dir, syncStateFile), "utf8")));
    return state?.server === server && typeof state.revision === "number" ? state.revision : undefined;
  } catch {
    return undefined;
  }
}

export async function writeSyncState(dir: string, server: string, revision: number): Promise<void> {
  await writeFileAtomic(join(dir, syncStateFile), formatJson({ server, revision }));
}

/** What syncing `existing` (the folder's valid entries) with the server would write, and what conflicts. */
export async function planSync(server: string, dir: string, existing: readonly LoadedEntry[], options: SyncOptions): Promise<SyncPlan> {
  const base = baseUrl(server);
  const serverKey = base.href;
  // The operator names their own server, often on a private network: this is not a stranger's URL.
  const api = new ApiClient(serverKey);
  const last = await readState(dir, serverKey);
  const changesPath = `/changes${last !== undefined ? `?since=${last}` : ""}`;
  const changesUrl = api.url(changesPath);
  const changes = (await getJson(api, changesPath, options)) as { since?: unknown; revision?: unknown; changes?: unknown };
  if (typeof changes?.since !== "number" || typeof changes.revision !== "number" || !Array.isArray(changes.changes)) {
    throw new RegistryError(`${changesUrl}: not a registry server's answer; is ${server} a registry server?`);
  }
  const checkpointsUrl = api.url("/checkpoints");
  const document = (await getJson(api, "/checkpoints", options)) as { schemaVersion?: unknown; checkpoints?: Record<string, unknown> };
  if (document?.schemaVersion !== schemaVersion) {
    throw new RegistryError(
      `${checkpointsUrl}: the server publishes schema version ${String(document?.schemaVersion)}, this tooling writes ${schemaVersion}; use the server's version of the tooling`,
    );
  }
  const local = new Map(existing.map((e) => [e.id, e.entry]));
  const since = changes.since;
  const plan: SyncPlan = { server: serverKey, since, revision: changes.revision, drafts: [], conflicts: [] };
  for (const change of changes.changes as Array<{ id: unknown }>) {
    const id = change?.id;
    if (typeof id !== "string" || !checkpointIdPattern.test(id)) throw new RegistryError(`${changesUrl}: ${JSON.stringify(id)} is not a checkpoint id`);
    const published = document.checkpoints?.[id];
    if (published === undefined) continue;
    const target = asEntry(checkpointsUrl, id, published);
    const mine = local.get(id);
    if (mine && same(mine, target)) continue;
    const earlierPath = `/checkpoints/${id}?revision=${since}`;
    const earlier = since > 0 ? await getJson(api, earlierPath, options, true) : undefined;
    const before = earlier === undefined ? undefined : asEntry(api.url(earlierPath), id, earlier);
    if (!mine && !before) plan.drafts.push({ id, entry: target });
    else if (mine && before && same(mine, before)) plan.drafts.push({ id, entry: target });
    else
      plan.conflicts.push({
        id,
        entry: target,
        why: mine
          ? `edited in the folder since revision ${since}, and changed on the server`
          : `removed from the folder since revision ${since}, and changed on the server`,
      });
  }
  return plan;
}
