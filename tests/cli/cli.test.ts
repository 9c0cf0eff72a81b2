// The command line as a user meets it: help texts (pinned, so wording changes are visible), usage errors.
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, runCli, tempDir } from "../support/helpers.ts";
import { closeAllServers, serveFile } from "../support/http-servers.ts";

afterAll(closeAllServers);

describe("registry CLI", () => {
  it("lists its commands", async () => {
    const result = await runCli(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "Usage: npm run -s registry -- <command> [options]

      The FIAB model registry's tooling.

      Commands:
        validate                Check every entry against the contract and across entries; report all problems at once.
        extract-basic-metadata  Read a checkpoint's metadata and pickle imports without torch, from a file or over HTTP.
        verify-unpickling       Prove a checkpoint loads with exactly its requirements, in a fresh, sandboxed environment.
        log-run                 Run a checkpoint on deterministic dummy input and trace every module's output (for compare-runs).
        compare-runs            Compare two log-run traces of one checkpoint and input: per-module divergence and a verdict.
        update-metadata         Record check results (verify-unpickling, compare-runs) as compatibility evidence of an entry.
        import-fiab-store       Create or update entries from a FIAB artifact store (core-1 or core-2 shape).
        export-fiab-store       Print the FIAB store document (core-1 or core-2) that an unmodified FIAB reads.
        serve                   Run the registry server: entries over HTTP from sqlite, registration of checkpoints by URL.
        token                   Create, revoke or list the registry server's bearer tokens (stored as hashes in its database).
        backup                  Copy the registry server's database consistently while it runs.
        sync-entries            Write what a registry server changed into an entries folder, keeping the folder's own edits.
        sign                    Sign a built site's registry documents (Ed25519) and write keys.json; --generate-key makes a key.
        verify-publication      Check a published site: signatures, content-addressed copies, and that every document validates.
        worker                  Run the registry server's verification jobs on this host (verify-unpickling, log-run), sandboxed.
        jobs                    List a registry server's verification jobs, or queue a checkpoint's verification again (--verify).
        schema                  Check the contract against the published JSON Schemas in schema/, or refresh them (--update).

      Run a command with --help for its options; --version prints the version."
    `);
  });

  it.each([
    "validate",
    "import-fiab-store",
    "export-fiab-store",
    "extract-basic-metadata",
    "verify-unpickling",
    "log-run",
    "compare-runs",
    "update-metadata",
    "schema",
  ])("%s --help", async (command) => {
    const result = await runCli([command, "--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Usage: npm run -s registry -- ${command}`);
    expect(result.stdout).toMatch(/--help\s+show this help/);
  });

  it("pins the help of validate", async () => {
    expect((await runCli(["validate", "--help"])).stdout).toMatchInlineSnapshot(`
      "Usage: npm run -s registry -- validate [options]

      Check every entry against the contract and across entries; report all problems at once.

      Checks JSON syntax (with line:column), the strict contract (unknown fields are errors, with the field probably
      meant), ids (file names), variants listed on both sides, URLs and sha256 shared only by declared variants, and
      that each platform's status follows from its evidence. Exits 1 when anything is wrong. Warns, without failing,
      and saying what fixes each: an entry FIAB's views leave out (a missing field, with the extract-basic-metadata
      command that fills it, or a value FIAB's runtime would fail on), a time step FIAB cannot parse ("1d": write
      "24h"), a limited area without bounds, an empty description or author, an estimate without its rule. Warnings
      of one kind are shown once with how many more there are; --verbose shows every one.

      Options:
        --entries DIR         folder of entry files (default: entries)
        --json                print the result, or the error, as JSON
        --quiet               print problems only: no warnings, no summary
        --verbose             print every warning, not one per kind with a count
        --format text|github  github: problems and warnings as GitHub annotations on the field's line (::error file=,line=::) (default: text)
        --help                show this help

      Examples:
        npm run -s registry -- validate
        npm run -s registry -- validate --entries my-entries --json
        npm run -s registry -- validate --format github"
    `);
  });

  it("refuses an unknown command", async () => {
    const result = await runCli(["valdate"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatchInlineSnapshot(
      `"registry: unknown command "valdate". Commands: validate, extract-basic-metadata, verify-unpickling, log-run, compare-runs, update-metadata, import-fiab-store, export-fiab-store, serve, token, backup, sync-entries, sign, verify-publication, worker, jobs, schema."`,
    );
  });

  it("refuses an unknown option and a missing argument with exit status 2", async () => {
    const unknown = await runCli(["validate", "--entires", "x"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatchInlineSnapshot(`"registry validate: Unknown option '--entires' (see --help)"`);
    const missing = await runCli(["import-fiab-store"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatchInlineSnapshot(`"registry import-fiab-store: missing argument <store.json> (see --help)"`);
  });

  it("prints its version", async () => {
    const result = await runCli(["--version"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^fiab-model-registry \d+\.\d+\.\d+$/);
  });

  it("aligns the help of a command with long flags", async () => {
    const lines = (await runCli(["verify-unpickling", "--help"])).stdout.split("\n");
    const options = lines.slice(lines.indexOf("Options:") + 1, lines.indexOf("", lines.indexOf("Options:")));
    const starts = new Set(options.map((line) => /^ {2}\S+(?: \S+)? +/.exec(line)![0].length));
    expect(starts.size).toBe(1);
  });

  it("checks numbers and choices where they are declared", async () => {
    const number = await runCli(["verify-unpickling", "x", "--timeout", "soon"]);
    expect(number.exitCode).toBe(2);
    expect(number.stderr).toMatchInlineSnapshot(`"registry verify-unpickling: --timeout must be a positive number, got "soon""`);
    const choice = await runCli(["log-run", "x", "--dtype", "float8"]);
    expect(choice.exitCode).toBe(2);
    expect(choice.stderr).toMatchInlineSnapshot(`"registry log-run: --dtype must be one of float64, float32, float16, bfloat16, got "float8""`);
  });

  it("refuses an unknown FIAB contract version", async () => {
    const result = await runCli(["export-fiab-store", "--contract", "core-3"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatchInlineSnapshot(`"registry export-fiab-store: --contract must be one of core-1, core-2, got "core-3""`);
  });

  it("reports a store file that does not exist", async () => {
    const result = await runCli(["import-fiab-store", "/nonexistent/store.json"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatchInlineSnapshot(`"registry import-fiab-store: /nonexistent/store.json: cannot read (ENOENT)"`);
  });

  it("caps the download of a URL given without an entry at --max-bytes", async () => {
    const server = await serveFile(await readFile(fixture("anemoi/registry-dummy-checkpoint.ckpt")));
    const cacheDir = await tempDir();
    const result = await runCli(["verify-unpickling", server.fileUrl, "--max-bytes", "1000", "--allow-private-network", "--cache-dir", cacheDir]);
    // A download that fails is the host's failure, recorded as such (environment-error), never the checkpoint's.
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: "environment-error", fault: "environment" });
    expect(result.stderr).toContain("the file is 46325 bytes, more than the 1000 bytes accepted");
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
