// Commits do not make readers wait: the thread that answers requests never copies the write-ahead log into the
// database file (sqlite's own checkpoint would, with an fsync, when a commit fills the log); a worker thread
// does, on a connection of its own.
import { stat } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { register, serveCheckpoints, settled, startTestRegistry } from "../support/registry-server.ts";
import { closeAllServers } from "../support/http-servers.ts";

afterAll(closeAllServers);

describe("commits", () => {
  it("leave the log's checkpoints to a thread of their own", async () => {
    const registry = await startTestRegistry();
    try {
      expect(registry.db.prepare("PRAGMA wal_autocheckpoint").get()).toEqual({ wal_autocheckpoint: 0 });
      // Only a checkpoint writes the database file itself: once one has run, the file holds the import's pages.
      const files = await serveCheckpoints(["committed"]);
      const before = (await stat(registry.dbPath)).mtimeMs;
      const answer = await register(registry, { url: files.urlOf("committed") });
      expect((await settled(registry, answer.headers.get("location")!)).state).toBe("registered");
      const until = Date.now() + 10_000;
      while ((await stat(registry.dbPath)).mtimeMs === before && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await stat(registry.dbPath)).mtimeMs).toBeGreaterThan(before);
    } finally {
      await registry.close();
    }
  });
});
