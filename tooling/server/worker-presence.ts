// Which workers of a platform are there: those that asked for a job lately. A job whose environment failed on
// one worker waits for another that is there, instead of going back to the host that failed it.

/** How long a worker that asked for a job counts as present (a long poll is at most 60 s). */
const presenceMs = 120_000;

export class WorkerPresence {
  /** platform -> worker -> when it last asked for a job. */
  readonly #seen = new Map<string, Map<string, number>>();

  seen(platform: string, worker: string, at = Date.now()): void {
    let workers = this.#seen.get(platform);
    if (!workers) this.#seen.set(platform, (workers = new Map()));
    workers.set(worker, at);
    for (const [name, when] of workers) if (at - when > presenceMs) workers.delete(name);
  }

  /** The workers of `platform` but `worker` that asked lately, with `holders` (those that hold a job of it now). */
  others(platform: string, worker: string, holders: Iterable<string>, at = Date.now()): Set<string> {
    const others = new Set<string>();
    for (const [name, when] of this.#seen.get(platform) ?? []) if (name !== worker && at - when <= presenceMs) others.add(name);
    for (const name of holders) if (name !== worker) others.add(name);
    return others;
  }
}

/** Whether `worker` should leave a job that failed on `failedOn` to one of `others` that has not failed it. */
export function leaveToOthers(worker: string, failedOn: readonly string[], others: ReadonlySet<string>): boolean {
  return failedOn.includes(worker) && [...others].some((other) => !failedOn.includes(other));
}
