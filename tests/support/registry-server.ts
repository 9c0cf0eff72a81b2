// Registry servers for tests: in this process (startRegistryServer, on 127.0.0.1 with a port of its own), or
// as the real `serve` command in a child process (for crashes and restarts); tokens of each scope; and a
// checkpoint file server whose files are all the real AIFS test checkpoint under different names.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { startRegistryServer, type RunningServer, type ServerOptions } from "../../tooling/server/server.ts";
import { createToken, type Scope } from "../../tooling/server/tokens.ts";
import { copyOfEntries, fixture, repoRoot, tempDir } from "./helpers.ts";
import { file, startServer, type Route, type TestServer } from "./http-servers.ts";

export interface TestRegistry extends RunningServer {
  dbPath: string;
  entriesDir: string;
  token: Record<Scope, string>;
  logs: string[];
  /** fetch() relative to the server, with the token of `as` when given. */
  call(path: string, init?: RequestInit & { as?: Scope }): Promise<Response>;
}

export async function startTestRegistry(options: Partial<ServerOptions> = {}): Promise<TestRegistry> {
  const dir = await tempDir("registry-server-");
  const dbPath = options.db ?? join(dir, "registry.db");
  const entriesDir = options.entriesDir ?? (await copyOfEntries());
  const logs: string[] = [];
  const server = await startRegistryServer({
    db: dbPath,
    host: "127.0.0.1",
    port: 0,
    entriesDir,
    allowPrivateNetwork: true,
    extractConcurrency: 2,
    extraction: { deadlineMs: 60_000, heapMiB: 256 },
    requestTimeoutMs: 10_000,
    registrationsPerMinute: 1000,
    platforms: [],
    referencePlatform: undefined,
    leaseSeconds: 60,
    jobAttempts: 3,
    blobsDir: undefined,
    maxUploadBytes: 64 * 1024 * 1024,
    log: (message) => logs.push(message),
    ...options,
  });
  const token = Object.fromEntries((["register", "worker", "admin"] as const).map((scope) => [scope, createToken(server.db, scope).token])) as Record<
    Scope,
    string
  >;
  const call = (path: string, init: RequestInit & { as?: Scope } = {}) => {
    const { as, headers, ...rest } = init;
    return fetch(`${server.url}${path}`, {
      ...rest,
      headers: { ...(as ? { authorization: `Bearer ${token[as]}` } : {}), ...(headers as Record<string, string>) },
    });
  };
  return Object.assign(server, { dbPath, entriesDir, token, logs, call });
}

/** PUT /api/v1/register as the register token. */
export function register(registry: TestRegistry, body: unknown): Promise<Response> {
  return registry.call("/api/v1/register", { method: "PUT", as: "register", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** Polls a registration until it is registered or failed (bounded). */
export async function settled(registry: { url: string }, location: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const registration = (await (await fetch(`${registry.url}${location}`)).json()) as Record<string, unknown>;
    if (registration.state === "registered" || registration.state === "failed") return registration;
    if (Date.now() > until) throw new Error(`registration ${location} still ${String(registration.state)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const checkpointBytes = await readFile(fixture("anemoi/registry-dummy-checkpoint.ckpt"));

/** `/m/<name>.ckpt` for each name, every one the real test checkpoint; `delayMs` before each answer. */
export async function serveCheckpoints(names: readonly string[], options: { delayMs?: number } = {}): Promise<TestServer & { urlOf(name: string): string }> {
  const routes: Record<string, Route> = {};
  for (const name of names) {
    const route = file(checkpointBytes);
    routes[`/m/${name}.ckpt`] = options.delayMs
      ? (req, res, context) => new Promise((resolve) => setTimeout(() => resolve(route(req, res, context)), options.delayMs))
      : route;
  }
  const server = await startServer(routes);
  return Object.assign(server, { urlOf: (name: string) => server.url(`/m/${name}.ckpt`) });
}

/**
 * The real `serve` command in a child process; resolves once it prints the URL it listens on. It runs in a
 * scratch folder, so that without --entries it imports nothing (never the live entries/).
 */
export async function spawnServe(args: string[]) {
  const child = execa(process.execPath, [join(repoRoot, "tooling", "registry.mjs"), "serve", "--port", "0", "--allow-private-network", ...args], {
    cwd: await tempDir("serve-cwd-"),
    reject: false,
    env: { NO_COLOR: "1" },
    buffer: false,
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^(http:\/\/\S+)\n/m.exec(stdout);
      if (line) {
        clearTimeout(timer);
        resolve(line[1]!);
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${result.exitCode}) before listening: ${stderr}`));
    });
  });
  return { url, child, stderr: () => stderr };
}
