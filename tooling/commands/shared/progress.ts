// A progress bar on stderr for long work, drawn only when stderr is a terminal (logs stay clean).
import { humanBytes } from "../../../src/text/numbers.ts";

export interface Progress {
  /** `total` may become known only once the work has started (a download's Content-Length). */
  update(done: number, total?: number): void;
  finish(): void;
}

const silent: Progress = { update() {}, finish() {} };

export function byteProgress(label: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silent;
  let last = 0;
  let known = total;
  const draw = (done: number) => {
    const width = 30;
    const share = known ? Math.min(1, done / known) : 0;
    const bar = known ? `[${"#".repeat(Math.round(share * width)).padEnd(width)}] ${(share * 100).toFixed(0).padStart(3)}% ` : "";
    stream.write(`\r${label} ${bar}${humanBytes(done)}${known ? ` / ${humanBytes(known)}` : ""}\x1b[K`);
  };
  return {
    update(done, total) {
      known = total ?? known;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(done);
    },
    finish() {
      if (last > 0) stream.write("\r\x1b[K");
    },
  };
}
