// Every field of the contract carries a description: the contract page and editors show them.
import { describe, expect, it } from "vitest";
import { entryJsonSchema } from "../../src/contract/index.ts";

type Schema = Record<string, any>;

function undocumented(root: Schema): string[] {
  const missing: string[] = [];
  const seen = new Set<string>();
  const walk = (node: Schema, path: string) => {
    if (node.$ref) {
      if (seen.has(node.$ref)) return;
      seen.add(node.$ref);
      return walk(root.$defs[node.$ref.replace("#/$defs/", "")], path);
    }
    for (const branch of node.anyOf ?? []) walk(branch, path);
    for (const [key, child] of Object.entries<Schema>(node.properties ?? {})) {
      const resolved = child.$ref ? root.$defs[child.$ref.replace("#/$defs/", "")] : child;
      if (!child.description && !resolved.description) missing.push(`${path}${key}`);
      walk(child, `${path}${key}.`);
    }
    if (node.items) walk(node.items, `${path}[].`);
    if (typeof node.additionalProperties === "object") walk(node.additionalProperties, `${path}*.`);
  };
  walk(root, "");
  return missing;
}

describe("the contract", () => {
  it.each(["authoring", "consuming"] as const)("documents every field (%s)", (kind) => {
    expect(undocumented(entryJsonSchema(kind))).toEqual([]);
  });
});
