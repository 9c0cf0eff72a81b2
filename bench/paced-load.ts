// Requests at a steady rate, each timed from when it was due (not from when a free connection sent it), so that
// a server that stalls shows its stall in every request that waited for it, as a client sees it. A light load
// (a few hundred requests a second) that leaves the CPU to the server, unlike wrk, which saturates it.
import { Agent, request } from "node:http";
import { median } from "./measure.ts";

export interface PacedResult {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers with another status than expected, and failed requests. */
  wrong: number;
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** `seconds` at most; `until`, when given, ends the load earlier once it returns true. */
export async function pacedLoad(
  url: string,
  options: { rate: number; seconds: number; connections: number; headers?: Record<string, string>; status?: number; until?: () => boolean },
): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const expected = options.status ?? 200;
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  let wrong = 0;
  const start = performance.now();
  const one = (due: number) =>
    new Promise<void>((resolve) => {
      const req = request(url, { agent, headers: options.headers }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - due);
          if (res.statusCode !== expected) wrong++;
          resolve();
        });
      });
      req.on("error", () => {
        wrong++;
        resolve();
      });
      req.end();
    });
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total && !options.until?.(); i++) {
    const due = start + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(one(due));
  }
  await Promise.all(pending);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return { requests: sorted.length, p50Ms: median(sorted), p99Ms: quantile(sorted, 0.99), maxMs: sorted.at(-1) ?? 0, wrong };
}
