// The documents the server publishes, made by the same functions as the static build's pages
// (src/publish/documents.ts), so that the server and the static site publish the same bytes for the same
// entries. Each entry's part of the registry document and of FIAB's views is made once per version of the
// entry and kept; a new revision's documents are those parts put together in a single copy, and hashed on
// the thread pool, the first time one is asked for: a commit costs readers nothing, and a document is never
// made again from the entries as a whole (28 MB of JSON at 10,000 entries).
import { exportStore } from "../../src/fiab/export.ts";
import { fiabContracts, type FiabContract } from "../../src/fiab/store-contract.ts";
import { entryJsonText, modelRegistryDocument, publishedEntry } from "../../src/publish/documents.ts";
import { site } from "../../src/site/config.ts";
import type { Entry } from "../../src/contract/index.ts";
import type { LoadedEntry } from "../../src/registry/entries.ts";
import type { EntryStore } from "./entry-store.ts";
import { Representation } from "./representation.ts";

/** One entry's `"<id>":<JSON>` in each document, or null where a FIAB view leaves it out. */
interface Parts {
  registry: Buffer;
  fiab: Record<FiabContract, Buffer | null>;
}

type Kind = "registry" | FiabContract;

/** JSON.stringify's order of an object's keys: integer-like keys first, in numeric order, then the others as given. */
function inObjectKeyOrder(entries: readonly LoadedEntry[]): readonly LoadedEntry[] {
  const index = (id: string) => (/^(?:0|[1-9]\d{0,9})$/.test(id) && Number(id) < 2 ** 32 - 1 ? Number(id) : undefined);
  const integers = entries.filter((e) => index(e.id) !== undefined);
  if (integers.length === 0) return entries;
  return [...integers.sort((a, b) => index(a.id)! - index(b.id)!), ...entries.filter((e) => index(e.id) === undefined)];
}

const comma = Buffer.from(",");

export class PublishedDocuments {
  readonly #store: EntryStore;
  readonly #parts = new WeakMap<Entry, Parts>();
  readonly #documents = new Map<Kind, { revision: number; document: Promise<Representation>; ready?: Representation }>();
  readonly #entries = new Map<string, { entry: Entry; document: Representation }>();

  constructor(store: EntryStore) {
    this.#store = store;
  }

  #partsOf({ id, entry }: LoadedEntry): Parts {
    let parts = this.#parts.get(entry);
    if (!parts) {
      const key = JSON.stringify(id);
      const fiab = Object.fromEntries(
        fiabContracts.map((contract) => {
          const artifact = exportStore([{ id, entry }], contract, site.storeDisplayName).store.artifacts[id];
          return [contract, artifact === undefined ? null : Buffer.from(`${key}:${JSON.stringify(artifact)}`)];
        }),
      ) as Record<FiabContract, Buffer | null>;
      parts = { registry: Buffer.from(`${key}:${JSON.stringify(publishedEntry(entry))}`), fiab };
      this.#parts.set(entry, parts);
    }
    return parts;
  }

  /** `kind`'s document at `revision`: its opening, each entry's part, and its closing, in one copy. */
  #make(kind: Kind, revision: number): Promise<Representation> {
    // Compact, as the static build writes them: modelRegistry.json with the revision after schemaVersion, and
    // FIAB's store ({display_name, artifacts}).
    const opening =
      kind === "registry"
        ? `${JSON.stringify({ schemaVersion: modelRegistryDocument([]).schemaVersion, revision }).slice(0, -1)},"checkpoints":{`
        : `{"display_name":${JSON.stringify(site.storeDisplayName)},"artifacts":{`;
    const chunks: Buffer[] = [Buffer.from(opening)];
    for (const e of inObjectKeyOrder(this.#store.list())) {
      const parts = this.#partsOf(e);
      const part = kind === "registry" ? parts.registry : parts.fiab[kind];
      if (!part) continue;
      if (chunks.length > 1) chunks.push(comma);
      chunks.push(part);
    }
    chunks.push(Buffer.from("}}"));
    return Representation.of(Buffer.concat(chunks));
  }

  #document(kind: Kind): Representation | Promise<Representation> {
    const revision = this.#store.revision;
    let made = this.#documents.get(kind);
    if (made?.revision !== revision) {
      const document = this.#make(kind, revision);
      const current = { revision, document } as { revision: number; document: Promise<Representation>; ready?: Representation };
      void document.then((ready) => (current.ready = ready));
      this.#documents.set(kind, (made = current));
    }
    return made.ready ?? made.document;
  }

  /** `{schemaVersion, revision, checkpoints}`: the static modelRegistry.json with the revision it shows. */
  registry(): Representation | Promise<Representation> {
    return this.#document("registry");
  }

  /** The FIAB store an unmodified FIAB of `contract` reads: /fiab/<contract>/artifacts.json of the static build. */
  fiab(contract: FiabContract): Representation | Promise<Representation> {
    return this.#document(contract);
  }

  /** Makes every document of the current revision, so that the first readers after a start do not wait for them. */
  async prepare(): Promise<void> {
    await Promise.all((["registry", ...fiabContracts] as const).map((kind) => this.#document(kind)));
  }

  /** Entry `id` as it was at `revision`, formatted as the current one; undefined when it did not exist then. */
  entryAt(id: string, revision: number): Representation | undefined {
    const entry = revision >= this.#store.revision ? this.#store.get(id)?.entry : this.#store.entryAt(id, revision);
    return entry ? new Representation(entryJsonText(entry)) : undefined;
  }

  /** One entry, formatted as the static /checkpoints/<id>.json is; undefined for an unknown id. */
  entry(id: string): Representation | undefined {
    const current = this.#store.get(id)?.entry;
    if (!current) return undefined;
    let cached = this.#entries.get(id);
    if (cached?.entry !== current) {
      cached = { entry: current, document: new Representation(entryJsonText(current)) };
      this.#entries.set(id, cached);
    }
    return cached.document;
  }
}
