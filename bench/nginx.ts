// Debian's nginx serving a folder on 127.0.0.1, the yardstick of the registry server: sendfile, ETags and
// keep-alive as a production host would have them, no access log (the server is measured without one too).
import { createServer } from "node:net";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { treeOf } from "./proc-tree.ts";

export const nginxPath = "/usr/sbin/nginx";

/** Why nginx cannot be measured here, or undefined. */
export function nginxUnavailable(): string | undefined {
  return existsSync(nginxPath) ? undefined : `${nginxPath} is missing (apt-get install nginx-light, or nginx)`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Nginx {
  url: string;
  /** The master's and the workers' pids, for their CPU time. */
  pids(): number[];
  stop(): Promise<void>;
}

/** `workers` worker processes (one matches the registry server's one JavaScript thread). */
export async function startNginx(root: string, prefix: string, workers: number): Promise<Nginx> {
  await mkdir(join(prefix, "logs"), { recursive: true });
  const port = await freePort();
  const conf = join(prefix, "nginx.conf");
  await writeFile(
    conf,
    `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes ${workers};
daemon off;
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "logs", "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_temp_path ${join(prefix, "body")};
  proxy_temp_path ${join(prefix, "proxy")};
  fastcgi_temp_path ${join(prefix, "fastcgi")};
  uwsgi_temp_path ${join(prefix, "uwsgi")};
  scgi_temp_path ${join(prefix, "scgi")};
  types { application/json json; }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    etag on;
    add_header Cache-Control "public, max-age=60";
  }
}
`,
  );
  const child = execa(nginxPath, ["-p", prefix, "-c", conf], { reject: false, stdio: "ignore" });
  let exited = false;
  void child.then(() => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(url, { method: "HEAD" }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (exited || Date.now() > until) throw new Error(`nginx did not start on ${url} (see ${join(prefix, "logs", "error.log")})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const master = child.pid!;
  return {
    url,
    pids: () => treeOf(master),
    stop: async () => {
      child.kill("SIGQUIT");
      await child;
    },
  };
}
