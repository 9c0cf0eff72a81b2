// Markup built as a string rather than by Astro's templates: the maps drawn as SVG, the sitemap, the checkpoint
// pages and the catalog's cards, where Astro's renderer cost several times what a template string does
// (docs/benchmarks.md, "Catalog"). Interpolated values are text and are escaped, as Astro escapes them.

const entities: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const special = /[&<>"']/;
const specials = /[&<>"']/g;

/** Text made safe as the content of an element or of a quoted attribute, in HTML, SVG and XML alike. */
export function escapeMarkup(text: string): string {
  // Most texts have nothing to escape: one search, and the text itself.
  return special.test(text) ? text.replace(specials, (c) => entities[c]!) : text;
}

/** Markup, not text: `markup` inserts it as it is. Its `text` goes to Astro's `set:html`. */
export class Markup {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export type MarkupPart = Markup | string | number | boolean | null | undefined | readonly MarkupPart[];

function append(out: string, part: MarkupPart): string {
  if (typeof part === "string") return out + escapeMarkup(part);
  if (part instanceof Markup) return out + part.text;
  if (typeof part === "number") return out + String(part);
  if (Array.isArray(part)) {
    for (const item of part as readonly MarkupPart[]) out = append(out, item);
    return out;
  }
  return out;
}

/**
 * A template of markup: each interpolated value is written as escaped text, except Markup (a nested template),
 * which is written as it is; an array writes each item, and `false`, `true`, `null` and `undefined` write
 * nothing, so `${cond && markup`...`}` reads as it does in Astro. (Not named `html`: Prettier would reformat
 * the template's markup, and with it the bytes it writes.)
 */
export function markup(strings: TemplateStringsArray, ...values: readonly MarkupPart[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out = append(out, values[i]) + strings[i + 1]!;
  return new Markup(out);
}
