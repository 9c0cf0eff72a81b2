// The published JSON documents, made from validated entries. Everything here is deterministic: entries
// come sorted by id, and keys are in contract order, so the same entries give byte-identical files.
import { schemaVersion, type Entry } from "../contract/index.ts";
import { exportStore, type StoreExport } from "../fiab/export.ts";
import type { FiabContract } from "../fiab/store-contract.ts";
import type { LoadedEntry } from "../registry/entries.ts";
import { site } from "../site/config.ts";
import type { Publication } from "./revision.ts";

/** An entry as published: the `$schema` reference is an authoring aid and points into the repository. */
export function publishedEntry(entry: Entry): Omit<Entry, "$schema"> {
  const { $schema: _schema, ...rest } = entry;
  return rest;
}

/** The text of /checkpoints/<id>.json: indented for people who open it, with a final newline. */
export function entryJsonText(entry: Entry): string {
  return `${JSON.stringify(publishedEntry(entry), null, 2)}\n`;
}

export interface ModelRegistryDocument {
  schemaVersion: number;
  /** Undefined values are left out by JSON.stringify, keeping the key order for those present. */
  revision?: Publication["revision"] | undefined;
  publishedAt?: string | undefined;
  checkpoints: Record<string, Omit<Entry, "$schema">>;
}

/** Keys in this order: the revision and its time come before the (long) checkpoints, for readers that peek. */
export function modelRegistryDocument(entries: readonly LoadedEntry[], publication: Publication = {}): ModelRegistryDocument {
  const { revision, publishedAt } = publication;
  return { schemaVersion, revision, publishedAt, checkpoints: Object.fromEntries(entries.map((e) => [e.id, publishedEntry(e.entry)])) };
}

export function fiabView(entries: readonly LoadedEntry[], contract: FiabContract): StoreExport {
  return exportStore(entries, contract, site.storeDisplayName);
}

/** The text of /modelRegistry.json: compact, as FIAB parses it (indentation would triple it at 10,000 entries). */
export function modelRegistryText(entries: readonly LoadedEntry[], publication: Publication = {}): string {
  return JSON.stringify(modelRegistryDocument(entries, publication));
}

/** The text of /fiab/<contract>/artifacts.json, compact like modelRegistry.json. */
export function fiabViewText(entries: readonly LoadedEntry[], contract: FiabContract): string {
  return JSON.stringify(fiabView(entries, contract).store);
}
