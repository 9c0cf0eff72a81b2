// The documents the server publishes, made by the same functions as the static build's pages
// (src/publish/documents.ts), so that the server and the static site publish the same bytes for the same
// entries. Each is made on first request after a change and kept until the next.
import { fiabView, modelRegistryDocument, publishedEntry } from "../../src/publish/documents.ts";
import type { FiabContract } from "../../src/fiab/store-contract.ts";
import type { Entry } from "../../src/contract/index.ts";
import type { EntryStore } from "./entry-store.ts";
import { Representation } from "./representation.ts";

/** As the static build writes /checkpoints/<id>.json. */
const formatPublishedEntry = (entry: Entry) => `${JSON.stringify(publishedEntry(entry), null, 2)}\n`;

export class PublishedDocuments {
  readonly #store: EntryStore;
  #registry: { revision: number; document: Representation } | undefined;
  readonly #views = new Map<FiabContract, { revision: number; document: Representation }>();
  readonly #entries = new Map<string, { entry: Entry; document: Representation }>();

  constructor(store: EntryStore) {
    this.#store = store;
  }

  /** `{schemaVersion, revision, checkpoints}`: the static modelRegistry.json with the revision it shows. */
  registry(): Representation {
    const revision = this.#store.revision;
    if (this.#registry?.revision !== revision) {
      const { schemaVersion, checkpoints } = modelRegistryDocument(this.#store.list());
      // Compact, as the static build writes it.
      this.#registry = { revision, document: new Representation(JSON.stringify({ schemaVersion, revision, checkpoints })) };
    }
    return this.#registry.document;
  }

  /** The FIAB store an unmodified FIAB of `contract` reads: /fiab/<contract>/artifacts.json of the static build. */
  fiab(contract: FiabContract): Representation {
    const revision = this.#store.revision;
    let view = this.#views.get(contract);
    if (view?.revision !== revision) {
      view = { revision, document: new Representation(JSON.stringify(fiabView(this.#store.list(), contract).store)) };
      this.#views.set(contract, view);
    }
    return view.document;
  }

  /** Entry `id` as it was at `revision`, formatted as the current one; undefined when it did not exist then. */
  entryAt(id: string, revision: number): Representation | undefined {
    const entry = revision >= this.#store.revision ? this.#store.get(id)?.entry : this.#store.entryAt(id, revision);
    return entry ? new Representation(formatPublishedEntry(entry)) : undefined;
  }

  /** One entry, formatted as the static /checkpoints/<id>.json is; undefined for an unknown id. */
  entry(id: string): Representation | undefined {
    const current = this.#store.get(id)?.entry;
    if (!current) return undefined;
    let cached = this.#entries.get(id);
    if (cached?.entry !== current) {
      cached = { entry: current, document: new Representation(formatPublishedEntry(current)) };
      this.#entries.set(id, cached);
    }
    return cached.document;
  }
}
