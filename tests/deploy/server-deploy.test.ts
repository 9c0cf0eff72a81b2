// The server's deployment (deploy/server/) as systemd and a container runtime read it: the units through
// systemd-analyze verify (which must also complain about a broken copy), the fields the deployment depends on,
// and then the commands themselves, taken from the files and run here: the unit's server (health, then SIGTERM
// within its stop timeout), the backup unit's backup and cleanup, and the image's command.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/helpers.ts";
import { repoRoot } from "../support/paths.ts";
import { onPath, parseEnvFile, parseUnit } from "./deploy-files.ts";

const dir = join(repoRoot, "deploy", "server");
const unitFiles = {
  server: join(dir, "fiab-registry-server.service"),
  backup: join(dir, "fiab-registry-backup.service"),
  timer: join(dir, "fiab-registry-backup.timer"),
};
const checkout = "/opt/fiab-model-registry";
const state = "/var/lib/fiab-registry-server";

const systemdAnalyzeMissing = onPath("systemd-analyze") ? undefined : "systemd-analyze is not on PATH (no systemd on this machine)";
if (systemdAnalyzeMissing) console.warn(`skipping systemd-analyze verify of the server's units: ${systemdAnalyzeMissing}`);

const units = Object.fromEntries(Object.entries(unitFiles).map(([name, path]) => [name, parseUnit(readFileSync(path, "utf8"))])) as Record<
  keyof typeof unitFiles,
  ReturnType<typeof parseUnit>
>;
const one = (unit: keyof typeof unitFiles, section: string, key: string) => {
  const values = units[unit].get(section)?.get(key);
  expect(values, `${unit} [${section}] ${key}`).toHaveLength(1);
  return values![0]!;
};

/**
 * A command line as systemd splits it: words at whitespace, single-quoted words kept whole, ${VAR} as one word,
 * $VAR split into words, %% a literal %. Paths of the deployment are moved to this repository and a scratch folder.
 */
function argv(command: string, env: Record<string, string>, scratch: string): string[] {
  const words = command.match(/'[^']*'|\S+/g)!.map((w) => (w.startsWith("'") ? w.slice(1, -1) : w));
  return words
    .flatMap((word) => {
      const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
      return whole ? (env[whole[1]!] ?? "").split(/\s+/).filter(Boolean) : [word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name]!)];
    })
    .map((word) => word.replaceAll("%%", "%").replaceAll(checkout, repoRoot.replace(/\/$/, "")).replaceAll(state, scratch));
}

const start = (command: string[]) => execa(command[0]!, command.slice(1), { reject: false, buffer: false, env: { NO_COLOR: "1" } });

/** Starts a `serve` command line and resolves with the URL it prints. */
async function served(command: string[]): Promise<{ url: string; child: ReturnType<typeof start> }> {
  const child = start(command);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s: ${stderr}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^(http:\/\/\S+)$/m.exec(stdout);
      if (line) (clearTimeout(timer), resolve(line[1]!));
    });
    void child.then((r) => (clearTimeout(timer), reject(new Error(`exited ${r.exitCode}: ${stderr}`))));
  });
  return { url, child };
}

describe("the server's systemd units", () => {
  async function here(path: string, text = readFileSync(path, "utf8")): Promise<string> {
    const copy = join(await tempDir(), path.split("/").at(-1)!);
    writeFileSync(copy, text.replaceAll(checkout, repoRoot.replace(/\/$/, "")));
    return copy;
  }
  const verify = (paths: string[]) => {
    const run = spawnSync("systemd-analyze", ["verify", "--man=no", ...paths], { encoding: "utf8" });
    return { status: run.status, output: (run.stdout + run.stderr).trim() };
  };

  it.skipIf(systemdAnalyzeMissing)("pass systemd-analyze verify, which complains about a broken copy", async () => {
    const copies = await Promise.all(Object.values(unitFiles).map((path) => here(path)));
    expect(verify(copies)).toEqual({ status: 0, output: "" });
    const broken = await here(unitFiles.server, readFileSync(unitFiles.server, "utf8").replace("StateDirectory=", "StateDirectorry="));
    expect(verify([broken]).output).toMatch(/Unknown key 'StateDirectorry'/);
  });

  it("serve on 127.0.0.1 from the state folder, restarted always, stopped by SIGTERM; the backup shares the user and the folder", () => {
    expect(one("server", "Service", "Restart")).toBe("always");
    expect(one("server", "Service", "KillSignal")).toBe("SIGTERM");
    expect(one("server", "Service", "StateDirectory")).toBe("fiab-registry-server");
    const execStart = one("server", "Service", "ExecStart");
    expect(execStart).toContain(`${checkout}/node_modules/.bin/node ${checkout}/tooling/registry.mjs serve --db ${state}/registry.db `);
    expect(execStart).toContain(" --host 127.0.0.1 ");
    expect(one("backup", "Service", "User")).toBe(one("server", "Service", "User"));
    expect(one("backup", "Service", "StateDirectory").split(" ")).toContain("fiab-registry-server");
    expect(one("timer", "Timer", "OnCalendar")).toBe("daily");
    expect(one("timer", "Timer", "Persistent")).toBe("true");
    // The server runs no checkpoint code: it can be held tighter than a worker.
    for (const key of ["RestrictNamespaces", "PrivateDevices", "ProtectKernelTunables", "NoNewPrivileges"])
      expect(one("server", "Service", key), key).toBe("yes");
    expect(one("server", "Service", "SystemCallFilter")).toBe("@system-service");
  });

  it(
    "run as written: the server answers and stops on SIGTERM within its stop timeout; a backup is made and old ones are cleaned",
    { timeout: 180_000 },
    async () => {
      const scratch = await tempDir("server-state-");
      const env = { ...parseEnvFile(readFileSync(join(dir, "server.env.example"), "utf8")), REGISTRY_PORT: "0" };
      const { url, child } = await served(argv(one("server", "Service", "ExecStart"), env, scratch));
      try {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(await (await fetch(`${url}/api/v1/health`)).json()).toMatchObject({ status: "ok", revision: 1 });
        expect(existsSync(join(scratch, "registry.db"))).toBe(true);

        const backups = join(scratch, "backups");
        spawnSync("mkdir", ["-p", backups]); // StateDirectory= makes it under systemd
        const backup = argv(one("backup", "Service", "ExecStart"), {}, scratch);
        const made = await execa(backup[0]!, backup.slice(1), { reject: false });
        expect(made.exitCode, made.stderr).toBe(0);
        const files = readdirSync(backups);
        expect(files).toHaveLength(1);
        expect(files[0]).toMatch(/^registry-\d{8}T\d{6}Z\.db$/);
        writeFileSync(join(backups, "registry-20000101T000000Z.db"), "");
        spawnSync("touch", ["-d", "2000-01-01", join(backups, "registry-20000101T000000Z.db")]);
        const cleanup = argv(one("backup", "Service", "ExecStartPost"), {}, scratch);
        expect((await execa(cleanup[0]!, cleanup.slice(1), { reject: false })).exitCode).toBe(0);
        expect(readdirSync(backups)).toEqual(files);
      } finally {
        const started = Date.now();
        child.kill("SIGTERM");
        const ended = await child;
        expect(ended.exitCode).toBe(0);
        expect(Date.now() - started).toBeLessThan(30_000);
      }
    },
  );
});

describe("the server's container image", () => {
  const text = readFileSync(join(dir, "Containerfile"), "utf8");
  const instruction = (name: string) => new RegExp(`^${name} (.*)$`, "m").exec(text)?.[1];

  it("runs the pinned Node as a user of its own, the database on a volume, with a health check", () => {
    expect(instruction("FROM")).toMatch(/^debian:bookworm-slim$/);
    expect(text).toMatch(/RUN npm ci --no-audit --no-fund/);
    expect(instruction("USER")).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(instruction("VOLUME")).toBe(state);
    expect(instruction("EXPOSE")).toBe("8080");
    expect(instruction("HEALTHCHECK")).toContain("/api/v1/health");
    expect(JSON.parse(instruction("ENTRYPOINT")!)).toEqual([`${checkout}/node_modules/.bin/node`, `${checkout}/tooling/registry.mjs`]);
  });

  it("its command serves (here on a free port)", { timeout: 120_000 }, async () => {
    const scratch = await tempDir("image-state-");
    const command = [...JSON.parse(instruction("ENTRYPOINT")!), ...JSON.parse(instruction("CMD")!)].map((word: string) =>
      word
        .replaceAll(checkout, repoRoot.replace(/\/$/, ""))
        .replaceAll(state, scratch)
        .replace(/^8080$/, "0")
        .replace(/^0\.0\.0\.0$/, "127.0.0.1"),
    );
    const { url, child } = await served(command);
    try {
      expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      expect((await child).exitCode).toBe(0);
    }
  });
});
