// The server killed with SIGKILL while 100 registrations arrive at once: after a restart on the same
// database, every registration that was answered completes, none is lost or made twice, readers only ever see
// whole revisions, and the database passes its integrity check.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { copyOfEntries, fixtureEntryCount, runCli, tempDir } from "../support/helpers.ts";
import { closeAllServers } from "../support/http-servers.ts";
import { serveCheckpoints, settled, spawnServe } from "../support/registry-server.ts";

afterAll(closeAllServers);

const count = 100;
const names = Array.from({ length: count }, (_, i) => `model-${String(i).padStart(3, "0")}`);

describe("a registry server killed during registrations", () => {
  it("completes every answered registration after a restart, once each", { timeout: 180_000 }, async () => {
    const dir = await tempDir("registry-crash-");
    const db = join(dir, "registry.db");
    const entries = await copyOfEntries();
    // Each Range request waits a little, so that the kill finds readings in flight.
    const files = await serveCheckpoints(names, { delayMs: 40 });
    const args = ["--db", db, "--entries", entries, "--extract-concurrency", "4", "--registrations-per-minute", "1000"];

    const first = await spawnServe(args);
    // A token made by another process while the server runs (WAL and the busy timeout let both write).
    const made = await runCli(["token", "create", "--db", db, "--scope", "register", "--name", "crash-test"]);
    expect(made.exitCode, made.stderr).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^fmr_[A-Za-z0-9_-]{43}$/);

    const answered = new Map<string, string>(); // url -> registration id, for every 202 received
    let killedAfter = 0;
    const submissions = names.map(async (name) => {
      try {
        const response = await fetch(`${first.url}/api/v1/register`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ url: files.urlOf(name) }),
        });
        if (response.status === 202) answered.set(files.urlOf(name), (await response.json()).registration);
        else throw new Error(`unexpected ${response.status}: ${await response.text()}`);
        if (answered.size === 40 && !killedAfter) {
          killedAfter = answered.size;
          first.child.kill("SIGKILL");
        }
      } catch (error) {
        // Requests cut by the kill were never answered: nothing is promised about them.
        if (!killedAfter) throw error;
      }
    });
    await Promise.all(submissions);
    const ended = await first.child;
    expect(ended.signal).toBe("SIGKILL");
    expect(answered.size).toBeGreaterThanOrEqual(40);
    expect(answered.size).toBeLessThan(count);

    const second = await spawnServe(args);
    try {
      expect(second.stderr()).not.toMatch(/is new: imported/);
      // The kill found readings in flight; the restart takes them up again.
      expect(second.stderr()).toMatch(/registrations interrupted by a stop: [1-9]\d* resumed, 0 failed/);
      // Readers during the catch-up see whole revisions only, in order.
      let lastRevision = 0;
      let reads = 0;
      const reader = (async () => {
        for (let i = 0; i < 400; i++) {
          const document = await (await fetch(`${second.url}/api/v1/checkpoints`)).json();
          expect(document.revision).toBeGreaterThanOrEqual(lastRevision);
          // Every revision after the import (1) added one entry: a revision and its entry are never seen apart.
          expect(Object.keys(document.checkpoints).length).toBe(fixtureEntryCount + document.revision - 1);
          for (const entry of Object.values(document.checkpoints) as Array<{ schemaVersion: number; source: { url: string } }>) {
            expect(entry.schemaVersion).toBe(1);
            expect(entry.source.url).toMatch(/^https?:\/\//);
          }
          lastRevision = document.revision;
          reads++;
          const health = await (await fetch(`${second.url}/api/v1/health`)).json();
          if (health.registrations.queued + health.registrations.extracting === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })();
      for (const [, rid] of answered)
        expect(await settled(second, `/api/v1/registrations/${rid}`, 120_000)).toMatchObject({ registration: rid, state: "registered" });
      await reader;
      expect(reads).toBeGreaterThan(0);

      // Requests cut by the kill may still have been committed: the restart reads those too. Wait for the queue to
      // drain (under load it can outlast the answered ones), at most 120 s.
      let health = await (await fetch(`${second.url}/api/v1/health`)).json();
      for (const until = Date.now() + 120_000; health.registrations.queued + health.registrations.extracting > 0 && Date.now() < until;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = await (await fetch(`${second.url}/api/v1/health`)).json();
      }
      expect(health.registrations).toEqual({ queued: 0, extracting: 0 });
      const check = new DatabaseSync(db, { readOnly: true });
      try {
        expect(check.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
        // One registration per URL, each registered: none lost (answered ones), none made twice.
        const rows = check.prepare("SELECT url, state, count(*) AS n FROM registrations GROUP BY url, state").all() as Array<{
          url: string;
          state: string;
          n: number;
        }>;
        expect(rows.every((r) => r.n === 1 && r.state === "registered")).toBe(true);
        for (const url of answered.keys()) expect(rows.some((r) => r.url === url)).toBe(true);
        const entryCount = Number((check.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n);
        expect(entryCount).toBe(fixtureEntryCount + rows.length);
        expect(health.entries).toBe(entryCount);
        // Each registration made one revision of its own after the import (revision 1).
        expect(health.revision).toBe(1 + rows.length);
      } finally {
        check.close();
      }
    } finally {
      second.child.kill("SIGTERM");
      const stopped = await second.child;
      expect(stopped.exitCode).toBe(0);
    }
  });
});
