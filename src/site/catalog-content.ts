// What the catalog page shows of the entries: each one's item for the browser's search, facets and sorting, and
// the cards in their first order. A build's publish thread makes it beside the validation, so the rendering
// thread never holds the entries; the dev server makes it on request.
import type { LoadedEntry } from "../registry/entries.ts";
import { catalogCard } from "./catalog-card.ts";
import { catalogItem, type ClientItem } from "./catalog-item.ts";
import { emptyState } from "./catalog-state.ts";
import { catalogView } from "./catalog-view.ts";
import { entryHistory } from "./entry-history.ts";
import { glanceItems, ioVariables } from "./qube-variables.ts";

export interface CatalogContent {
  clients: ClientItem[];
  /** Every card's markup, in the order of the catalog with no search or filter. */
  cards: string;
}

export function catalogContent(entries: readonly LoadedEntry[], entriesDir: string): CatalogContent {
  const items = entries.map(({ id, entry }) => catalogItem(id, entry));
  const byId = new Map(items.map((i) => [i.id, i]));
  const clients = items.map((i) => i.client);
  const cards = catalogView(clients, emptyState()).shown.map((id) => {
    const item = byId.get(id)!;
    const inputs = ioVariables(item.entry.inputs);
    const outputs = ioVariables(item.entry.outputs);
    return catalogCard({
      item,
      // Each other build in words ("flash-attention 2 (aarch64)"), as its own card names it.
      variants: (item.entry.variants ?? []).map((v) => ({ id: v, label: byId.get(v)?.build.label ?? v })),
      updated: entryHistory(entriesDir, id)[0]?.date,
      io: [
        { label: "in", items: inputs ? glanceItems(inputs.datasets) : undefined },
        { label: "out", items: outputs ? glanceItems(outputs.datasets) : undefined },
      ],
    }).text;
  });
  return { clients, cards: cards.join("") };
}
