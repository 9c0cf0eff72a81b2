// Sizes and counts as people read them, without the locale (toLocaleString, Intl), so that output is the
// same on every machine.

const byteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] as const;

/** A size in IEC units with three significant digits, e.g. 1449403913 -> "1.35 GiB". */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "unknown";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} B`;
  let text = value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
  // 1023.996 KiB rounds to "1024": say "1.00 MiB" instead.
  if (Number(text) >= 1024 && unit < byteUnits.length - 1) {
    unit += 1;
    text = (Number(text) / 1024).toFixed(2);
  }
  return `${text} ${byteUnits[unit]}`;
}

/** An integer with thousands separators, e.g. 188732703 -> "188,732,703". */
export function groupDigits(value: number): string {
  const [whole = "", fraction] = String(value).split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}
