import { readFileSync } from "node:fs";
import { strangerText } from "../../src/text/control.ts";
import { CliError, UsageError, defineCommand } from "./shared/command.ts";
import { jsonOption } from "./shared/options.ts";
import type { Job } from "../api/wire.ts";
import { errorCode, errorMessage } from "../../src/errors.ts";

/** The largest answer read: 9999 jobs (the most one listing gives) with their capped stderr tails. */
const maxAnswerBytes = 64 * 1024 * 1024;

const states = ["waiting", "queued", "leased", "done", "failed", "cancelled"] as const;

/** A server's string as one printable piece: the server is not trusted to send text a terminal may show raw. */
const shown = (text: unknown, max = 300) => strangerText(String(text ?? ""), max).replace(/\n/g, " ");

/** One line per job; a failed attempt's reason says whose fault it was, and the end of its stderr follows, indented. */
function lines(job: Job): string[] {
  const what = `${shown(job.kind)}${job.dtype ? ` ${shown(job.dtype)}` : ""}${job.role === "reference" ? " (reference)" : ""}`;
  const why =
    job.state === "leased"
      ? `by ${shown(job.leaseOwner ?? "?")} until ${shown(job.leaseExpiresAt ?? "?")}`
      : job.state === "done" && !job.fault
        ? shown(job.outcome ?? "")
        : `${job.fault ? `(${shown(job.fault)}) ` : ""}${shown(job.reason ?? job.outcome ?? "")}`;
  const head = [
    shown(job.job).slice(0, 8),
    shown(job.state).padEnd(9),
    shown(job.platform).padEnd(20),
    shown(job.checkpoint.id).padEnd(32),
    what.padEnd(26),
    why,
  ]
    .join(" ")
    .trimEnd();
  const tail = job.output
    ? strangerText(job.output, 2000)
        .split("\n")
        .slice(-5)
        .map((l) => `    | ${l}`)
    : [];
  return [head, ...tail];
}

export default defineCommand({
  description:
    "Lists the verification jobs of a registry server (GET /api/v1/jobs), newest first, with their state, platform,\ncheckpoint and outcome or reason (a failed attempt's with whose fault it was, checkpoint or environment, and\nthe last lines of its stderr below it); a job queued for a platform that no worker serves stays queued and\nshows here. Listing needs a token with the worker or admin scope (REGISTRY_TOKEN or --token-file): jobs name\nthe workers' hosts. --verify ID queues the verification of a checkpoint again on every platform (POST\n/api/v1/checkpoints/ID/verify; an admin token).",
  options: {
    server: { type: "string", valueName: "URL", description: "the registry server" },
    state: { type: "string", valueName: "STATE", choices: states, description: "only jobs in this state" },
    platform: { type: "string", valueName: "KEY", description: "only jobs of this platform" },
    checkpoint: { type: "string", valueName: "ID", description: "only jobs of this checkpoint" },
    limit: { type: "number", accept: "positive integer", valueName: "N", default: 100, description: "at most this many" },
    verify: { type: "string", valueName: "ID", description: "queue the verification of checkpoint ID (admin token)" },
    "token-file": { type: "string", valueName: "FILE", description: "a file holding a worker or admin token (admin for --verify; else REGISTRY_TOKEN)" },
    json: jsonOption,
  },
  examples: [
    "REGISTRY_TOKEN=fmr_... npm run -s registry -- jobs --server http://127.0.0.1:8080 --state queued",
    "REGISTRY_TOKEN=fmr_... npm run -s registry -- jobs --server http://127.0.0.1:8080 --verify aifs-single-mse-1.1_w_sdpa",
  ],
  async run({ options, out }) {
    if (!options.server) throw new UsageError("pass --server URL");
    let token = process.env.REGISTRY_TOKEN?.trim();
    if (options["token-file"]) {
      try {
        token = readFileSync(options["token-file"], "utf8").trim();
      } catch (error) {
        throw new CliError(`--token-file ${options["token-file"]}: ${errorCode(error) === "ENOENT" ? "no such file" : errorMessage(error)}`, 2);
      }
    }
    if (!token)
      throw new UsageError(
        `${options.verify ? "--verify needs an admin token" : "listing jobs needs a worker or admin token"}: set REGISTRY_TOKEN or pass --token-file FILE`,
      );
    const { ApiClient } = await import("../api/client.ts");
    const api = new ApiClient(options.server, token);
    const call = async (method: string, path: string) => {
      const answer = (await api.json(method, path, { timeoutMs: 30_000, maxBytes: maxAnswerBytes })) as { jobs?: unknown; counts?: unknown } | null;
      if (!Array.isArray(answer?.jobs) || (method === "GET" && (typeof answer.counts !== "object" || answer.counts === null)))
        throw new CliError(`${method} ${api.url(path)}: not a registry server's list of jobs; is ${api.server} a registry server?`);
      return answer;
    };
    if (options.verify) {
      const { jobs } = (await call("POST", `/checkpoints/${encodeURIComponent(options.verify)}/verify`)) as { jobs: Job[] };
      out(options.json ? JSON.stringify({ jobs }, null, 2) : jobs.flatMap(lines).join("\n"));
      return 0;
    }
    const query = new URLSearchParams({ limit: String(options.limit) });
    if (options.state) query.set("state", options.state);
    if (options.platform) query.set("platform", options.platform);
    if (options.checkpoint) query.set("checkpoint", options.checkpoint);
    const document = (await call("GET", `/jobs?${query}`)) as { jobs: Job[]; counts: Record<string, number> };
    if (options.json) out(JSON.stringify(document, null, 2));
    else {
      const counts = Object.entries(document.counts)
        .map(([state, n]) => `${Number(n)} ${shown(state, 20)}`)
        .join(", ");
      out([...document.jobs.flatMap(lines), `${document.jobs.length} shown; all jobs: ${counts || "none"}`].join("\n"));
    }
    return 0;
  },
});
