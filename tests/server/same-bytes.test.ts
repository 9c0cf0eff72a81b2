// The server and the static build publish the same bytes for the same entries: the real `astro build` of
// entries/ against a server that imported the same folder.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyOfEntries, fixtureEntryCount, tempDir } from "../support/helpers.ts";
import { astroBuild } from "../support/site-build.ts";
import { startTestRegistry, type TestRegistry } from "../support/registry-server.ts";

let site: string;
let registry: TestRegistry;
let ids: string[];
beforeAll(async () => {
  const entries = await copyOfEntries();
  site = join(await tempDir(), "dist");
  const build = await astroBuild(entries, site);
  expect(build.exitCode, build.all).toBe(0);
  registry = await startTestRegistry({ entriesDir: entries });
  ids = Object.keys(JSON.parse(await readFile(join(site, "modelRegistry.json"), "utf8")).checkpoints);
}, 120_000);
afterAll(() => registry?.close());

const served = async (path: string) => {
  const response = await registry.call(path, { headers: { "accept-encoding": "identity" } });
  expect(response.status, path).toBe(200);
  return Buffer.from(await response.arrayBuffer()).toString("utf8");
};

describe("the server against the static build", () => {
  it("serves modelRegistry.json's bytes, with the revision added after schemaVersion", async () => {
    const built = await readFile(join(site, "modelRegistry.json"), "utf8");
    expect(built.startsWith('{"schemaVersion":1,"checkpoints":{')).toBe(true);
    expect(await served("/api/v1/checkpoints")).toBe(built.replace('{"schemaVersion":1,', '{"schemaVersion":1,"revision":1,'));
  });

  it("serves each /checkpoints/<id>.json byte for byte", async () => {
    expect(ids.length).toBe(fixtureEntryCount);
    for (const id of ids) expect(await served(`/api/v1/checkpoints/${id}`), id).toBe(await readFile(join(site, "checkpoints", `${id}.json`), "utf8"));
  });

  it("serves FIAB's core-1 and core-2 stores byte for byte", async () => {
    for (const contract of ["core-1", "core-2"]) {
      expect(await served(`/api/v1/checkpoints?contract=${contract}`), contract).toBe(await readFile(join(site, "fiab", contract, "artifacts.json"), "utf8"));
    }
  });
});
