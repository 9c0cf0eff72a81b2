import { verificationResult } from "../../src/contract/index.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { defineCommand } from "../cli/command.ts";
import { environmentOptions, environmentSettings, positiveNumber, resolveCheckpoint } from "./environment-options.ts";
import { asCliError } from "../cli/errors.ts";
import { verifyCheckpoint } from "../verify/verify.ts";

export default defineCommand({
  name: "verify-unpickling",
  summary: "Prove a checkpoint loads with exactly its requirements, in a fresh environment and a limited process.",
  description:
    "Scans data.pkl first and refuses a dangerous one before any Python runs (--allow-unsafe overrides). Then makes\na fresh virtual environment (uv, else python -m venv), installs the checkpoint's requirements exactly as its\nmetadata gives them (see README, \"Requirement policy\"), and runs torch.load(weights_only=False) and\n(weights_only=True) in a separate process group under --timeout and --memory-limit. Prints the result record\n(JSON); update-metadata turns it into evidence. Exits 0 when the checkpoint loaded, 1 otherwise.",
  positionals: [{ name: "entry-id | path | URL", description: "an entry of --entries (its URL is downloaded to the cache), a file, or a URL" }],
  options: {
    ...environmentOptions,
    timeout: { type: "string", valueName: "SECONDS", description: "time limit of the loading process", default: "600" },
    "memory-limit": { type: "string", valueName: "MiB", description: "address-space limit of the loading process" },
    out: { type: "string", valueName: "FILE", description: "also write the result record to FILE" },
  },
  examples: [
    "npm run -s registry -- verify-unpickling aifs-single-mse-1.1_w_sdpa --extra-index-url https://download.pytorch.org/whl/cpu --out result.json",
    "npm run -s registry -- verify-unpickling model.ckpt --offline --find-links ./wheelhouse --system-site-packages",
  ],
  async run({ options, positionals, out, log }) {
    const [target] = positionals as [string];
    const timeoutMs = positiveNumber("timeout", options.timeout)! * 1000;
    const memoryLimitMiB = positiveNumber("memory-limit", options["memory-limit"]);
    try {
      const file = await resolveCheckpoint(target, options);
      const result = await verifyCheckpoint(file, { ...environmentSettings(options, log), timeoutMs, memoryLimitMiB });
      verificationResult.parse(result);
      for (const note of result.requirementNotes) log(`note: ${note}`);
      log(`verify-unpickling: ${result.status}: ${result.summary}`);
      const text = formatJson(result);
      if (options.out) await writeFileAtomic(options.out as string, text);
      out(text);
      return result.status === "ok" ? 0 : 1;
    } catch (error) {
      throw asCliError(error, target);
    }
  },
});
