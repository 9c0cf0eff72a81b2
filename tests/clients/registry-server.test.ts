// Both clients reading a real registry server (`startRegistryServer` on 127.0.0.1) instead of a static site: the
// base URL is the server's /api/v1 (or its /api/v1/checkpoints), the document has an integer revision, a 304
// answers the second read, a checkpoint registered there is fetched by the Python client, and a server that
// comes back with an older revision (a database restored from an old backup) is refused by both as a rollback.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { fetchRegistry, RollbackError } from "../../src/client/index.ts";
import { fixtureEntryCount, tempDir } from "../support/helpers.ts";
import { closeAllServers } from "../support/http-servers.ts";
import { checkpointBytes, register, serveCheckpoints, settled, startTestRegistry } from "../support/registry-server.ts";
import { clientPython, clientRoot, pythonClientUnavailable } from "../support/python-client.ts";

afterAll(closeAllServers);
const pythonUnavailable = await pythonClientUnavailable();

const python = (args: string[]) =>
  execa(clientPython, ["-m", "fiab_model_registry", ...args], { cwd: clientRoot, reject: false, timeout: 60_000, env: { PYTHONDONTWRITEBYTECODE: "1" } });

describe("the TypeScript client against a registry server", () => {
  it("reads /api/v1 and /api/v1/checkpoints as the registry, with its revision, and a 304 the second time", async () => {
    const registry = await startTestRegistry();
    try {
      const cache = new Map<string, string>();
      const first = await fetchRegistry(`${registry.url}/api/v1`, { cache });
      expect(first).toMatchObject({ url: `${registry.url}/api/v1/checkpoints`, revision: 1, origin: "network" });
      expect(first.checkpoints.size).toBe(fixtureEntryCount);
      expect((await fetchRegistry(`${registry.url}/api/v1/checkpoints/`, { cache })).origin).toBe("not-modified");
      await expect(fetchRegistry(`${registry.url}/api/v1`, { publicKey: "A".repeat(43) + "=" })).rejects.toThrow(
        /api\/v1\/checkpoints: a registry server does not sign its documents/,
      );
      await expect(fetchRegistry(`${registry.url}/api/v1`, { revision: "0".repeat(64) })).rejects.toThrow(
        /is a registry server, whose documents are not content-addressed/,
      );
    } finally {
      await registry.close();
    }
  });
});

describe("both clients against a registry server that goes back in time", () => {
  it("register, read revision 2; the server restarted on an older database: both refuse revision 1", { timeout: 120_000 }, async () => {
    const files = await serveCheckpoints(["served-model"]);
    const registry = await startTestRegistry();
    const port = Number(new URL(registry.url).port);
    const cache = new Map<string, string>();
    const pythonCache = join(await tempDir(), "python-cache");
    const api = `${registry.url}/api/v1`;
    let restored: Awaited<ReturnType<typeof startTestRegistry>> | undefined;
    try {
      await settled(registry, (await (await register(registry, { url: files.urlOf("served-model") })).json()).location);
      expect((await fetchRegistry(api, { cache })).revision).toBe(2);

      if (!pythonUnavailable) {
        const listed = await python(["--url", api, "--cache-dir", pythonCache, "--json", "list"]);
        expect(listed.exitCode, listed.stderr).toBe(0);
        const document = JSON.parse(listed.stdout);
        expect(document.revision).toBe(2);
        expect(document.checkpoints.map((c: { id: string }) => c.id)).toContain("served-model");
        // The checkpoint registered there, fetched from where its entry says, checked against its size.
        const fetched = await python(["--url", `${api}/checkpoints`, "--cache-dir", pythonCache, "--json", "fetch", "served-model"]);
        expect(fetched.exitCode, fetched.stderr).toBe(0);
        expect(await readFile(JSON.parse(fetched.stdout).path)).toEqual(checkpointBytes);
      }

      await registry.close();
      restored = await startTestRegistry({ port });
      expect(restored.url).toBe(registry.url);
      const refused = await fetchRegistry(api, { cache }).then(
        () => expect.unreachable(),
        (e: Error) => e,
      );
      expect(refused).toBeInstanceOf(RollbackError);
      expect(refused.message).toContain(`${api}/checkpoints: refused an older registry document than the one held since`);
      expect(refused.message).toContain("its revision 1 is older than revision 2, the document held");
      expect((await fetchRegistry(api, { cache, allowRollback: true })).revision).toBe(1);

      if (!pythonUnavailable) {
        const pyRefused = await python(["--url", api, "--cache-dir", pythonCache, "list"]);
        expect(pyRefused.exitCode).toBe(1);
        expect(pyRefused.stderr).toContain("its revision 1 is older than revision 2, the document held; pass allow_rollback=True to accept it");
        const allowed = await python(["--url", api, "--cache-dir", pythonCache, "--allow-rollback", "--json", "list"]);
        expect(allowed.exitCode, allowed.stderr).toBe(0);
        expect(JSON.parse(allowed.stdout).revision).toBe(1);
      }
    } finally {
      await (restored ?? registry).close().catch(() => {});
    }
  });
});
