// A progress bar on stderr for long work, drawn only when stderr is a terminal (logs stay clean).
export interface Progress {
  update(done: number): void;
  finish(): void;
}

const silent: Progress = { update() {}, finish() {} };

function human(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function byteProgress(label: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silent;
  let last = 0;
  const draw = (done: number) => {
    const width = 30;
    const share = total ? Math.min(1, done / total) : 0;
    const bar = total ? `[${"#".repeat(Math.round(share * width)).padEnd(width)}] ${(share * 100).toFixed(0).padStart(3)}% ` : "";
    stream.write(`\r${label} ${bar}${human(done)}${total ? ` / ${human(total)}` : ""}\x1b[K`);
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(done);
    },
    finish() {
      stream.write("\r\x1b[K");
    },
  };
}
