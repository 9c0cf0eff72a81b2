// FIAB's duration notation: the one parser and formatter of time steps, used wherever one is read or written
// (the contract field is timestep.ts). Without Zod, for the tools that only read.
//
// Written: one unit only, "<n>h" for whole hours, else "<n>m" for whole minutes, else "<n>s" ("24h", "90m"),
// because FIAB's runtime reads the time step with earthkit-data's to_timedelta, which takes a number and one
// unit of s, m or h and raises on "1d" or "1h30m" (src/fiab/runtime-rules.ts holds that rule).
// Read: also the older forms this registry wrote before, with days and several units ("1d", "1h30m").

const parts = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in a duration such as "6h", "90m" or, written before, "1d" or "1h30m"; undefined when the text is not one. */
export function timestepSeconds(text: string): number | undefined {
  const m = parts.exec(text);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3_600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

/** The written form of a positive whole number of seconds: 86400 -> "24h", 5400 -> "90m", 45 -> "45s". */
export function formatTimestep(seconds: number): string | undefined {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return undefined;
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** A duration in any form this module reads, in the written form ("1d" -> "24h"); undefined when it is none or zero. */
export function canonicalTimestep(text: string): string | undefined {
  const seconds = timestepSeconds(text);
  return seconds === undefined ? undefined : formatTimestep(seconds);
}
