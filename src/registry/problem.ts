// A problem found in an entry file, located as precisely as we can: file, line:column, JSON path.
import { formatProblem, type ContractProblem } from "../contract/problem.ts";
import { RegistryError } from "../errors.ts";

export interface Problem extends Partial<ContractProblem> {
  /** The entry file, relative to the working directory when possible. */
  file: string;
  message: string;
  line?: number;
  column?: number;
}

export function formatRegistryProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  if (p.path !== undefined) return `${where}: ${formatProblem({ ...p, path: p.path })}`;
  return `${where}: ${p.message}`;
}

/** Problems that stop a command: each is printed located, the message says where and how many. */
export class RegistryInvalidError extends RegistryError {
  readonly problems: Problem[];
  constructor(where: string, problems: Problem[]) {
    super(`${problems.length} problem${problems.length === 1 ? "" : "s"} in ${where}`);
    this.problems = problems;
  }
}
