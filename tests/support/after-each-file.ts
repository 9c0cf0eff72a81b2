// Vitest runs this before each test file (setupFiles in vitest.config.ts), so each file's scratch folders are
// removed when it ends. A module's own top-level afterAll would run for the first file that imports it only,
// since a worker runs its files in one process, the modules loaded once (isolate: false).
import { afterAll } from "vitest";
import { removeScratch } from "./helpers.ts";

afterAll(removeScratch);
