import { readFile, stat, writeFile } from "node:fs/promises";
import { CliError, defineCommand, UsageError } from "./shared/command.ts";
import { jsonOption } from "./shared/options.ts";
import { errorCode, errorMessage } from "../../src/errors.ts";

export default defineCommand({
  description:
    "Signs a built site (npm run build writes dist/): modelRegistry.json, the FIAB views and their content-addressed\ncopies under revisions/ each get <document>.sig (Ed25519 over the exact bytes, one signature per key), and\nkeys.json lists the public keys. Keys are PEM PKCS#8 files (--key, repeatable while rotating keys) and the\nPEM text in REGISTRY_SIGNING_KEY (for CI secrets). --generate-key FILE writes a new private key (mode 0600)\nand prints its public key; keep the file secret and out of git.",
  positionals: [{ name: "dir", label: "DIR", description: "the built site (e.g. dist)", required: false }],
  options: {
    key: { type: "string", multiple: true, valueName: "FILE", description: "a PEM PKCS#8 Ed25519 private key" },
    "generate-key": {
      type: "string",
      valueName: "FILE",
      description: "write a new Ed25519 private key to FILE (refuses to overwrite) and print its public key",
    },
    json: jsonOption,
  },
  examples: [
    "npm run -s registry -- sign --generate-key ~/.config/fiab-registry/signing-key.pem",
    "npm run -s registry -- sign dist --key ~/.config/fiab-registry/signing-key.pem",
    'REGISTRY_SIGNING_KEY="$(cat key.pem)" npm run -s registry -- sign dist',
  ],
  async run({ options, args, out, log }) {
    const { generateSigningKey, signingKeyFromPem } = await import("../publish/signing-keys.ts");
    if (options["generate-key"] !== undefined) {
      if (args.dir !== undefined || options.key.length > 0) throw new UsageError("--generate-key makes a key and signs nothing: give it alone");
      const file = options["generate-key"];
      const key = generateSigningKey();
      try {
        await writeFile(file, key.pem, { flag: "wx", mode: 0o600 });
      } catch (error) {
        const code = errorCode(error);
        throw new CliError(code === "EEXIST" ? `${file} exists; a signing key is never overwritten` : `cannot write ${file}: ${errorMessage(error)}`);
      }
      const publicKey = key.publicKey.toString("base64");
      out(options.json ? JSON.stringify({ file, keyId: key.keyId, algorithm: "ed25519", publicKey }, null, 2) : publicKey);
      log(`sign: wrote the private key ${file} (key ${key.keyId}); publish the public key above (README, "Publishing and trust") and keep the file secret`);
      return 0;
    }
    if (args.dir === undefined) throw new UsageError("sign needs the built site's folder (e.g. dist), or --generate-key FILE");
    if (!(await stat(args.dir).catch(() => undefined))?.isDirectory()) throw new CliError(`${args.dir}: no such folder (build the site first: npm run build)`);
    const keys = [];
    for (const file of options.key) {
      const pem = await readFile(file, "utf8").catch((error: Error) => {
        throw new CliError(`cannot read the key ${file}: ${error.message}`);
      });
      keys.push(signingKeyFromPem(pem, file));
    }
    const fromEnv = process.env.REGISTRY_SIGNING_KEY;
    if (fromEnv?.trim()) keys.push(signingKeyFromPem(fromEnv, "REGISTRY_SIGNING_KEY"));
    if (keys.length === 0) throw new UsageError("no signing key: give --key FILE or set REGISTRY_SIGNING_KEY (make one with --generate-key FILE)");
    const unique = [...new Map(keys.map((k) => [k.keyId, k])).values()];
    const { signSite } = await import("../publish/sign-site.ts");
    const result = await signSite(args.dir, unique);
    if (options.json) out(JSON.stringify({ ok: true, ...result }, null, 2));
    else out(`signed ${result.documents.length} documents in ${args.dir} with key${unique.length === 1 ? "" : "s"} ${result.keyIds.join(", ")}`);
    return 0;
  },
});
