// The dev server (`npm run dev`) shows what a build publishes, without the build's publish thread: a checkpoint's
// page is written on request from the validated folder, and the global maps and published documents are routes.
import { once } from "node:events";
import { createServer } from "node:net";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { globalMapFile } from "../../src/geo/domain-map.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { checkpointPageIn } from "../../src/site/checkpoint-page/page.ts";
import { fixtureEntriesDir, repoRoot } from "../support/helpers.ts";
import { astroEnv, holdAstro } from "../support/site-build.ts";

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function startDev(port: number) {
  return execa(process.execPath, ["node_modules/astro/bin/astro.mjs", "dev", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: repoRoot,
    env: astroEnv({ REGISTRY_ENTRIES: fixtureEntriesDir }),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

let base: string;
let dev: ReturnType<typeof startDev>;
let astro: { release(): void } | undefined;

beforeAll(async () => {
  astro = await holdAstro();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dev = startDev(port);
  let log = "";
  dev.all?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`the dev server did not answer on ${base}:\n${log}`);
    const up = await fetch(`${base}/contract/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 300_000);

afterAll(async () => {
  dev?.kill("SIGTERM");
  await dev;
  astro?.release();
});

describe("the dev server", () => {
  it("writes a checkpoint's page as a build does, with its variants named, and serves its globe", async () => {
    const entries = await loadValidEntries(fixtureEntriesDir);
    const byId = new Map(entries.map((e) => [e.id, e.entry]));
    const id = "aifs-single-mse-1.1_w_sdpa";
    const entry = byId.get(id)!;
    const expected = checkpointPageIn(fixtureEntriesDir, id, entry, (v) => byId.get(v), new URL("http://localhost:4321/"));
    const html = await (await fetch(`${base}/checkpoints/${id}/`)).text();
    expect(html).toContain(`<title>${expected.title.replaceAll("&", "&amp;")} · FIAB model registry</title>`);
    // The page's content as the build's publish thread writes it.
    expect(html).toContain(expected.body);
    expect(expected.body).toContain("flash-attention");

    const o48 = await fetch(`${base}/maps/global/o48.svg`);
    expect(o48.status).toBe(200);
    expect(await o48.text()).toBe(globalMapFile("o48"));
    expect((await fetch(`${base}/checkpoints/no-such-model/`)).status).toBe(404);
  });
});
