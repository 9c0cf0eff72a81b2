// Checkpoint pages written as a folder's entries pass the contract, one at a time: a page names each of its
// variants' builds, so it is written once its own entry and every variant's entry have passed, or at the end
// for a variant that never does (its page then names the variant by its id).
import type { LoadedEntry } from "../../registry/entries.ts";
import type { ReadyPage } from "../entries.ts";
import { checkpointPageIn } from "./page.ts";

export class PagesAsEntriesPass {
  readonly #entriesDir: string;
  readonly #site: URL | undefined;
  readonly #passed = new Map<string, LoadedEntry>();
  // Entries waiting for variants, by the variant awaited, and how many each still awaits.
  readonly #awaitedBy = new Map<string, LoadedEntry[]>();
  readonly #missing = new Map<LoadedEntry, number>();

  constructor(entriesDir: string, site: URL | undefined) {
    this.#entriesDir = entriesDir;
    this.#site = site;
  }

  /** The pages that `entry` passing completes: its own, and those that waited only for it. */
  pass(entry: LoadedEntry): ReadyPage[] {
    this.#passed.set(entry.id, entry);
    const ready: ReadyPage[] = [];
    const awaited = (entry.entry.variants ?? []).filter((v) => !this.#passed.has(v));
    for (const v of awaited) this.#awaitedBy.set(v, [...(this.#awaitedBy.get(v) ?? []), entry]);
    if (awaited.length > 0) this.#missing.set(entry, awaited.length);
    else ready.push(this.#write(entry));
    for (const waiting of this.#awaitedBy.get(entry.id) ?? []) {
      const left = this.#missing.get(waiting)! - 1;
      if (left > 0) this.#missing.set(waiting, left);
      else {
        this.#missing.delete(waiting);
        ready.push(this.#write(waiting));
      }
    }
    this.#awaitedBy.delete(entry.id);
    return ready;
  }

  /** The pages still waiting for a variant that never passed. */
  rest(): ReadyPage[] {
    const ready = [...this.#missing.keys()].map((e) => this.#write(e));
    this.#missing.clear();
    this.#awaitedBy.clear();
    return ready;
  }

  #write({ id, entry }: LoadedEntry): ReadyPage {
    return { id, page: checkpointPageIn(this.#entriesDir, id, entry, (v) => this.#passed.get(v)?.entry, this.#site) };
  }
}
