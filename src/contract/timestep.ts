// FIAB's duration notation as a contract field; its parser and formatter are duration.ts.
import { z } from "zod";

// The published pattern (JSON Schema); duration.ts reads the same notation with its parts captured.
const pattern = /^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/;

export const timestep = z
  .string()
  .regex(pattern, 'a duration such as "6h", "1h30m" or "30m"')
  .describe('A duration in FIAB\'s notation: days, hours, minutes, seconds, e.g. "6h", "1h30m", "30m".');
