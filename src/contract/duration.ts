// FIAB's duration notation ("6h", "1h30m", "30m", "1d"): the one parser and formatter of it, used wherever a
// time step is read or written (the contract field is timestep.ts). Without Zod, for the tools that only read.

const parts = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in a duration such as "1h30m"; undefined when the text is not one. */
export function timestepSeconds(text: string): number | undefined {
  const m = parts.exec(text);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3_600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

/** FIAB's notation for a positive whole number of seconds: 21600 -> "6h", 5400 -> "1h30m"; days only when whole. */
export function formatTimestep(seconds: number): string | undefined {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return undefined;
  const parts: string[] = [];
  let rest = seconds;
  if (rest % 86_400 === 0) return `${rest / 86_400}d`;
  for (const [unit, size] of [["h", 3_600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("");
}
