import { verificationResult } from "../../src/contract/records/verification.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { defineCommand } from "../cli/command.ts";
import { verifyCheckpoint } from "../verify/verify.ts";
import { checkpointFile, environmentOptions, environmentSettings } from "./environment-options.ts";

export default defineCommand({
  description:
    "Scans data.pkl first and refuses a dangerous one before any Python runs (--allow-unsafe overrides). Then makes\na fresh virtual environment (uv, else python -m venv), installs the checkpoint's requirements exactly as its\nmetadata gives them (see README, \"Requirement policy\"), and runs torch.load(weights_only=False) and\n(weights_only=True) in a separate process group under --timeout and --memory-limit. Prints the result record\n(JSON); update-metadata turns it into evidence. Exits 0 when the checkpoint loaded, 1 otherwise.",
  positionals: [{ name: "target", label: "entry-id | path | URL", description: "an entry of --entries (its URL is downloaded to the cache), a file, or a URL" }],
  options: {
    ...environmentOptions,
    timeout: { type: "number", accept: "positive", valueName: "SECONDS", description: "time limit of the loading process", default: 600 },
    "memory-limit": { type: "number", accept: "positive integer", valueName: "MiB", description: "address-space limit of the loading process" },
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
