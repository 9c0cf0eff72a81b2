import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Vitest's default (one worker less than the CPUs) runs the files one at a time on 2 cores, yet most of a test
    // file's time is spent waiting on its child processes (Python and torch, sandboxes, servers, Chromium): a worker
    // per CPU took the suite from 1,505 s to 1,012 s on 2 cores (docs/benchmarks.md, "Test suite").
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
