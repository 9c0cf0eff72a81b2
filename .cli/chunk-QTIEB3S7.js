import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/fiab/configuration-keys.ts
var configurationKeys = [
  ["pre_processors", "preProcessors"],
  ["post_processors", "postProcessors"],
  ["control_options", "controlOptions"],
  ["input_options", "inputOptions"],
  ["nested_model", "nestedModel"],
  ["region_of_interest", "regionOfInterest"]
];

export {
  configurationKeys
};
