import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  writeFileAtomic
} from "./chunk-XQRVDLC4.js";
import {
  CliError,
  defineCommand,
  entryJsonSchema,
  formatJson,
  jsonOption,
  schemaFileNames,
  schemaVersion
} from "./chunk-STXQ2W3N.js";

// tooling/commands/schema.ts
import { join as join2 } from "node:path";

// src/contract/schema-snapshot.ts
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// src/contract/migrations.ts
var migrations = {};

// src/contract/schema-diff.ts
function resolve(root, node) {
  const ref = node.$ref;
  if (typeof ref !== "string") return { node };
  const name = ref.replace(/^#\/\$defs\//, "");
  const target = root.$defs?.[name];
  if (!target) throw new Error(`unresolvable $ref ${ref}`);
  return { node: target, ref };
}
function types(node) {
  const t = node.type;
  const list = Array.isArray(t) ? t : typeof t === "string" ? [t] : [];
  return new Set(list);
}
function branches(node) {
  return node.anyOf ?? node.oneOf;
}
function signature(root, node) {
  const { node: n, ref } = resolve(root, node);
  return ref ?? [...types(n)].sort().join("|");
}
var lowerBounds = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];
var upperBounds = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];
var exactConstraints = ["pattern", "format", "const"];
function findBreakingChanges(oldRoot, newRoot) {
  const changes = [];
  const walking = /* @__PURE__ */ new Set();
  const add = (kind, path, message) => changes.push({ kind, path: path || "(root)", message });
  function walk(oldIn, newIn, path) {
    const o = resolve(oldRoot, oldIn);
    const n = resolve(newRoot, newIn);
    const refKey = o.ref || n.ref ? `${o.ref}->${n.ref}` : void 0;
    if (refKey) {
      if (walking.has(refKey)) return;
      walking.add(refKey);
    }
    try {
      compare(o.node, n.node, path);
    } finally {
      if (refKey) walking.delete(refKey);
    }
  }
  function compare(oldNode, newNode, path) {
    const oldBranches = branches(oldNode);
    const newBranches = branches(newNode);
    if (oldBranches || newBranches) {
      const candidates = newBranches ?? [newNode];
      for (const branch of oldBranches ?? [oldNode]) {
        const match = candidates.find((c) => signature(newRoot, c) === signature(oldRoot, branch));
        if (match) walk(branch, match, path);
        else add("narrowed-type", path, `no longer accepts ${signature(oldRoot, branch) || "one of its former alternatives"}`);
      }
      return;
    }
    const oldTypes = types(oldNode);
    const newTypes = types(newNode);
    if (newTypes.size > 0) {
      for (const t of oldTypes) {
        const stillAccepted = newTypes.has(t) || t === "integer" && newTypes.has("number");
        if (!stillAccepted) add("narrowed-type", path, `type ${t} is no longer accepted (now ${[...newTypes].join(" | ")})`);
      }
      if (oldTypes.size === 0) add("narrowed-type", path, `any value was accepted, now only ${[...newTypes].join(" | ")}`);
    }
    if (Array.isArray(newNode.enum)) {
      const oldValues = Array.isArray(oldNode.enum) ? oldNode.enum : void 0;
      if (!oldValues) add("narrowed-type", path, `now limited to ${JSON.stringify(newNode.enum)}`);
      else for (const v of oldValues) if (!newNode.enum.includes(v)) add("removed-enum-value", path, `enum value ${JSON.stringify(v)} was removed`);
    }
    for (const key of lowerBounds) {
      const before = oldNode[key];
      const after = newNode[key];
      if (after !== void 0 && (before === void 0 || after > before)) add("narrowed-constraint", path, `${key} raised from ${before ?? "none"} to ${after}`);
    }
    for (const key of upperBounds) {
      const before = oldNode[key];
      const after = newNode[key];
      if (after !== void 0 && (before === void 0 || after < before)) add("narrowed-constraint", path, `${key} lowered from ${before ?? "none"} to ${after}`);
    }
    for (const key of exactConstraints) {
      const before = oldNode[key];
      const after = newNode[key];
      if (after !== void 0 && JSON.stringify(before) !== JSON.stringify(after)) {
        add("narrowed-constraint", path, `${key} changed from ${JSON.stringify(before) ?? "none"} to ${JSON.stringify(after)}`);
      }
    }
    const oldProps = oldNode.properties ?? {};
    const newProps = newNode.properties ?? {};
    const oldRequired = new Set(oldNode.required ?? []);
    const join3 = (key) => path ? `${path}.${key}` : key;
    for (const [key, schema] of Object.entries(oldProps)) {
      const next = newProps[key];
      if (!next) add("removed-field", join3(key), "field was removed");
      else walk(schema, next, join3(key));
    }
    for (const key of newNode.required ?? []) {
      if (oldRequired.has(key)) continue;
      if (key in oldProps) add("made-required", join3(key), "optional field made required");
      else add("made-required", join3(key), "new required field (new fields must be optional)");
    }
    const oldExtra = oldNode.additionalProperties;
    const newExtra = newNode.additionalProperties;
    if (newExtra === false && oldExtra !== false) add("closed-object", path, "no longer accepts extra fields");
    else if (typeof oldExtra === "object" && typeof newExtra === "object") walk(oldExtra, newExtra, `${path}.*`);
    if (typeof oldNode.propertyNames === "object" && typeof newNode.propertyNames === "object") {
      walk(oldNode.propertyNames, newNode.propertyNames, `${path}{key}`);
    } else if (newNode.propertyNames !== void 0 && oldNode.propertyNames === void 0) {
      add("narrowed-constraint", `${path}{key}`, "keys are now restricted");
    }
    if (typeof oldNode.items === "object" && typeof newNode.items === "object") walk(oldNode.items, newNode.items, `${path}[]`);
  }
  walk(oldRoot, newRoot, "");
  return changes;
}

// src/contract/schema-snapshot.ts
var kinds = ["authoring", "consuming"];
function generatedSchemas() {
  return { authoring: entryJsonSchema("authoring"), consuming: entryJsonSchema("consuming") };
}
function readSnapshot(schemaDir, atMost) {
  if (!existsSync(schemaDir)) return void 0;
  const versions = readdirSync(schemaDir).map((name) => /^v(\d+)$/.exec(name)?.[1]).filter((v) => v !== void 0).map(Number).filter((v) => v <= atMost).sort((a, b) => b - a);
  const version = versions[0];
  if (version === void 0) return void 0;
  const read = (kind) => JSON.parse(readFileSync(join(schemaDir, `v${version}`, schemaFileNames[kind]), "utf8"));
  return { version, schemas: { authoring: read("authoring"), consuming: read("consuming") } };
}
function assessSchemaChange(input) {
  const { previous, current } = input;
  if (!previous) return { status: "new-version", previousVersion: void 0, breaking: [], message: `no published schema yet: v${current.version} will be the first` };
  if (current.version > previous.version) {
    const missing = [];
    for (let v = previous.version + 1; v <= current.version; v++) if (!input.migrationVersions.includes(v)) missing.push(v);
    if (missing.length > 0) {
      return {
        status: "breaking",
        previousVersion: previous.version,
        breaking: [],
        message: `schemaVersion went from ${previous.version} to ${current.version} without a migration to ${missing.join(", ")} in src/contract/migrations.ts`
      };
    }
    return { status: "new-version", previousVersion: previous.version, breaking: [], message: `schemaVersion ${current.version} with migrations from ${previous.version}` };
  }
  const breaking = kinds.flatMap(
    (kind) => findBreakingChanges(previous.schemas[kind], current.schemas[kind]).map((change) => ({ ...change, schema: kind }))
  );
  if (breaking.length > 0) {
    const lines = breaking.map((b) => `  ${b.schema} ${b.path}: ${b.message} [${b.kind}]`);
    return {
      status: "breaking",
      previousVersion: previous.version,
      breaking,
      message: `the contract changed in ways that break existing entries or readers of schema v${previous.version}:
${lines.join("\n")}
Make the change compatible (new fields optional, keep enum values and fields), or bump schemaVersion and add a migration.`
    };
  }
  const same = kinds.every((kind) => JSON.stringify(previous.schemas[kind]) === JSON.stringify(current.schemas[kind]));
  return same ? { status: "current", previousVersion: previous.version, breaking: [], message: `schema v${current.version} matches the published snapshot` } : { status: "compatible-change", previousVersion: previous.version, breaking: [], message: `the contract changed compatibly; refresh the snapshot with \`npm run schema:update\`` };
}
function assessRepositorySchema(schemaDir) {
  return assessSchemaChange({
    previous: readSnapshot(schemaDir, schemaVersion),
    current: { version: schemaVersion, schemas: generatedSchemas() },
    migrationVersions: Object.keys(migrations).map(Number)
  });
}

// tooling/commands/schema.ts
var schema_default = defineCommand({
  name: "schema",
  summary: "Check the contract against the published JSON Schemas in schema/, or refresh them (--update).",
  description: "Without options: compares the JSON Schemas generated from the Zod contract with the committed snapshot of\nthe same schemaVersion and fails on any change that breaks existing entries or readers. --update writes\nthe generated schemas, refusing a breaking change unless schemaVersion was bumped with a migration.",
  options: {
    update: { type: "boolean", description: "write schema/v<N>/ from the contract" },
    dir: { type: "string", valueName: "DIR", description: "folder of schema snapshots", default: "schema" },
    json: jsonOption
  },
  async run({ options, out, log }) {
    const dir = options.dir;
    const assessment = assessRepositorySchema(dir);
    if (options.json) out(JSON.stringify(assessment, null, 2));
    if (assessment.status === "breaking") throw new CliError(assessment.message);
    if (options.update) {
      const schemas = generatedSchemas();
      for (const kind of ["authoring", "consuming"]) {
        await writeFileAtomic(join2(dir, `v${schemaVersion}`, schemaFileNames[kind]), formatJson(schemas[kind]));
      }
      log(`schema: wrote ${join2(dir, `v${schemaVersion}`)}/ (${assessment.message})`);
      return 0;
    }
    log(`schema: ${assessment.message}`);
    return assessment.status === "current" ? 0 : 1;
  }
});
export {
  schema_default as default
};
