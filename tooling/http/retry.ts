// Retries of transient failures (5xx, 429, network errors, stalls) with exponential backoff and jitter.
import { setTimeout as sleep } from "node:timers/promises";
import { HttpSourceError } from "./errors.ts";

/** A server's Retry-After is honoured up to this; longer waits are better left to the user. */
const maxRetryAfterMs = 30_000;

export interface RetryOptions {
  retries: number;
  backoffMs: number;
}

/** Runs `attempt` until it succeeds, throws a non-retryable error, or the retries are spent. */
export async function withRetries<T>(options: RetryOptions, attempt: () => Promise<T>): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof HttpSourceError) || !error.retryable) throw error;
      if (attempts > options.retries) {
        error.attempts = attempts;
        error.message += ` (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"})`;
        throw error;
      }
      await sleep(backoff(options.backoffMs, attempts, error.retryAfterMs));
    }
  }
}

/** base * 2^(n-1), scaled by a random 50-100% so that parallel clients do not retry in lockstep. */
export function backoff(baseMs: number, attempt: number, retryAfterMs?: number): number {
  const exponential = baseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
  return Math.max(exponential, Math.min(retryAfterMs ?? 0, maxRetryAfterMs));
}
