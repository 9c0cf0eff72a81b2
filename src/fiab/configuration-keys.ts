// FIAB's configuration keys and the entry's names for them.
export const configurationKeys = [
  ["pre_processors", "preProcessors"],
  ["post_processors", "postProcessors"],
  ["control_options", "controlOptions"],
  ["input_options", "inputOptions"],
  ["nested_model", "nestedModel"],
  ["region_of_interest", "regionOfInterest"],
] as const;
