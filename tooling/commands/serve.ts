import { CliError, defineCommand } from "./shared/command.ts";
import { entriesOption } from "./shared/options.ts";
import { errorMessage } from "../../src/errors.ts";

export default defineCommand({
  description:
    "Runs the registry server: GET /api/v1/checkpoints (every entry, or a FIAB store view with ?contract=),\nGET /api/v1/checkpoints/<id>, PUT /api/v1/register (a checkpoint URL, read with Range requests into an\nentry; needs a token with the register scope, see `registry token`), GET /api/v1/registrations/<rid>, the\nverification jobs of --platforms (GET /api/v1/jobs; leased by `registry worker`s) and the OpenAPI document at\n/api/v1/openapi.json. Entries live in the --db file (sqlite), filled from --entries on first start;\none server per database (a second is refused at start); `registry sync-entries` writes them back to entry\nfiles. Prints the URL it listens on, then logs to stderr (an access log, --log-level) until SIGINT or SIGTERM.",
  options: {
    db: { type: "string", valueName: "FILE", default: "registry.db", description: "the server's database, created on first start" },
    host: {
      type: "string",
      valueName: "HOST",
      default: "127.0.0.1",
      description: "address to listen on (0.0.0.0 or :: for every interface, best behind a reverse proxy)",
    },
    port: { type: "number", accept: "non-negative integer", valueName: "PORT", default: 8080, description: "port to listen on (0: any free port)" },
    entries: { ...entriesOption, description: "entry files imported when the database is new" },
    "allow-private-network": { type: "boolean", description: "read checkpoints from loopback and private addresses too (for tests and closed networks)" },
    "extract-concurrency": {
      type: "number",
      accept: "positive integer",
      valueName: "N",
      default: 2,
      description: "registrations read at once, each in a child process at a lower priority",
    },
    "extract-timeout": { type: "number", accept: "positive", valueName: "SECONDS", default: 300, description: "time limit of reading one checkpoint" },
    "extract-memory": {
      type: "number",
      accept: "positive integer",
      valueName: "MiB",
      default: 512,
      description: "heap limit of the process that reads one checkpoint",
    },
    timeout: { type: "number", accept: "positive", valueName: "SECONDS", default: 30, description: "HTTP timeout per request when reading a checkpoint" },
    "registrations-per-minute": {
      type: "number",
      accept: "positive integer",
      valueName: "N",
      default: 30,
      description: "registrations each token may submit per minute",
    },
    platforms: {
      type: "string",
      valueName: "KEY[:DTYPE],...",
      default: "",
      description:
        "verify every registered checkpoint on these platforms (e.g. linux-x86_64-cpu,linux-x86_64-cuda:bfloat16): verify-unpickling then log-run in DTYPE (default float32), leased by `registry worker`s of each platform",
    },
    "reference-platform": {
      type: "string",
      valueName: "KEY",
      description:
        "the platform of the float64 reference run that every platform's run is compared with (default: the first *-cpu of --platforms; none: no comparison)",
    },
    "lease-seconds": {
      type: "number",
      accept: "positive integer",
      valueName: "SECONDS",
      default: 120,
      description: "a job whose worker sends no heartbeat for this long is queued again",
    },
    "job-attempts": { type: "number", accept: "positive integer", valueName: "N", default: 3, description: "leases of a job before it is failed" },
    "blobs-dir": { type: "string", valueName: "DIR", description: "folder of uploaded trace files (default: the database's path + .blobs)" },
    "max-upload-bytes": {
      type: "number",
      accept: "positive integer",
      valueName: "BYTES",
      default: 4 * 1024 ** 3,
      description: "largest trace file a worker may upload",
    },
    "log-level": {
      type: "string",
      choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
      valueName: "LEVEL",
      default: "info",
      description:
        "access log on stderr: one JSON line per answer at info (method, url, status, ms, ip, token name; 304s of the fast path at debug); silent: none",
    },
  },
  examples: [
    "npm run -s registry -- serve --db registry.db --port 8080",
    "npm run -s registry -- token create --db registry.db --scope register --name ci",
    "npm run -s registry -- serve --platforms linux-x86_64-cpu,linux-x86_64-cuda:bfloat16,macos-arm64-mps",
  ],
  async run({ options, out, log }) {
    if (options.port > 65_535) throw new CliError(`--port must be at most 65535, got ${options.port}`, 2);
    const { parsePlatforms } = await import("../server/jobs.ts");
    let platforms;
    try {
      platforms = parsePlatforms(options.platforms);
    } catch (error) {
      throw new CliError(`--platforms: ${errorMessage(error)}`, 2);
    }
    const chosen = options["reference-platform"];
    const reference = chosen === "none" ? undefined : (chosen ?? platforms.find((p) => p.key.endsWith("-cpu"))?.key);
    if (reference !== undefined && !platforms.some((p) => p.key === reference))
      throw new CliError(`--reference-platform ${reference} is not one of --platforms`, 2);
    // Fastify and sqlite are loaded only by the command that needs them.
    const { startRegistryServer } = await import("../server/server.ts");
    const server = await startRegistryServer({
      db: options.db,
      host: options.host,
      port: options.port,
      entriesDir: options.entries,
      allowPrivateNetwork: options["allow-private-network"],
      extractConcurrency: options["extract-concurrency"],
      extraction: { deadlineMs: options["extract-timeout"] * 1000, heapMiB: options["extract-memory"] },
      requestTimeoutMs: options.timeout * 1000,
      registrationsPerMinute: options["registrations-per-minute"],
      platforms,
      referencePlatform: reference,
      leaseSeconds: options["lease-seconds"],
      jobAttempts: options["job-attempts"],
      blobsDir: options["blobs-dir"],
      maxUploadBytes: options["max-upload-bytes"],
      log: (message) => log(`serve: ${message}`),
      logLevel: options["log-level"],
    });
    out(server.url);
    log(`serve: listening on ${server.url} (database ${options.db})`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    log(`serve: ${signal}: closing (registrations being read are read again at the next start)`);
    await server.close();
    return 0;
  },
});
