import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  loadEntries
} from "./chunk-PIT64DJA.js";
import {
  deriveStatus,
  isKnownStatusRule
} from "./chunk-32NUYPAV.js";

// src/registry/cross-checks.ts
function checkIdCollisions(entries, problems) {
  const byLower = /* @__PURE__ */ new Map();
  for (const e of entries) {
    const other = byLower.get(e.id.toLowerCase());
    if (other) problems.push({ file: e.file, message: `id "${e.id}" differs from "${other.id}" (${other.file}) only in case: both would be one file on macOS and Windows` });
    else byLower.set(e.id.toLowerCase(), e);
  }
}
function checkVariants(entries, byId, ids, problems) {
  for (const e of entries) {
    for (const [i, variant] of (e.entry.variants ?? []).entries()) {
      const path = `variants[${i}]`;
      const other = byId.get(variant);
      if (variant === e.id) problems.push({ file: e.file, path, message: "an entry cannot be its own variant", found: JSON.stringify(variant) });
      else if (!other && ids.has(variant)) continue;
      else if (!other) problems.push({ file: e.file, path, message: "variant names no entry", expected: "the id of an entry in this folder", found: JSON.stringify(variant) });
      else if (!(other.entry.variants ?? []).includes(e.id)) {
        problems.push({ file: e.file, path, message: `variants must be listed on both sides: add "${e.id}" to the variants of ${other.file}`, found: JSON.stringify(variant) });
      }
    }
  }
}
function areVariants(a, b) {
  return (a.entry.variants ?? []).includes(b.id) || (b.entry.variants ?? []).includes(a.id);
}
function checkDuplicateFiles(entries, problems) {
  const seen = /* @__PURE__ */ new Map();
  for (const e of entries) {
    const keys = [["source.url", `url ${e.entry.source.url}`]];
    for (const [i, mirror] of (e.entry.source.mirrors ?? []).entries()) keys.push([`source.mirrors[${i}]`, `url ${mirror}`]);
    if (e.entry.source.sha256) keys.push(["source.sha256", `sha256 ${e.entry.source.sha256}`]);
    for (const [path, key] of keys) {
      const first = seen.get(key);
      if (!first) seen.set(key, { entry: e, path });
      else if (first.entry !== e && !areVariants(first.entry, e)) {
        problems.push({
          file: e.file,
          path,
          message: `same ${key.split(" ")[0]} as ${first.entry.file} (${first.path}); entries for one checkpoint file must list each other in "variants"`,
          found: JSON.stringify(key.slice(key.indexOf(" ") + 1))
        });
      }
    }
  }
}
function checkStatuses(entries, problems) {
  for (const e of entries) {
    for (const [platform, record] of Object.entries(e.entry.compatibility ?? {})) {
      const path = `compatibility[${JSON.stringify(platform)}]`;
      if (!isKnownStatusRule(record.statusRule)) {
        problems.push({ file: e.file, path: `${path}.statusRule`, message: "unknown status rule", expected: "1", found: String(record.statusRule) });
        continue;
      }
      const derived = deriveStatus(record.evidence, record.statusRule);
      if (derived !== record.status) {
        problems.push({
          file: e.file,
          path: `${path}.status`,
          message: `status does not follow from the evidence under rule ${record.statusRule} (run update-metadata, or fix the evidence)`,
          expected: JSON.stringify(derived),
          found: JSON.stringify(record.status)
        });
      }
    }
  }
}
function crossCheck(entries, ids = new Set(entries.map((e) => e.id))) {
  const problems = [];
  const byId = new Map(entries.map((e) => [e.id, e]));
  checkIdCollisions(entries, problems);
  checkVariants(entries, byId, ids, problems);
  checkDuplicateFiles(entries, problems);
  checkStatuses(entries, problems);
  return problems;
}

// src/registry/validate.ts
async function validateEntries(entriesDir) {
  const { files, ids, entries, problems } = await loadEntries(entriesDir);
  problems.push(...crossCheck(entries, ids));
  problems.sort((a, b) => a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  return { files, entries, problems };
}
var RegistryInvalidError = class extends Error {
  problems;
  constructor(entriesDir, problems) {
    super(`${problems.length} problem${problems.length === 1 ? "" : "s"} in ${entriesDir}`);
    this.problems = problems;
  }
};
async function loadValidEntries(entriesDir) {
  const { entries, problems } = await validateEntries(entriesDir);
  if (problems.length > 0) throw new RegistryInvalidError(entriesDir, problems);
  return entries;
}

export {
  crossCheck,
  validateEntries,
  RegistryInvalidError,
  loadValidEntries
};
