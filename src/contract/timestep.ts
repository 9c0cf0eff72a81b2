// FIAB's duration notation as a contract field; its parser and formatter are duration.ts.
import { z } from "zod";

// The published pattern (JSON Schema) still accepts the older forms ("1d", "1h30m"), so that entries written
// with them stay valid; the tools write one unit only, and validate warns about the older forms.
const pattern = /^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/;

export const timestep = z
  .string()
  .regex(pattern, 'a duration such as "6h", "24h", "90m" or "30s"')
  .describe(
    'A duration in FIAB\'s notation: one number and one unit, "<n>h" for whole hours, else "<n>m", else "<n>s" (e.g. "6h", "24h", "90m"), as FIAB\'s runtime (earthkit-data\'s to_timedelta) parses it. Older forms ("1d", "1h30m") are still read, and published in FIAB\'s views in the one-unit form.',
  );
