// Problems as GitHub Actions workflow commands (::error file=...,line=...::), which GitHub shows on the line
// of the pull request's diff. Each is placed at the field's line, found in the file's text when the problem
// carries a JSON path rather than a line.
import { readFile } from "node:fs/promises";
import { formatProblem } from "../../src/contract/problem.ts";
import type { Problem } from "../../src/registry/problem.ts";
import { locateJsonPath } from "./json-locate.ts";

// GitHub's escaping: in the message % and line breaks; in a property also : and ,.
const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

export async function githubAnnotations(problems: readonly Problem[], level: "error" | "warning"): Promise<string[]> {
  const texts = new Map<string, Promise<string | undefined>>();
  const textOf = (file: string) => {
    if (!texts.has(file))
      texts.set(
        file,
        readFile(file, "utf8").catch(() => undefined),
      );
    return texts.get(file)!;
  };
  const lines: string[] = [];
  for (const p of problems) {
    let { line, column } = p;
    if (line === undefined && p.path !== undefined) {
      const text = await textOf(p.file);
      if (text !== undefined) ({ line, column } = locateJsonPath(text, p.path));
    }
    const message = p.path !== undefined ? formatProblem({ ...p, path: p.path }) : p.message;
    const where = [`file=${escapeProperty(p.file)}`, ...(line !== undefined ? [`line=${line}`, `col=${column ?? 1}`] : [])];
    lines.push(`::${level} ${where.join(",")},title=${escapeProperty(`registry validate: ${p.path ?? "entry"}`)}::${escapeData(message)}`);
  }
  return lines;
}
