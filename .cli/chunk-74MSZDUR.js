import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatProblem
} from "./chunk-32NUYPAV.js";

// src/registry/problem.ts
function formatRegistryProblem(p) {
  const where = p.line !== void 0 ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  if (p.path !== void 0) return `${where}: ${formatProblem({ ...p, path: p.path })}`;
  return `${where}: ${p.message}`;
}

export {
  formatRegistryProblem
};
