// A built, signed site as readers get it: the real `astro build` of entries committed in a scratch git
// repository, then the real `sign` and `verify-publication` commands; each tampering is refused by path.
import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, verify } from "node:crypto";
import { cp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { signaturesText } from "../../tooling/publish/sign-site.ts";
import { signingKeyFromPem } from "../../tooling/publish/signing-keys.ts";
import { copyOfEntries, readJson, repoRoot, runCli, tempDir } from "../support/helpers.ts";
import { astroBuild } from "../support/site-build.ts";

const committedAt = "2026-03-04T05:06:07Z";
const gitEnv = {
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.org",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.org",
  GIT_AUTHOR_DATE: committedAt,
  GIT_COMMITTER_DATE: committedAt,
};
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env: { ...process.env, ...gitEnv }, encoding: "utf8" }).trim();

let entries: string;
let commit: string;
let built: string;
let keyFile: string;
let otherKeyFile: string;

/** A fresh signed copy of the built site, to tamper with. */
async function signedSite(...keys: string[]): Promise<string> {
  const dir = join(await tempDir(), "site");
  await cp(built, dir, { recursive: true });
  const signed = await runCli(["sign", dir, ...keys.flatMap((k) => ["--key", k])]);
  expect(signed.exitCode, signed.stderr).toBe(0);
  return dir;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  const repo = await tempDir("registry-git-");
  entries = join(repo, "entries");
  await cp(await copyOfEntries(), entries, { recursive: true });
  git(repo, "init", "-q");
  git(repo, "add", ".");
  git(repo, "commit", "-qm", "entries");
  commit = git(repo, "rev-parse", "HEAD");
  built = join(await tempDir(), "dist");
  const build = await astroBuild(entries, built);
  expect(build.exitCode, build.all).toBe(0);
  const keys = await tempDir("registry-keys-");
  keyFile = join(keys, "a.pem");
  otherKeyFile = join(keys, "b.pem");
  for (const file of [keyFile, otherKeyFile]) expect((await runCli(["sign", "--generate-key", file])).exitCode).toBe(0);
}, 120_000);

describe("revision and publishedAt", () => {
  it("name the entries' commit and its committer time, not the clock", async () => {
    const text = await readFile(join(built, "modelRegistry.json"), "utf8");
    expect(text.startsWith(`{"schemaVersion":1,"revision":"${commit}","publishedAt":"${committedAt}","checkpoints":{`)).toBe(true);
  });

  it("are absent outside git and while the entries have uncommitted changes", async () => {
    const { entriesPublication } = await import("../../src/publish/revision.ts");
    expect(entriesPublication(await copyOfEntries(), {})).toEqual({});
    expect(entriesPublication(entries, {})).toEqual({ revision: commit, publishedAt: committedAt });
    await writeFile(join(entries, "zz-draft.json"), "{}");
    try {
      expect(entriesPublication(entries, {})).toEqual({});
    } finally {
      await rm(join(entries, "zz-draft.json"));
    }
    expect(entriesPublication(entries, { REGISTRY_REVISION: commit })).toEqual({ revision: commit, publishedAt: committedAt });
    expect(entriesPublication(await copyOfEntries(), { REGISTRY_REVISION: "abc", REGISTRY_PUBLISHED_AT: "2026-01-02T03:04:05+01:00" })).toEqual({
      revision: "abc",
      publishedAt: "2026-01-02T02:04:05Z",
    });
  });
});

describe("content-addressed copies", () => {
  it("hold each document's bytes under the sha256 of those bytes", async () => {
    for (const path of ["modelRegistry.json", "fiab/core-1/artifacts.json", "fiab/core-2/artifacts.json"]) {
      const bytes = await readFile(join(built, path));
      expect(await readFile(join(built, "revisions", sha256(bytes), path))).toEqual(bytes);
    }
  });
});

describe("a built and signed site", () => {
  it("verifies, against the given public key and against its keys.json", async () => {
    const site = await signedSite(keyFile);
    const keys = await readJson(join(site, "keys.json"));
    expect(keys.keys).toHaveLength(1);
    const ok = await runCli(["verify-publication", site, "--public-key", keys.keys[0].publicKey, "--json"]);
    expect(ok.exitCode, ok.stdout).toBe(0);
    const result = JSON.parse(ok.stdout);
    expect(result).toMatchObject({ ok: true, documents: 6, keySource: "given", problems: [] });
    expect((await runCli(["verify-publication", site])).exitCode).toBe(0);
  });

  it("signs the documents as documented: keyId, algorithm, 64 bytes a Node one-liner and openssl accept", async () => {
    const site = await signedSite(keyFile);
    const { keys } = await readJson(join(site, "keys.json"));
    const raw = Buffer.from(keys[0].publicKey, "base64");
    expect(keys[0].keyId).toBe(sha256(raw).slice(0, 16));
    const { signatures } = await readJson(join(site, "modelRegistry.json.sig"));
    expect(signatures).toEqual([{ keyId: keys[0].keyId, algorithm: "ed25519", signature: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/) }]);
    const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
    const document = await readFile(join(site, "modelRegistry.json"));
    expect(verify(null, document, publicKey, Buffer.from(signatures[0].signature, "base64"))).toBe(true);
    // The README's openssl check: the raw key behind the fixed DER prefix of an Ed25519 SubjectPublicKeyInfo.
    let openssl = true;
    try {
      execFileSync("openssl", ["version"]);
    } catch {
      openssl = false;
    }
    if (!openssl && !process.env.CI) return console.log("skipped the openssl check: no openssl on PATH");
    const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]).toString("base64")}\n-----END PUBLIC KEY-----\n`;
    await writeFile(join(site, "..", "public.pem"), pem);
    await writeFile(join(site, "..", "sig.bin"), Buffer.from(signatures[0].signature, "base64"));
    const out = execFileSync(
      "openssl",
      ["pkeyutl", "-verify", "-pubin", "-inkey", "public.pem", "-rawin", "-in", "site/modelRegistry.json", "-sigfile", "sig.bin"],
      { cwd: join(site, ".."), encoding: "utf8" },
    );
    expect(out).toContain("Signature Verified Successfully");
  });

  it("refuses a registry changed by one byte after signing, naming the file", async () => {
    const site = await signedSite(keyFile);
    const path = join(site, "modelRegistry.json");
    const bytes = await readFile(path);
    bytes[bytes.indexOf("BRIS")] = "C".charCodeAt(0);
    await writeFile(path, bytes);
    const result = await runCli(["verify-publication", site]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^modelRegistry\.json\.sig: signatures\[0\] by key [0-9a-f]{16} does not match the bytes of modelRegistry\.json/m);
    // and its pin no longer exists: the changed bytes have no copy
    expect(result.stdout).toContain(`revisions/${sha256(bytes)}/modelRegistry.json: missing`);
  });

  it("refuses a content-addressed copy whose bytes do not match its hash, even when it is signed", async () => {
    const site = await signedSite(keyFile);
    const original = await readFile(join(site, "fiab/core-2/artifacts.json"));
    const wrong = "0".repeat(64);
    const copy = join(site, "revisions", wrong, "fiab/core-2/artifacts.json");
    await mkdir(join(copy, ".."), { recursive: true });
    await writeFile(copy, original);
    // a valid signature over those bytes: only the hash is wrong
    await writeFile(`${copy}.sig`, signaturesText(original, [signingKeyFromPem(await readFile(keyFile, "utf8"), keyFile)]));
    const result = await runCli(["verify-publication", site]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout.trim()).toBe(`revisions/${wrong}/fiab/core-2/artifacts.json: its bytes hash to ${sha256(original)}, not the ${wrong} its path names`);
    // and sign will not vouch for it
    const signing = await runCli(["sign", site, "--key", keyFile]);
    expect(signing.exitCode).toBe(1);
    expect(signing.stderr).toContain(`revisions/${wrong}/fiab/core-2/artifacts.json: its bytes hash to ${sha256(original)}`);
  });

  it("refuses signatures by a key the reader does not trust, and accepts either key while keys rotate", async () => {
    const site = await signedSite(keyFile);
    const other = signingKeyFromPem(await readFile(otherKeyFile, "utf8"), otherKeyFile);
    const refused = await runCli(["verify-publication", site, "--public-key", other.publicKey.toString("base64")]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain(`modelRegistry.json.sig: no signature by a trusted key (trusted: ${other.keyId})`);
    const rotated = await signedSite(keyFile, otherKeyFile);
    expect((await readJson(join(rotated, "keys.json"))).keys).toHaveLength(2);
    expect((await readJson(join(rotated, "modelRegistry.json.sig"))).signatures).toHaveLength(2);
    expect((await runCli(["verify-publication", rotated, "--public-key", other.publicKey.toString("base64")])).exitCode).toBe(0);
  });

  it("refuses a signed document that FIAB would not read", async () => {
    const site = await signedSite(keyFile);
    const view = await readJson(join(site, "fiab/core-1/artifacts.json"));
    const [first] = Object.keys(view.artifacts);
    view.artifacts[first!].store_info.unknown_field = 1;
    const bytes = Buffer.from(JSON.stringify(view));
    for (const path of ["fiab/core-1/artifacts.json", `revisions/${sha256(bytes)}/fiab/core-1/artifacts.json`]) {
      await mkdir(join(site, path, ".."), { recursive: true });
      await writeFile(join(site, path), bytes);
    }
    expect((await runCli(["sign", site, "--key", keyFile])).exitCode).toBe(0);
    const result = await runCli(["verify-publication", site]);
    expect(result.exitCode).toBe(1);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(`fiab/core-1/artifacts.json: not a valid FIAB core-1 store: artifacts["${first}"].store_info.unknown_field: unknown field`);
    expect(lines[1]).toMatch(new RegExp(`^revisions/${sha256(bytes)}/fiab/core-1/artifacts.json: not a valid FIAB core-1 store`));
  });

  it("refuses a missing signature and a link out of the site", async () => {
    const site = await signedSite(keyFile);
    await rm(join(site, "fiab/core-1/artifacts.json.sig"));
    const copyDir = join(site, "revisions", sha256(await readFile(join(site, "modelRegistry.json"))));
    await rm(join(copyDir, "modelRegistry.json"));
    await symlink("/etc/passwd", join(copyDir, "modelRegistry.json"));
    const result = await runCli(["verify-publication", site]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("fiab/core-1/artifacts.json.sig: missing: fiab/core-1/artifacts.json is not signed");
    expect(result.stdout).toContain(`${copyDir.slice(site.length + 1)}/modelRegistry.json: not a regular file (a symbolic link)`);
  });

  it("writes nothing without a key, and refuses a key that is not Ed25519", async () => {
    const site = join(await tempDir(), "site");
    await cp(built, site, { recursive: true });
    const none = await runCli(["sign", site]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain("no signing key");
    const rsa = join(site, "..", "rsa.pem");
    execFileSync(process.execPath, [
      "-e",
      `const c=require("node:crypto");require("fs").writeFileSync(${JSON.stringify(rsa)},c.generateKeyPairSync("rsa",{modulusLength:1024}).privateKey.export({type:"pkcs8",format:"pem"}))`,
    ]);
    const wrong = await runCli(["sign", site, "--key", rsa]);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain(`${rsa}: an rsa key; expected an Ed25519 key`);
    expect((await runCli(["verify-publication", site])).stdout).toContain("keys.json: missing");
    expect((await runCli(["sign", "--generate-key", keyFile])).stderr).toContain("exists; a signing key is never overwritten");
  });
});

describe("the published documents", () => {
  it("validate against the committed wrapper schemas (and the server's integer revision does too)", async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const schemaDir = join(repoRoot, "schema", "v1");
    for (const file of ["entry.consuming.json", "model-registry.json", "fiab-core-1.json", "fiab-core-2.json", "signatures.json", "signing-keys.json"]) {
      ajv.addSchema(await readJson(join(schemaDir, file)));
    }
    const check = (schema: string, doc: unknown) => {
      const validate = ajv.getSchema(`/schema/v1/${schema}`)!;
      return validate(doc) ? "valid" : ajv.errorsText(validate.errors);
    };
    const site = await signedSite(keyFile);
    const registry = await readJson(join(site, "modelRegistry.json"));
    expect(check("model-registry.json", registry)).toBe("valid");
    expect(check("model-registry.json", { ...registry, revision: 42 })).toBe("valid");
    expect(check("model-registry.json", { ...registry, publishedAt: "yesterday" })).not.toBe("valid");
    expect(check("model-registry.json", { ...registry, checkpoints: { "bad id": {} } })).not.toBe("valid");
    expect(check("fiab-core-1.json", await readJson(join(site, "fiab/core-1/artifacts.json")))).toBe("valid");
    expect(check("fiab-core-2.json", await readJson(join(site, "fiab/core-2/artifacts.json")))).toBe("valid");
    expect(check("fiab-core-2.json", await readJson(join(site, "fiab/core-1/artifacts.json")))).not.toBe("valid");
    expect(check("signatures.json", await readJson(join(site, "modelRegistry.json.sig")))).toBe("valid");
    expect(check("signing-keys.json", await readJson(join(site, "keys.json")))).toBe("valid");
  });
});

/** Netlify's and Cloudflare Pages' _headers: a path line, then indented "Name: value" lines. */
function parseHeaders(text: string): Array<{ path: string; headers: Record<string, string> }> {
  const rules: Array<{ path: string; headers: Record<string, string> }> = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (line.startsWith("/")) rules.push({ path: line.trim(), headers: {} });
    else {
      const match = /^\s+([A-Za-z-]+):\s*(\S.*)$/.exec(line);
      if (!match || rules.length === 0) throw new Error(`_headers line ${i + 1} is neither a path nor an indented header: ${line}`);
      rules.at(-1)!.headers[match[1]!] = match[2]!;
    }
  }
  return rules;
}

// Both hosts match * against any characters, and join the values of a header that several rules set.
const matches = (rule: string, path: string) =>
  new RegExp(
    `^${rule
      .split("*")
      .map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(path);
function headersFor(rules: ReturnType<typeof parseHeaders>, path: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rule of rules) if (matches(rule.path, path)) for (const [name, value] of Object.entries(rule.headers)) (out[name] ??= []).push(value);
  return out;
}

describe("the host configuration", () => {
  it("is written into the build as _headers, parses, and gives each path one value of each header", async () => {
    const rules = parseHeaders(await readFile(join(built, "_headers"), "utf8"));
    const registry = await readFile(join(built, "modelRegistry.json"));
    const mutable = { "Access-Control-Allow-Origin": ["*"], "Cache-Control": ["public, max-age=60, must-revalidate"] };
    const immutable = { "Access-Control-Allow-Origin": ["*"], "Cache-Control": ["public, max-age=31536000, immutable"] };
    for (const path of [
      "/modelRegistry.json",
      "/modelRegistry.json.sig",
      "/keys.json",
      "/fiab/core-2/artifacts.json",
      "/fiab/core-2/artifacts.json.sig",
      "/checkpoints/aifs-single-1.0.json",
      "/schema/v1/model-registry.json",
    ]) {
      expect(headersFor(rules, path), path).toMatchObject(mutable);
    }
    for (const path of [`/revisions/${sha256(registry)}/modelRegistry.json`, `/revisions/${sha256(registry)}/modelRegistry.json.sig`])
      expect(headersFor(rules, path), path).toMatchObject(immutable);
    expect(headersFor(rules, "/_astro/index.abc123.css")["Cache-Control"]).toEqual(["public, max-age=31536000, immutable"]);
    for (const path of ["/", "/index.html", "/modelRegistry.json", "/revisions/x/modelRegistry.json", "/_astro/a.js", "/fiab/core-1/artifacts.json"]) {
      for (const [name, values] of Object.entries(headersFor(rules, path))) expect(values, `${path} ${name}`).toHaveLength(1);
    }
  });
});

describe("building the same commit", () => {
  it("gives byte-identical documents and copies", async () => {
    const again = join(await tempDir(), "dist");
    const build = await astroBuild(entries, again);
    expect(build.exitCode, build.all).toBe(0);
    for (const path of ["modelRegistry.json", "fiab/core-2/artifacts.json", "_headers"]) {
      expect(await readFile(join(again, path)), path).toEqual(await readFile(join(built, path)));
    }
    const registry = await readFile(join(again, "modelRegistry.json"));
    expect(await readFile(join(again, "revisions", sha256(registry), "modelRegistry.json"))).toEqual(registry);
  });
});
