// Where a JSON path ("inputs.datasets[0].grid", 'compatibility["linux-x86_64-cuda"].status') is in a JSON
// text: the line and column of its key (or array element), for annotations on the line a reviewer edits. A
// path that does not exist (a missing required field) points at the nearest part of it that does.

type Key = string | number;

/** The keys of a path as formatPath writes it; undefined when it is not such a path. */
export function parsePath(path: string): Key[] | undefined {
  if (path === "(root)" || path === "") return [];
  const keys: Key[] = [];
  const token = /\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  while (token.lastIndex < path.length) {
    const at = token.lastIndex;
    const match = token.exec(path);
    if (!match || (at === 0 && match[0].startsWith("."))) return undefined;
    keys.push(match[1] ?? (match[2] !== undefined ? Number(match[2]) : (JSON.parse(match[3]!) as string)));
  }
  return keys;
}

class Scanner {
  i = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  ws(): void {
    while (/\s/.test(this.text[this.i] ?? "")) this.i++;
  }
  string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.text.length && this.text[this.i] !== '"') this.i += this.text[this.i] === "\\" ? 2 : 1;
    this.i++;
    return JSON.parse(this.text.slice(start, this.i)) as string;
  }
  skipValue(): void {
    this.ws();
    const c = this.text[this.i];
    if (c === '"') return void this.string();
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      this.i++;
      for (this.ws(); this.text[this.i] !== close && this.i < this.text.length; this.ws()) {
        if (c === "{") {
          this.string();
          this.ws();
          this.i++; // the colon
        }
        this.skipValue();
        this.ws();
        if (this.text[this.i] === ",") this.i++;
      }
      this.i++;
      return;
    }
    while (this.i < this.text.length && !/[\s,\]}]/.test(this.text[this.i]!)) this.i++;
  }
  /** Offset of the key or element at `path` inside the value here, or of the deepest part of it found. */
  find(path: readonly Key[], here: number): number {
    this.ws();
    const [first, ...rest] = path;
    const c = this.text[this.i];
    if (first === undefined || (c !== "{" && c !== "[")) return here;
    this.i++;
    for (let index = 0; ; index++) {
      this.ws();
      if (this.i >= this.text.length || this.text[this.i] === "}" || this.text[this.i] === "]") return here;
      const at = this.i;
      const key = c === "{" ? this.string() : index;
      if (c === "{") {
        this.ws();
        this.i++;
      }
      if (key === first) return this.find(rest, at);
      this.skipValue();
      this.ws();
      if (this.text[this.i] === ",") this.i++;
    }
  }
}

/** 1-based line and column of `path` in `text`; line 1 when the text does not parse that far. */
export function locateJsonPath(text: string, path: string): { line: number; column: number } {
  const keys = parsePath(path) ?? [];
  let offset = 0;
  try {
    offset = new Scanner(text).find(keys, 0);
  } catch {
    offset = 0;
  }
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}
