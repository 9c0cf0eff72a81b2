// A problem found in a document checked against the contract, and how it is written for people: path,
// what was expected, what was found. No Zod here, so that reporting costs nothing to load.

import { formatPath } from "../text/json-path.ts";

export { formatPath };

export interface ContractProblem {
  /** JSON path, e.g. "source.url" or "compatibility.linux-x86_64-cuda.evidence[0].date". */
  path: string;
  message: string;
  expected?: string;
  found?: string;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function formatProblem(p: ContractProblem): string {
  const parts = [`${p.path}: ${p.message}`];
  if (p.expected) parts.push(`expected ${p.expected}`);
  if (p.found !== undefined) parts.push(`found ${p.found}`);
  return parts.join("; ");
}
