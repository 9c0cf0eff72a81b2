// One checkpoint's page, below the site's frame: what it is and where it runs at a glance with its domain map,
// how to use it, then every field of its entry. What the entry does not say yet is listed once, with the
// commands that fill it. Written with `markup` rather than as Astro components: at 10,000 entries Astro's
// renderer took 0.8 ms a page for it, `markup` about 0.1 ms (docs/benchmarks.md, "Catalog").
import type { Entry, PickleSummary, Provenance, Requirements, Source } from "../../contract/index.ts";
import { fiabFieldsOf } from "../../fiab/export.ts";
import { fiabContracts } from "../../fiab/store-contract.ts";
import { domainMapSvg, globalMapPath } from "../../geo/domain-map.ts";
import { gridSample } from "../../geo/grid-points.ts";
import { acceleratorName, acceleratorStatusWords } from "../../platform/accelerators.ts";
import { byCodePoint } from "../../text/code-point-order.ts";
import { markup, Markup } from "../../text/markup.ts";
import { entryFacts, type DomainSummary, type EntryFacts } from "../catalog-item.ts";
import { entryHistory, type EntryChangeRecord } from "../entry-history.ts";
import { sortedTags, statusClass } from "../entry-view.ts";
import { facetValueLabel } from "../facets.ts";
import { compactCount, gpuMemoryText, groupDigits, humanBytes, humanMib, pipInstallLine, prettyJson, tagText } from "../format.ts";
import { unknownFields } from "../unknown-fields.ts";
import { usageOf } from "../usage.ts";
import { compatibilitySection } from "./compatibility.ts";
import { ioSection } from "./io.ts";
import { copyLine, unknownNote, usageSections } from "./usage.ts";

/** Another build of the same checkpoint file, as the page links it. */
export interface VariantLink {
  id: string;
  name: string;
  label: string;
  needs: string;
}

export interface CheckpointPageInput {
  id: string;
  entry: Entry;
  variants: readonly VariantLink[];
  /** The entry's commits, newest first. */
  history: readonly EntryChangeRecord[];
  /** The catalog's public address, for the FIAB store it names. */
  site: URL | undefined;
}

/** What the page's frame needs: plain strings, so that the build's publish thread can hand it over. */
export interface CheckpointPage {
  title: string;
  /** For search results and link previews. */
  description: string;
  /** The markup below the site's header. */
  body: string;
}

/**
 * Entry `id`'s page as the build's publish thread and the dev server write it: its variants found with `lookup`,
 * its history from the git log of `entriesDir`.
 */
export function checkpointPageIn(
  entriesDir: string,
  id: string,
  entry: Entry,
  lookup: (id: string) => Entry | undefined,
  site: URL | undefined,
): CheckpointPage {
  return checkpointPage({ id, entry, variants: variantLinks(entry, lookup), history: entryHistory(entriesDir, id), site });
}

/** Each variant's name and build in words, as its own page names them; `lookup` finds the other entries. */
function variantLinks(entry: Entry, lookup: (id: string) => Entry | undefined): VariantLink[] {
  return (entry.variants ?? []).map((v) => {
    const other = lookup(v);
    const build = other ? entryFacts(v, other).build : undefined;
    return { id: v, name: other?.display.name ?? v, label: build?.label ?? v, needs: build?.needs ?? "" };
  });
}

/** A two-column table of a string map (packages, module versions), in code-point order of the keys. */
function keyValues(map: Record<string, string> | undefined, keyHeader: string, valueHeader: string): Markup | undefined {
  const pairs = Object.entries(map ?? {}).sort(([a], [b]) => byCodePoint(a, b));
  if (pairs.length === 0) return undefined;
  return markup`<div class="table-scroll"><table><thead><tr><th>${keyHeader}</th><th>${valueHeader}</th></tr></thead><tbody>${pairs.map(
    ([k, v]) => markup`<tr><td><code>${k}</code></td><td class="mono break">${v}</td></tr>`,
  )}</tbody></table></div>`;
}

/** A term and its description, for the lists of facts. */
const fact = (term: string, description: Markup | string | number) => markup`<dt>${term}</dt><dd>${description}</dd>`;

const ordinal = (n: number) =>
  `${n}${n % 10 === 2 && n % 100 !== 12 ? "nd" : n % 10 === 3 && n % 100 !== 13 ? "rd" : n % 10 === 1 && n % 100 !== 11 ? "st" : "th"}`;

/**
 * The model's domain on a map drawn at build time, with the facts in words beside it: a limited area on a map
 * centred on it, inline; the globe with a sample of the grid's points, as the file all models on that grid share.
 */
function domainMap(domain: DomainSummary): Markup | undefined {
  const grid = domain.kind === "global" && domain.grids.length === 1 ? domain.grids[0] : undefined;
  const sample = grid === undefined ? undefined : gridSample(grid);
  const svg = domain.kind === "limited-area" ? domainMapSvg({ kind: domain.kind, bounds: domain.bounds, nested: domain.nested }, domain.text) : undefined;
  const caption = `${domain.text}.${sample ? ` Dots: ${sample.step === 1 ? "every point" : `every ${ordinal(sample.step)} point of every ${ordinal(sample.step)} row`} of the ${grid} grid.` : ""}`;
  if (domain.kind === "global")
    return markup`<figure class="map"><img class="domain-map" src="${globalMapPath(grid)}" alt="${domain.text}" width="640" height="360"><figcaption>${caption}</figcaption></figure>`;
  if (svg) return markup`<figure class="map">${new Markup(svg)}<figcaption>${caption}</figcaption></figure>`;
  if (domain.kind === "limited-area") return markup`<p class="muted small">No map yet: the limited area's bounds are not yet read from the checkpoint.</p>`;
  return undefined;
}

function pageHead(p: CheckpointPageInput, item: EntryFacts, usageFiab: boolean, sections: ReadonlyArray<readonly [string, string, boolean]>): Markup {
  const { id, entry, variants, history } = p;
  const { display, publication: pub } = entry;
  const links = (
    [
      ["Model card", pub?.links?.modelCard],
      ["Paper", pub?.links?.paper],
      ["Home page", pub?.links?.homepage],
    ] as const
  ).flatMap(([label, url]) => (url === undefined ? [] : [[label, url] as const]));
  return markup`<div class="page-head"><h1>${display.name}</h1><p><span class="id">${id}</span> · by ${display.author || "an author not yet named"} · <a href="${`/checkpoints/${id}.json`}">raw JSON</a></p><p>${sortedTags(
    entry.tags,
  ).map(([k, v]) => markup`<span class="badge tag">${tagText(k, v)}</span>`)}${
    pub?.license && markup`<span class="badge">${pub.license === "NOASSERTION" ? "No license published" : `License: ${pub.license}`}</span>`
  }${pub?.releaseDate && markup`<span class="badge">Released ${pub.releaseDate}</span>`}${history[0] && markup`<span class="badge">Updated ${history[0].date}</span>`}</p>${
    links.length > 0 && markup`<p>${links.map(([label, url], i) => markup`${i > 0 && " · "}<a href="${url}">${label}</a>`)}</p>`
  }${display.description && markup`<p>${display.description}</p>`}${
    display.comment && markup`<p class="muted"><strong>Note:</strong> ${display.comment}</p>`
  }<p><a class="button primary" href="#use-in-fiab">Use in FIAB</a> <span class="small muted">${
    usageFiab ? "the steps, with the store to add to FIAB's configuration" : "why FIAB cannot offer it yet, and the fix"
  }</span></p><p><strong>This build needs:</strong> ${item.build.needs}${
    variants.length > 0 && markup` Other builds: ${variants.map((v, i) => markup`${i > 0 && " · "}<a href="${`/checkpoints/${v.id}/`}">${v.label}</a>`)}.`
  }</p><nav class="toc" aria-label="Sections">${sections.map(([anchor, label]) => markup`<a href="${`#${anchor}`}">${label}</a>`)}</nav></div>`;
}

function glance(entry: Entry, item: EntryFacts): Markup {
  const { model, source, configuration: conf, infrastructure: infra, requirements: req } = entry;
  const gpuText = gpuMemoryText(infra);
  const facts = markup`${fact("Domain", item.domain.text)}${
    model?.task &&
    fact(
      "Forecast type",
      markup`${facetValueLabel("task", model.task)}${model.anemoiTask && markup`<span class="muted"> (${model.anemoiTask})</span>`}${
        conf?.ensemble?.members !== undefined && `, ${conf.ensemble.members} members`
      }`,
    )
  }${fact("Grid spacing", item.domain.resolutionText ?? "not yet known")}${
    item.timestep && fact("Time step", markup`${item.timestep}${model?.forecastRange && `, run to ${model.forecastRange}`}`)
  }${
    source.sizeBytes !== undefined &&
    fact("Download size", markup`${humanBytes(source.sizeBytes)} <span class="muted">(${groupDigits(source.sizeBytes)} bytes)</span>`)
  }${infra?.supportedOs && fact("Operating systems", infra.supportedOs.map((o) => facetValueLabel("os", o)).join(", "))}${fact(
    "CPU architecture",
    item.architectures ? `${item.architectures.join(", ")} only` : "any: no platform-specific wheel",
  )}${req?.pythonVersions && fact("Python", `${req.pythonVersions.join(", ")} only`)}${
    item.accelerators.length > 0 &&
    fact(
      "Accelerators",
      markup`${item.accelerators.map((a) => markup`<span class="${`badge ${statusClass(a.status)}`}">${acceleratorName(a.accelerator)}: ${acceleratorStatusWords(a.status)}</span>`)}`,
    )
  }${fact(
    "GPU memory",
    markup`${gpuText.text}${gpuText.source && markup` (<a href="${gpuText.source}">source</a>)`}${
      gpuText.rule && markup`<details><summary>how it was estimated</summary><p class="small">${gpuText.rule}</p></details>`
    }${
      typeof infra?.minimumGpuMemoryMib === "number" &&
      markup`<div class="small muted">FIAB refuses machines with less than ${humanMib(infra.minimumGpuMemoryMib)}.</div>`
    }`,
  )}${infra?.minimumHostMemoryMib !== undefined && fact("Host memory", `at least ${humanMib(infra.minimumHostMemoryMib)}`)}${
    model?.parameterCount !== undefined &&
    fact("Parameters", markup`${compactCount(model.parameterCount)} <span class="muted">(${groupDigits(model.parameterCount)})</span>`)
  }${model?.precision && fact("Training precision", model.precision)}`;
  return markup`<section class="glance" aria-labelledby="glance-title"><div><h2 id="glance-title">At a glance</h2><dl class="facts">${facts}</dl></div>${domainMap(item.domain)}</section>`;
}

function variantsSection(id: string, item: EntryFacts, variants: readonly VariantLink[]): Markup {
  const body =
    variants.length === 0
      ? markup`<p class="muted">None: no other entry uses the same checkpoint file. <a href="${`/compare/?a=${encodeURIComponent(id)}`}">Compare with another checkpoint</a>.</p>`
      : markup`<p class="muted small">Other builds of the same checkpoint file: another attention kernel or another CPU architecture. This one: ${item.build.label}.</p><ul>${variants.map(
          (v) =>
            markup`<li><a href="${`/checkpoints/${v.id}/`}">${v.name}, ${v.label}</a> <span class="muted mono">${v.id}</span>: ${v.needs} <a href="${`/compare/?a=${encodeURIComponent(id)}&b=${encodeURIComponent(v.id)}`}">Compare with this one</a>.</li>`,
        )}</ul>`;
  return markup`<section id="variants"><h2>Variants</h2>${body}</section>`;
}

function requirementsSection(req: Requirements | undefined): Markup {
  const body = !req
    ? markup`<p class="muted">The entry does not say yet (see the note at the top).</p>`
    : markup`${req.pipConstraints && req.pipConstraints.length > 0 && markup`<h3>pip constraints</h3>${copyLine(pipInstallLine(req.pipConstraints))}`}${
        (req.python || req.torch) &&
        markup`<dl class="facts">${req.python && fact("Python at training", req.python)}${req.torch && fact("torch", req.torch)}</dl>`
      }${keyValues(req.packages, "Distribution", "Version")}`;
  return markup`<section id="requirements"><h2>Requirements</h2>${body}</section>`;
}

function configurationSection(conf: NonNullable<Entry["configuration"]>): Markup {
  const jsonBlocks = (
    [
      ["Pre-processors", conf.preProcessors],
      ["Post-processors", conf.postProcessors],
      ["Control options", conf.controlOptions],
      ["Input options", conf.inputOptions],
    ] as const
  ).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0));
  return markup`<section id="configuration"><h2>Configuration</h2><dl class="facts">${
    conf.ensemble !== undefined &&
    fact(
      "Ensemble",
      markup`${conf.ensemble.supported ? "supported" : "not supported"}${conf.ensemble.members !== undefined && `, ${conf.ensemble.members} members`}${
        conf.ensemble.membersPerDevice !== undefined && `, ${conf.ensemble.membersPerDevice} per device in training`
      }`,
    )
  }${conf.nestedModel !== undefined && fact("Nested model", conf.nestedModel ? "yes" : "no")}${
    conf.regionOfInterest !== undefined && fact("Region of interest", conf.regionOfInterest === null ? "none" : markup`<code>${conf.regionOfInterest}</code>`)
  }</dl>${jsonBlocks.map(([label, value]) => markup`<h3>${label}</h3><pre>${prettyJson(value)}</pre>`)}</section>`;
}

function provenanceSection(prov: Provenance): Markup {
  return markup`<section id="provenance"><h2>Provenance</h2><dl class="facts">${prov.anemoiMetadataVersion && fact("Metadata version", prov.anemoiMetadataVersion)}${
    prov.uuid && fact("UUID", markup`<code>${prov.uuid}</code>`)
  }${prov.runId && fact("Run id", markup`<code>${prov.runId}</code>`)}${prov.trainingTimestamp && fact("Written", prov.trainingTimestamp)}${
    prov.python && fact("Python", prov.python)
  }</dl>${keyValues(prov.moduleVersions, "Module", "Version at training")}${keyValues(prov.distributionNames, "Import name", "Distribution")}</section>`;
}

const inlineCodeList = (items: readonly string[]) => markup`<ul class="inline">${items.map((m) => markup`<li><code>${m}</code></li>`)}</ul>`;

function pickleSection(pickle: PickleSummary): Markup {
  return markup`<section id="pickle"><h2>Pickle scan</h2><dl class="facts">${fact("Verdict", markup`<span class="${`badge ${statusClass(pickle.verdict)}`}">${pickle.verdict}</span>`)}${
    pickle.weightsOnlyLoadable !== undefined && fact("weights_only load", pickle.weightsOnlyLoadable ? "possible" : "not possible")
  }${fact("Modules", pickle.modules.length === 0 ? "none" : inlineCodeList(pickle.modules))}${
    pickle.flagged && pickle.flagged.length > 0 && fact("Flagged globals", inlineCodeList(pickle.flagged))
  }</dl><details><summary>All ${pickle.globals.length} globals</summary><pre>${pickle.globals.join("\n")}</pre></details></section>`;
}

function sourceSection(source: Source): Markup {
  return markup`<section id="source"><h2>Source</h2><dl class="facts">${fact("URL", markup`<a href="${source.url}" class="mono break">${source.url}</a>`)}${
    source.sha256 && fact("SHA-256", markup`<code class="break">${source.sha256}</code>`)
  }${source.etag !== undefined && markup`<dt>ETag</dt><dd class="mono break">${source.etag}</dd>`}${
    source.mirrors &&
    source.mirrors.length > 0 &&
    fact("Mirrors", markup`<ul class="plain">${source.mirrors.map((m) => markup`<li><a href="${m}" class="mono break">${m}</a></li>`)}</ul>`)
  }</dl></section>`;
}

function sourcesSection(sources: NonNullable<Entry["sources"]>): Markup {
  return markup`<section id="sources" class="sources"><h2>Sources</h2><p class="small muted">Where the facts no checkpoint holds come from. A fact with no source here is not known.</p><ul>${sources.map(
    (s) =>
      markup`<li><a href="${s.url}">${s.title}</a>${s.accessed && markup`<span class="muted"> (read ${s.accessed})</span>`}: <span class="small">${s.supports.join(", ")}</span>${
        s.note && markup`<div class="small muted">${s.note}</div>`
      }</li>`,
  )}</ul></section>`;
}

function historySection(history: readonly EntryChangeRecord[]): Markup {
  const body =
    history.length === 0
      ? markup`<p class="muted small">Not in this registry's git history yet.</p>`
      : markup`<ul>${history.map((h) => markup`<li><span class="mono">${h.date}</span> <span class="muted mono">${h.commit.slice(0, 8)}</span> ${h.subject}</li>`)}</ul>`;
  return markup`<section id="history" class="history"><h2>History</h2>${body}</section>`;
}

export function checkpointPage(p: CheckpointPageInput): CheckpointPage {
  const { id, entry } = p;
  const { display, source, configuration: conf, provenance: prov, pickle } = entry;
  const item = entryFacts(id, entry);
  const fiab = fiabFieldsOf(entry);
  const usage = usageOf(entry, "missing" in fiab ? [] : fiabContracts, id, p.site);
  const sections = (
    [
      ["use-in-fiab", "use in FIAB", true],
      ["usage", "other ways", true],
      ["variants", "variants", true],
      ["inputs", "inputs", true],
      ["outputs", "outputs", true],
      ["requirements", "requirements", true],
      ["configuration", "configuration", conf !== undefined],
      ["compatibility", "compatibility", true],
      ["provenance", "provenance", prov !== undefined],
      ["pickle", "pickle scan", pickle !== undefined],
      ["source", "source", true],
      ["sources", "sources", entry.sources !== undefined],
      ["history", "history", true],
    ] as const
  ).filter(([, , present]) => present);
  const description = `${display.name} by ${display.author || "an unnamed author"}: ${item.domain.text.toLowerCase()}${item.timestep ? `, ${item.timestep} time step` : ""}${source.sizeBytes !== undefined ? `, ${humanBytes(source.sizeBytes)}` : ""}. Requirements, variables, compatibility and how to run it.`;
  const body = markup`${pageHead(p, item, usage.fiab !== undefined, sections)}${glance(entry, item)}${usageSections(usage, "gaps" in fiab ? fiab.gaps : [])}${unknownNote(
    unknownFields(id, entry),
  )}${variantsSection(id, item, p.variants)}${ioSection("Inputs", "inputs", entry.inputs, "Input steps")}${ioSection("Outputs", "outputs", entry.outputs, "Steps per model step")}${requirementsSection(
    entry.requirements,
  )}${conf && configurationSection(conf)}${compatibilitySection(entry.compatibility)}${prov && provenanceSection(prov)}${pickle && pickleSection(pickle)}${sourceSection(
    source,
  )}${entry.sources && sourcesSection(entry.sources)}${historySection(p.history)}<p class="muted small">All of this comes from <a href="${`/checkpoints/${id}.json`}">/checkpoints/${id}.json</a>.</p>`;
  return { title: `${display.name} (${id})`, description: display.description || description, body: body.text };
}
