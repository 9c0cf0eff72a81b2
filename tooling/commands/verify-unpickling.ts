import { verificationResult } from "../../src/contract/records/verification.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { defineCommand } from "../cli/command.ts";
import { installTimeoutMs } from "../environment/prepare.ts";
import { defaultMemoryLimitMiB } from "../environment/sandbox.ts";
import { verifyCheckpoint } from "../verify/verify.ts";
import { checkpointFile, environmentOptions, environmentSettings } from "./environment-options.ts";

export default defineCommand({
  description:
    "Scans data.pkl first and refuses a dangerous one before any Python runs (--allow-unsafe overrides). Then makes\na fresh virtual environment (uv, else python -m venv), installs the checkpoint's requirements exactly as its\nmetadata gives them (see README, \"Requirement policy\"; wheels only, and a git, URL or path requirement is\nrefused unless --allow-source-requirements), and runs torch.load(weights_only=False) and (weights_only=True)\nunder --timeout and --memory-limit. pip and the loading process run in a bubblewrap sandbox: no network (pip\nhas its index unless --offline), the system read-only, only the environment (pip) or a scratch folder (the\nload) writable, and every process they start killed with them; without bubblewrap nothing runs unless\n--no-sandbox. Prints the result record (JSON); update-metadata turns it into evidence. Exits 0 when the\ncheckpoint loaded, 1 otherwise.",
  positionals: [{ name: "target", label: "entry-id | path | URL", description: "an entry of --entries (its URL is downloaded to the cache), a file, or a URL" }],
  options: {
    ...environmentOptions,
    timeout: { type: "number", accept: "positive", valueName: "SECONDS", description: `time limit of the loading process (pip has its own: ${installTimeoutMs / 60_000} minutes)`, default: 600 },
    "memory-limit": { type: "number", accept: "positive integer", valueName: "MiB", description: "memory limit (data segment) of pip and of the loading process; by default 3/4 of this machine's memory", default: defaultMemoryLimitMiB },
    out: { type: "string", valueName: "FILE", description: "also write the result record to FILE" },
  },
  examples: [
    "npm run -s registry -- verify-unpickling aifs-single-mse-1.1_w_sdpa --extra-index-url https://download.pytorch.org/whl/cpu --out result.json",
    "npm run -s registry -- verify-unpickling model.ckpt --offline --find-links ./wheelhouse --system-site-packages",
  ],
  async run({ options, args, out, log }) {
    const file = await checkpointFile(args.target, options);
    const result = await verifyCheckpoint(file, { ...environmentSettings(options, log), timeoutMs: options.timeout * 1000, memoryLimitMiB: options["memory-limit"] });
    verificationResult.parse(result);
    for (const note of result.requirementNotes) log(`note: ${note}`);
    log(`verify-unpickling: ${result.status}: ${result.summary}`);
    const text = formatJson(result);
    if (options.out) await writeFileAtomic(options.out, text);
    out(text);
    return result.status === "ok" ? 0 : 1;
  },
});
