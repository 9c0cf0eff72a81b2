import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    setupFiles: ["tests/support/after-each-file.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Most of a test file's time is spent waiting on its child processes (Python and torch, sandboxes, servers,
    // Chromium, a Slurm cluster whose jobs wait on its clock): two workers more than the CPUs keep them busy. On 2
    // cores, with isolate off: three workers 276 s, four 249 s, five 252 s (docs/benchmarks.md, "Test suite").
    maxWorkers: availableParallelism() + 2,
    // A worker runs file after file in one process, its modules loaded once: half of the suite's files take under
    // a second, and a fresh process each cost more than their tests (three workers: 308 s and 469 CPU-seconds
    // isolated, 276 s and 418 not). No test changes the process's environment, directory or globals; what a file
    // leaves in a module of tests/support is cleared by tests/support/after-each-file.ts.
    isolate: false,
  },
});
