// The part of Zod the registry uses, offered as the `z` its modules import, for the bundled command line
// only (tooling/bundle.mjs): `import { z } from "zod"` keeps every member of Zod's namespace (all locales,
// every codec) in the bundle, and loading them was a third of a command's start-up. A member missing here
// fails every test that runs the bundle, so the list cannot silently fall behind the code.
import {
  array,
  boolean,
  config,
  enum as enumOf,
  iso,
  literal,
  looseObject,
  number,
  object,
  record,
  strictObject,
  string,
  toJSONSchema,
  union,
  unknown,
} from "zod";

// A command parses a handful of documents: compiling Zod's fast path (new Function) costs more than it saves.
config({ jitless: true });

export const z = { array, boolean, enum: enumOf, iso, literal, looseObject, number, object, record, strictObject, string, toJSONSchema, union, unknown };
