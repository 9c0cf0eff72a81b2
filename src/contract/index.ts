// The contract's public surface: one export per part of an entry and the functions that check documents
// against it. The tools' result records are in records/, imported where they are used.
export * from "./common.ts";
export * from "./compatibility.ts";
export * from "./compatibility-rule.ts";
export * from "./configuration.ts";
export * from "./constants.ts";
export * from "./display.ts";
export * from "./duration.ts";
export * from "./entry.ts";
export * from "./evidence.ts";
export * from "./infrastructure.ts";
export * from "./inputs.ts";
export * from "./json-schema.ts";
export * from "./level-types.ts";
export * from "./model.ts";
export * from "./outputs.ts";
export * from "./parse.ts";
export * from "./pickle.ts";
export * from "./provenance.ts";
export * from "./publication.ts";
export * from "./qube.ts";
export * from "./requirements.ts";
export * from "./source.ts";
export * from "./sources.ts";
export * from "./timestep.ts";
export * from "./variable.ts";
