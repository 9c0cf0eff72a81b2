import { existsSync } from "node:fs";
import { checkpointIdPattern } from "../../src/contract/constants.ts";
import { verificationResult, type VerificationResult } from "../../src/contract/records/verification.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { CheckpointFileError } from "../checkpoint/cache.ts";
import type { CheckpointFile } from "../checkpoint/resolve.ts";
import { defineCommand } from "./shared/command.ts";
import { installTimeoutMs } from "../environment/prepare.ts";
import { EnvironmentError } from "../environment/python-env.ts";
import { defaultMemoryLimitMiB, SandboxError } from "../environment/sandbox.ts";
import { HttpSourceError } from "../http/errors.ts";
import { environmentRecord, verifyCheckpoint } from "../verify/verify.ts";
import { checkpointFile, environmentOptions, environmentSettings } from "./environment-options.ts";
import { errorMessage } from "../../src/errors.ts";

/** Failures of this host, not of the checkpoint: they still make a record (environment-error), never a verdict. */
const hostFailures = [SandboxError, EnvironmentError, HttpSourceError, CheckpointFileError];
const isHostFailure = (error: unknown) => hostFailures.some((kind) => error instanceof kind);

export default defineCommand({
  description:
    "Scans data.pkl first and refuses a dangerous one before any Python runs (--allow-unsafe overrides), and metadata\nwhose distribution_names would install a known package (anemoi.models...) from another distribution. Then\nmakes a fresh virtual environment (uv, else python -m venv), installs the checkpoint's requirements exactly\nas its metadata gives them (see README, \"Requirement policy\"; wheels only, and a git, URL or path requirement\nis refused unless --allow-source-requirements), reads what was installed, and runs torch.load(weights_only=\nTrue), then (weights_only=False), under --timeout and --memory-limit. pip and the loading process run in a\nbubblewrap sandbox as an unprivileged uid: no network (pip has its index unless --offline), a minimal /etc,\nthe system and the environment read-only at load time, a scratch folder in memory capped by --memory-limit,\na process limit, and every process they start killed with them; without bubblewrap nothing runs unless\n--no-sandbox. Prints the result record (JSON); update-metadata turns it into evidence. Exits 0 when a\nrecord was written, whatever its status: its fault says whose failure it is, the checkpoint's or this\nhost's (environment-error: no package index, no wheel on it, a full disk, no sandbox); 1 when none could be.",
  positionals: [
    { name: "target", label: "entry-id | path | URL", description: "an entry of --entries (its URL is downloaded to the cache), a file, or a URL" },
  ],
  options: {
    ...environmentOptions,
    timeout: {
      type: "number",
      accept: "positive",
      valueName: "SECONDS",
      description: `time limit of the loading process (pip has its own: ${installTimeoutMs / 60_000} minutes)`,
      default: 600,
    },
    "memory-limit": {
      type: "number",
      accept: "positive integer",
      valueName: "MiB",
      description: "memory limit (data segment) of pip and of the loading process; by default 3/4 of this machine's memory",
      default: defaultMemoryLimitMiB,
    },
    out: { type: "string", valueName: "FILE", description: "also write the result record to FILE" },
  },
  examples: [
    "npm run -s registry -- verify-unpickling aifs-single-mse-1.1_w_sdpa --extra-index-url https://download.pytorch.org/whl/cpu --out result.json",
    "npm run -s registry -- verify-unpickling model.ckpt --offline --find-links ./wheelhouse --system-site-packages",
  ],
  async run({ options, args, out, log }) {
    const settings = environmentSettings(options, log);
    let result: VerificationResult;
    // What the record can say of the target before it is resolved: an entry's id.
    let file: CheckpointFile = {
      path: args.target,
      ...(checkpointIdPattern.test(args.target) && !existsSync(args.target) ? { checkpointId: args.target } : {}),
    };
    try {
      file = await checkpointFile(args.target, options);
      result = await verifyCheckpoint(file, { ...settings, timeoutMs: options.timeout * 1000, memoryLimitMiB: options["memory-limit"] });
    } catch (error) {
      if (!isHostFailure(error)) throw error;
      result = environmentRecord(file, errorMessage(error));
    }
    // Printed in the contract's key order, whatever order it was assembled in.
    result = verificationResult.parse(result);
    for (const note of result.requirementNotes) log(`note: ${note}`);
    log(`verify-unpickling: ${result.status}: ${result.summary}`);
    const text = formatJson(result);
    if (options.out) await writeFileAtomic(options.out, text);
    out(text);
    return 0;
  },
});
