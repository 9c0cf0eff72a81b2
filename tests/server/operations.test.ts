// Running the server as an operator does, through the real commands: tokens, a backup while it serves,
// sync-entries back into an entries folder, and the database's migrations.
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../tooling/server/migrations.ts";
import { openDatabase } from "../../tooling/server/database.ts";
import { copyOfEntries, editJson, fixtureEntryCount, readJson, runCli, tempDir } from "../support/helpers.ts";
import { closeAllServers } from "../support/http-servers.ts";
import { register, serveCheckpoints, settled, spawnServe, startTestRegistry } from "../support/registry-server.ts";

afterAll(closeAllServers);

describe("registry token", () => {
  it("creates a token shown once, keeps only its hash, lists and revokes it", async () => {
    const registry = await startTestRegistry();
    try {
      const created = await runCli(["token", "create", "--db", registry.dbPath, "--scope", "admin", "--name", "ops", "--json"]);
      expect(created.exitCode, created.stderr).toBe(0);
      const { token, id, name, scope } = JSON.parse(created.stdout);
      expect([name, scope]).toEqual(["ops", "admin"]);
      expect(created.stderr).toMatch(/it is shown this once, so store it now/);
      const db = new DatabaseSync(registry.dbPath, { readOnly: true });
      const row = db.prepare("SELECT * FROM tokens WHERE id = ?").get(id) as Record<string, string>;
      db.close();
      expect(JSON.stringify(row)).not.toContain(token);
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);

      const listed = await runCli(["token", "list", "--db", registry.dbPath]);
      expect(listed.stdout).toMatch(new RegExp(`^${id}  ops  admin  created \\S+$`, "m"));
      expect(listed.stdout).not.toContain("fmr_");

      const call = () =>
        fetch(`${registry.url}/api/v1/register`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ url: "https://example.org/ops-model.ckpt" }),
        });
      expect((await call()).status).toBe(202);
      const revoked = await runCli(["token", "revoke", "ops", "--db", registry.dbPath]);
      expect(revoked.exitCode, revoked.stderr).toBe(0);
      expect((await call()).status).toBe(401);
      expect((await runCli(["token", "list", "--db", registry.dbPath])).stdout).toMatch(/ops {2}admin {2}created \S+ {2}revoked \S+/);
    } finally {
      await registry.close();
    }
  });

  it("explains what is wrong with its arguments", async () => {
    const dir = await tempDir();
    const missing = await runCli(["token", "create", "--db", join(dir, "none.db"), "--scope", "register"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe(`registry token: ${join(dir, "none.db")}: no such database (start the server with --db ${join(dir, "none.db")} to create it)`);
    expect(existsSync(join(dir, "none.db"))).toBe(false);
    const registry = await startTestRegistry();
    try {
      expect((await runCli(["token", "create", "--db", registry.dbPath])).stderr).toBe("registry token: token create needs --scope register, worker or admin");
      expect((await runCli(["token", "create", "--db", registry.dbPath, "--scope", "root"])).stderr).toBe(
        'registry token: --scope must be one of register, worker, admin, got "root"',
      );
      expect((await runCli(["token", "mint", "--db", registry.dbPath])).stderr).toBe('registry token: unknown action "mint": use create, revoke, list');
      expect((await runCli(["token", "revoke", "nobody", "--db", registry.dbPath])).stderr).toBe(
        `registry token: no token named or with id "nobody" in ${registry.dbPath}`,
      );
      await runCli(["token", "create", "--db", registry.dbPath, "--scope", "register", "--name", "twin"]);
      expect((await runCli(["token", "create", "--db", registry.dbPath, "--scope", "register", "--name", "twin"])).stderr).toBe(
        'registry token: a token named "twin" exists already; choose another --name',
      );
    } finally {
      await registry.close();
    }
  });
});

describe("registry backup", () => {
  it("copies the live database consistently, while registrations are written", async () => {
    const registry = await startTestRegistry();
    const files = await serveCheckpoints(["backup-a", "backup-b", "backup-c"]);
    try {
      const locations = [];
      for (const name of ["backup-a", "backup-b", "backup-c"]) locations.push((await (await register(registry, { url: files.urlOf(name) })).json()).location);
      const out = join(await tempDir(), "copy.db");
      const result = await runCli(["backup", "--db", registry.dbPath, "--out", out, "--json"]);
      expect(result.exitCode, result.stderr).toBe(0);
      const facts = JSON.parse(result.stdout);
      const copy = new DatabaseSync(out, { readOnly: true });
      try {
        expect(copy.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
        expect(copy.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "delete" });
        const revision = Number((copy.prepare("SELECT max(revision) AS r FROM revisions").get() as { r: number }).r);
        const entries = Number((copy.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n);
        // A snapshot: its entries are exactly those of its revision (the import, then one per registration).
        expect(entries).toBe(fixtureEntryCount + revision - 1);
        expect(facts).toEqual({ file: out, bytes: expect.any(Number), revision, entries });
      } finally {
        copy.close();
      }
      expect(readdirSync(join(out, "..")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      for (const location of locations) await settled(registry, location);
    } finally {
      await registry.close();
    }
  });

  it("needs --out and an existing database", async () => {
    expect((await runCli(["backup", "--db", "x.db"])).stderr).toBe("registry backup: backup needs --out FILE");
    const dir = await tempDir();
    const result = await runCli(["backup", "--db", join(dir, "none.db"), "--out", join(dir, "copy.db")]);
    expect(result.exitCode).toBe(1);
    expect(existsSync(join(dir, "copy.db"))).toBe(false);
  });
});

describe("registry sync-entries", () => {
  it("writes the server's new entries as entry files, remembers the revision, and writes nothing the second time", async () => {
    const registry = await startTestRegistry();
    const files = await serveCheckpoints(["synced-model"]);
    try {
      await settled(registry, (await (await register(registry, { url: files.urlOf("synced-model") })).json()).location);
      const out = registry.entriesDir;
      const first = await runCli(["sync-entries", "--server", registry.url, "--out", out]);
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.stdout.trim()).toBe(`created ${join(out, "synced-model.json")}`);
      expect(first.stderr).toMatch(/^sync-entries: http:\/\/127\.0\.0\.1:\d+\/ revisions 2-2: 1 written$/m);
      const text = await readFile(join(out, "synced-model.json"), "utf8");
      const served = await (await registry.call("/api/v1/checkpoints/synced-model")).json();
      expect(JSON.parse(text)).toEqual({ $schema: "../schema/v1/entry.authoring.json", ...served });
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      expect(JSON.parse(await readFile(join(out, ".registry-sync.json"), "utf8"))).toEqual({ server: `${registry.url}/`, revision: 2 });
      const validate = await runCli(["validate", "--entries", out]);
      expect(validate.exitCode, validate.stdout).toBe(0);

      const again = await runCli(["sync-entries", "--server", registry.url, "--out", out, "--json"]);
      expect(JSON.parse(again.stdout)).toMatchObject({ since: 2, revision: 2, changed: [], conflicts: [] });
    } finally {
      await registry.close();
    }
  });

  it("keeps the folder's edits: an entry edited there and changed on the server is a conflict until --force", async () => {
    const files = await serveCheckpoints(["alpha", "beta", "gamma"]);
    const entries = await copyOfEntries();
    for (const name of ["alpha", "beta", "gamma"]) {
      const made = await runCli(["extract-basic-metadata", files.urlOf(name), "--write", "--entries", entries, "--allow-private-network"]);
      expect(made.exitCode, made.stderr).toBe(0);
      // What the server imports lacks the provenance that reading the file again restores.
      await editJson(join(entries, `${name}.json`), (doc) => delete doc.provenance);
    }
    const registry = await startTestRegistry({ entriesDir: entries });
    try {
      // Edited in the folder after the server imported it: alpha (also refreshed on the server) and gamma (not).
      await editJson(join(entries, "alpha.json"), (doc) => (doc.display.description = "Edited by a person"));
      await editJson(join(entries, "gamma.json"), (doc) => (doc.display.description = "Also edited by a person"));
      for (const name of ["alpha", "beta"]) await settled(registry, (await (await register(registry, { url: files.urlOf(name) })).json()).location);

      const sync = await runCli(["sync-entries", "--server", registry.url, "--out", entries, "--json"]);
      expect(sync.exitCode).toBe(1);
      expect(JSON.parse(sync.stdout)).toMatchObject({
        since: 1,
        revision: 3,
        changed: [{ id: "beta", change: "updated" }],
        conflicts: [{ id: "alpha", why: "edited in the folder since revision 1, and changed on the server" }],
      });
      expect(sync.stderr).toMatch(
        /^sync-entries: alpha: edited in the folder since revision 1, and changed on the server; kept the folder's \(--force takes the server's\)$/m,
      );
      expect((await readJson(join(entries, "beta.json"))).provenance).toBeDefined();
      expect((await readJson(join(entries, "alpha.json"))).display.description).toBe("Edited by a person");
      expect((await readJson(join(entries, "gamma.json"))).display.description).toBe("Also edited by a person");
      expect(existsSync(join(entries, ".registry-sync.json"))).toBe(false);

      const forced = await runCli(["sync-entries", "--server", registry.url, "--out", entries, "--force"]);
      expect(forced.exitCode, forced.stderr).toBe(0);
      expect(forced.stdout.trim()).toBe(`updated ${join(entries, "alpha.json")}`);
      expect((await readJson(join(entries, "alpha.json"))).provenance).toBeDefined();
      expect((await readJson(join(entries, "gamma.json"))).display.description).toBe("Also edited by a person");
      expect((await runCli(["sync-entries", "--server", registry.url, "--out", entries])).stderr).toMatch(/no change since revision 3: 0 written$/m);
    } finally {
      await registry.close();
    }
  });

  it("refuses what is not a registry server, writing nothing", async () => {
    const files = await serveCheckpoints(["x"]);
    const out = await copyOfEntries();
    const before = readdirSync(out);
    const result = await runCli(["sync-entries", "--server", files.base, "--out", out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/changes: .*404/);
    expect(readdirSync(out)).toEqual(before);
    expect((await runCli(["sync-entries", "--server", "ftp://x", "--out", out])).stderr).toBe(
      "registry sync-entries: --server must be an http(s) URL, got ftp:",
    );
  });
});

describe("registry serve", () => {
  it("says why it cannot listen", async () => {
    const registry = await startTestRegistry();
    try {
      const port = new URL(registry.url).port;
      // In a scratch folder: nothing to import (never the live entries/).
      const taken = await runCli(["serve", "--db", join(await tempDir(), "r.db"), "--port", port], { cwd: await tempDir() });
      expect(taken.exitCode).toBe(1);
      expect(taken.stderr).toMatch(
        new RegExp(`^registry serve: cannot listen: 127\\.0\\.0\\.1:${port} is in use \\(another server\\?\\); pass another --port$`, "m"),
      );
      const badPort = await runCli(["serve", "--port", "70000"]);
      expect([badPort.exitCode, badPort.stderr]).toEqual([2, "registry serve: --port must be at most 65535, got 70000"]);
    } finally {
      await registry.close();
    }
  });
});

describe("one server per database", () => {
  it("refuses a second serve at start, naming the database and the holder; token and backup still work beside it", async () => {
    const dir = await tempDir();
    const db = join(dir, "registry.db");
    const entries = await copyOfEntries();
    const first = await spawnServe(["--db", db, "--entries", entries, "--log-level", "silent"]);
    try {
      const second = await runCli(["serve", "--db", db, "--entries", entries, "--port", "0", "--allow-private-network"]);
      expect(second.exitCode).toBe(1);
      expect(second.stdout).toBe("");
      expect(second.stderr).toBe(
        `registry serve: ${db}: another registry server uses this database (process ${first.child.pid} on ${hostname()}, listening on ${first.url}, started ${JSON.parse(await readFile(`${db}.lock.json`, "utf8")).startedAt}); run one server per database, or stop that one first`,
      );
      // The same in this process: the lock is sqlite's, and holds between connections of one process too.
      await expect(startTestRegistry({ db, entriesDir: entries })).rejects.toThrow(
        `${db}: another registry server uses this database (process ${first.child.pid}`,
      );

      const token = await runCli(["token", "create", "--db", db, "--scope", "register"]);
      expect(token.exitCode, token.stderr).toBe(0);
      const backup = await runCli(["backup", "--db", db, "--out", join(dir, "copy.db")]);
      expect(backup.exitCode, backup.stderr).toBe(0);
      expect((await fetch(`${first.url}/api/v1/health`)).status).toBe(200);
    } finally {
      first.child.kill("SIGKILL");
      await first.child;
    }
    // Killed without a chance to clean up: the lock went with the process, and a restart takes it.
    expect(existsSync(`${db}.lock.json`)).toBe(true);
    const restarted = await spawnServe(["--db", db, "--entries", entries, "--log-level", "silent"]);
    try {
      expect((await fetch(`${restarted.url}/api/v1/health`)).status).toBe(200);
      expect(JSON.parse(await readFile(`${db}.lock.json`, "utf8"))).toMatchObject({ pid: restarted.child.pid, url: restarted.url });
    } finally {
      restarted.child.kill("SIGTERM");
      expect((await restarted.child).exitCode).toBe(0);
    }
    // A clean stop leaves no holder behind.
    expect(existsSync(`${db}.lock.json`)).toBe(false);
  });
});

describe("the access log", () => {
  const answered = (stderr: string) =>
    stderr
      .split("\n")
      .filter((line) => line.startsWith("{") && line.includes('"msg":"answered"'))
      .map((line) => JSON.parse(line));
  async function logOf(args: string[], requests: (url: string) => Promise<unknown>, expected: number) {
    const dir = await tempDir();
    const server = await spawnServe(["--db", join(dir, "r.db"), "--entries", await copyOfEntries(), ...args]);
    try {
      await requests(server.url);
      const until = Date.now() + 10_000;
      while (answered(server.stderr()).length < expected && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { records: answered(server.stderr()), stderr: server.stderr() };
    } finally {
      server.child.kill("SIGTERM");
      await server.child;
    }
  }
  const requests = async (url: string) => {
    const first = await fetch(`${url}/api/v1/checkpoints/imerg-gt`);
    await fetch(`${url}/api/v1/checkpoints/imerg-gt`, { headers: { "if-none-match": first.headers.get("etag")! } });
    await fetch(`${url}/api/v1/jobs`, { headers: { authorization: "Bearer fmr_secret-looking-token" } });
  };

  it("is one JSON line per answer on stderr at info (the default), without tokens or headers; the 304 fast path only at debug", async () => {
    const info = await logOf([], requests, 2);
    expect(info.records.map((r) => [r.level, r.method, r.url, r.status])).toEqual([
      [30, "GET", "/api/v1/checkpoints/imerg-gt", 200],
      [30, "GET", "/api/v1/jobs", 401],
    ]);
    expect(info.records[0]).toMatchObject({ ip: "127.0.0.1", ms: expect.any(Number), time: expect.any(Number), reqId: expect.any(String) });
    expect(info.stderr).not.toContain("secret-looking");
    const debug = await logOf(["--log-level", "debug"], requests, 3);
    expect(debug.records.map((r) => [r.level, r.status])).toEqual([
      [30, 200],
      [20, 304],
      [30, 401],
    ]);
  });

  it("is off with --log-level silent", async () => {
    const silent = await logOf(["--log-level", "silent"], requests, 0);
    expect(silent.stderr).not.toContain("{");
  });
});

describe("the database", () => {
  it("is migrated on open and refuses one from a newer registry", async () => {
    const path = join(await tempDir(), "r.db");
    openDatabase(path, { create: true }).close();
    const raw = new DatabaseSync(path);
    expect(raw.prepare("PRAGMA user_version").get()).toEqual({ user_version: migrations.at(-1)!.version });
    expect(raw.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    raw.exec(`PRAGMA user_version = ${migrations.at(-1)!.version + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(
      `${path}: the database is at schema ${migrations.at(-1)!.version + 1}, newer than this registry knows (${migrations.at(-1)!.version}); update the registry`,
    );
  });

  it("refuses to start on entries that are not valid, naming them", async () => {
    const entries = await copyOfEntries();
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(entries, "broken.json"), '{"schemaVersion": 1}\n');
    await expect(startTestRegistry({ entriesDir: entries })).rejects.toThrow(/problems? in .*entries; nothing was imported/);
  });
});
