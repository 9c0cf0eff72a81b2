// One checkpoint in the catalog list: a small map of its domain, name and id, what a machine needs to run this
// build, and the facts a person choosing a model compares. Builds of one checkpoint file (variants) carry the
// model's one name with the build in words, and link each other. Every fact not known yet says so. Written
// with `markup`, as the checkpoint page is: 10,000 cards as Astro components took 0.7 s of the build.
import { smallDomainMapSvg } from "../geo/domain-map.ts";
import { acceleratorsByStatus, acceleratorStatusWords } from "../platform/accelerators.ts";
import { markup, Markup } from "../text/markup.ts";
import type { CatalogItem } from "./catalog-item.ts";
import { statusClass } from "./entry-view.ts";
import { facetValueLabel } from "./facets.ts";
import { firstSentence, gpuMemoryText, groupDigits, humanBytes, tagText } from "./format.ts";
import type { GlanceItem } from "./qube-variables.ts";

export interface CatalogCard {
  item: CatalogItem;
  variants: Array<{ id: string; label: string }>;
  io: Array<{ label: string; items: GlanceItem[] | undefined }>;
  updated: string | undefined;
}

export function catalogCard({ item, variants, io, updated }: CatalogCard): Markup {
  const { id, entry, domain, accelerators, architectures, build, timestep } = item;
  const os = entry.infrastructure?.supportedOs;
  const gpu = gpuMemoryText(entry.infrastructure);
  const license = entry.publication?.license;
  const size = entry.source.sizeBytes;
  const fact = (term: Markup | string, description: Markup | string) => markup`<dt>${term}</dt><dd>${description}</dd>`;
  const about = markup`<div><h3 id="${`name-${id}`}"><a href="${`/checkpoints/${id}/`}">${entry.display.name}</a>${
    variants.length > 0 && markup`<span class="muted"> · ${build.label}</span>`
  }</h3><p class="id">${id}</p><p class="fit-note" hidden></p><p class="small">by ${entry.display.author || "an author not yet named"}${Object.entries(
    entry.tags ?? {},
  ).map(
    ([k, v]) => markup`<span class="badge tag">${tagText(k, v)}</span>`,
  )}${license && markup`<span class="badge">${license === "NOASSERTION" ? "no license published" : license}</span>`}${
    updated && markup`<span class="muted"> · updated ${updated}</span>`
  }</p>${entry.display.description && markup`<p class="small">${firstSentence(entry.display.description)}</p>`}${
    (variants.length > 0 || build.label.startsWith("flash")) && markup`<p class="build"><strong>Needs:</strong> ${build.needs}</p>`
  }${
    variants.length > 0 &&
    markup`<p class="variants">Other builds of this model: ${variants.map((v, i) => markup`${i > 0 && " · "}<a href="${`/checkpoints/${v.id}/`}" title="${v.id}">${v.label}</a>`)}</p>`
  }</div>`;
  const facts = markup`${fact("Domain", domain.text)}${fact("Grid spacing", domain.resolutionText ?? "not yet known")}${fact(
    "Type, step",
    markup`${entry.model?.task ? facetValueLabel("task", entry.model.task) : "type not yet known"} · ${timestep ?? "step not yet known"}${
      entry.model?.forecastRange && ` to ${entry.model.forecastRange}`
    }`,
  )}${fact("Runs on", `${os ? os.map((o) => facetValueLabel("os", o)).join(", ") : "OS not stated"}${architectures ? `, ${architectures.join(", ")} only` : ""}`)}${fact(
    "Accelerators",
    accelerators.length === 0
      ? "not yet known"
      : markup`${acceleratorsByStatus(accelerators).map((g) => markup`<span class="${`badge ${statusClass(g.status)}`}">${g.names.join(", ")}: ${acceleratorStatusWords(g.status)}</span>`)}`,
  )}${fact("GPU memory", gpu.rule ? markup`<span title="${gpu.rule}">${gpu.text}</span>` : gpu.text)}${fact(
    "Size",
    size === undefined ? "not yet known" : markup`<span title="${`${groupDigits(size)} bytes`}">${humanBytes(size)}</span>`,
  )}${fact(
    markup`<abbr title="Per level type: params × levels, or the number of params when they have no levels">In / out</abbr>`,
    markup`${io.map(
      (x, n) =>
        markup`${n > 0 && " · "}<span class="muted">${x.label}</span> ${
          x.items
            ? x.items.map(
                (it, i) => markup`${i > 0 && "; "}${it.dataset !== undefined && markup`<span class="mono">${it.dataset}:</span>`} ${it.parts.join(" · ")}`,
              )
            : "not yet known"
        }`,
    )}`,
  )}`;
  const map = new Markup(smallDomainMapSvg({ kind: domain.kind, bounds: domain.bounds }, domain.text));
  return markup`<li class="entry" id="${`entry-${id}`}"><article aria-labelledby="${`name-${id}`}">${map}${about}<dl>${facts}</dl></article></li>`;
}
