// Where the repository and its test fixtures are (usable outside vitest, e.g. by benchmarks).
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const fixture = (path: string) => join(repoRoot, "tests", "fixtures", path);
