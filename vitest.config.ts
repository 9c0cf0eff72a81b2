import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Most of a test file's time is spent waiting on its child processes (Python and torch, sandboxes, servers,
    // Chromium, a Slurm cluster whose jobs wait on its clock): one worker more than the CPUs keeps them busy.
    // On 2 cores: one worker 1,505 s, two 1,012 s (an older machine); two 391 s, three 323 s (docs/benchmarks.md, "Test suite").
    maxWorkers: availableParallelism() + 1,
    // A worker runs file after file in one process, its modules loaded once: half of the suite's files take under
    // a second, and a fresh process each cost more than their tests (on 2 cores: 308 s and 469 CPU-seconds
    // isolated, 276 s and 418 isolated not). No test changes the process's environment, directory or globals.
    isolate: false,
  },
});
