// The reviewed list is checked when it is read: an edit that names an undefined type, puts a rest argument
// first, writes a pattern that does not compile or defines a type through itself fails with the field named,
// rather than leaving the scan and the loader to read it differently.
import { describe, expect, it } from "vitest";
import { allowlistDocument, allowlistWith } from "../../tooling/pickle/allowlist.ts";
import { parseAllowlist } from "../../tooling/pickle/allowlist-schema.ts";

const edited = (edit: (doc: any) => void) => {
  const doc = structuredClone(allowlistDocument) as any;
  edit(doc);
  return () => parseAllowlist(doc, "allowlist.json");
};

describe("allowlist.json", () => {
  it("is valid as written, and --allow-package adds classes and their own __setstate__", () => {
    expect(parseAllowlist(structuredClone(allowlistDocument), "allowlist.json").version).toBe(2);
    const extended = allowlistWith(["my_models"]);
    expect(extended.classPackages).toHaveProperty("my_models");
    expect(extended.setstate).toHaveProperty(["my_models.*"]);
    expect(() => parseAllowlist(extended, "extended")).not.toThrow();
  });

  it("refuses an edit that breaks it, naming the field", () => {
    expect(edited((d) => (d.callable["torch.Size"].signatures = [["sizes"]]))).toThrow(
      /^allowlist\.json: callable\.torch\.Size\.signatures\[0\]\[0\]: unknown type "sizes"/,
    );
    expect(edited((d) => (d.callable["pathlib.PosixPath"].signatures = [[{ rest: "str" }, "int"]]))).toThrow(
      /signatures\[0\]\[0\]: a rest argument must come last/,
    );
    expect(edited((d) => (d.types["numpy-dtype-spec"].is = { pattern: "(" }))).toThrow(/types\.numpy-dtype-spec\.is: pattern "\(" does not compile/);
    expect(edited((d) => (d.types.ints.is = { anyOf: ["int", "ints"] }))).toThrow(/type "ints" is defined through itself/);
    expect(edited((d) => (d.build.instance.state = "state"))).toThrow(/build\.instance\.state: unknown type "state"/);
    expect(edited((d) => (d.types.codec.is = { anyOf: [{ equals: 1.5 }, "str"] }))).toThrow(/^allowlist\.json: types\.codec\.is/);
    expect(edited((d) => (d.version = 1))).toThrow(/^allowlist\.json: version/);
    expect(edited((d) => (d.callable["builtins.dict"].why = ""))).toThrow(/callable\.builtins\.dict\.why/);
    expect(edited((d) => (d.types["ordered-dict-origin"].is = { record: { __orig_class__: "alias" } }))).toThrow(
      /types\.ordered-dict-origin\.is: unknown type "alias"/,
    );
    expect(edited((d) => (d.types["ordered-dict-origin"].is = { record: {} }))).toThrow(/^allowlist\.json: types\.ordered-dict-origin\.is/);
    expect(edited((d) => (d.types["ordered-dict-origin"].is = { record: { a: "int", b: "int", c: "int", d: "int", e: "int" } }))).toThrow(
      /^allowlist\.json: types\.ordered-dict-origin\.is/,
    );
  });
});
