import { existsSync, readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { CliError, defineCommand } from "./shared/command.ts";
import { jsonOption } from "./shared/options.ts";
import { errorMessage } from "../../src/errors.ts";

export default defineCommand({
  description:
    "Checks a published site as a reader would trust it: every registry document (modelRegistry.json, the FIAB\nviews, their copies under revisions/) has a signature by a trusted key over its exact bytes, every copy\nunder revisions/<sha256>/ holds bytes with that hash, every current document has its copy, and every\ndocument validates (consuming entry schema, FIAB's store contracts). Trusted keys: --public-key (raw\nbase64 or a PEM file); without one, the site's own keys.json, which proves integrity but not origin.\nPrints each problem as <path>: <what>, and exits 1 if there is any.",
  positionals: [{ name: "dir", label: "DIR", description: "the published site (e.g. dist, or a mirror's copy)" }],
  options: {
    "public-key": {
      type: "string",
      multiple: true,
      valueName: "FILE|BASE64",
      description: "a trusted Ed25519 public key: base64 of its raw 32 bytes, or a file holding that or a PEM key",
    },
    json: jsonOption,
  },
  examples: [
    "npm run -s registry -- verify-publication dist --public-key MCowBQYDK2VwAyEA...=",
    "npm run -s registry -- verify-publication mirror/ --public-key registry-public-key.pem --json",
  ],
  async run({ options, args, out, log }) {
    const { publicKeyFromText } = await import("../publish/signing-keys.ts");
    const { verifyPublication } = await import("../publish/verify-site.ts");
    if (!(await stat(args.dir).catch(() => undefined))?.isDirectory()) throw new CliError(`${args.dir}: no such folder`);
    const given = options["public-key"].map((value) => {
      // A value that names a file is read; anything else is the key itself.
      if (existsSync(value)) {
        let text: string;
        try {
          text = readFileSync(value, "utf8");
        } catch (error) {
          throw new CliError(`cannot read the public key ${value}: ${errorMessage(error)}`);
        }
        if (text.length > 16_384) throw new CliError(`${value}: ${text.length} characters is not a public key`);
        return publicKeyFromText(text, value);
      }
      return publicKeyFromText(value, "--public-key");
    });
    if (given.length === 0) log(`verify-publication: no --public-key: trusting ${args.dir}/keys.json, which proves the files are intact, not who signed them`);
    const result = await verifyPublication(args.dir, given);
    if (options.json) out(JSON.stringify({ ok: result.problems.length === 0, ...result }, null, 2));
    else for (const p of result.problems) out(`${p.path}: ${p.message}`);
    const n = result.problems.length;
    log(
      `verify-publication: ${result.documents} documents in ${args.dir}, keys ${result.keyIds.join(", ") || "none"}: ${n === 0 ? "all signed, pinned and valid" : `${n} problem${n === 1 ? "" : "s"}`}`,
    );
    return n === 0 ? 0 : 1;
  },
});
