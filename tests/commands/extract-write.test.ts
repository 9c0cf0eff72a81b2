// --write: new entries appear in both FIAB views without hand edits; existing entries keep what people
// wrote; the write is atomic, idempotent and stable.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { copyOfEntries, fixture, readJson, runCli, tempDir } from "../support/helpers.ts";
import { packMetadataFixture } from "../support/pack-metadata.ts";

const dummy = fixture("anemoi/registry-dummy-checkpoint.ckpt");

describe("extract-basic-metadata --write", () => {
  it("creates an entry that validates and appears in both FIAB views", async () => {
    const entries = await copyOfEntries();
    const path = await packMetadataFixture("rmi-lam", await tempDir());
    const write = await runCli([
      "extract-basic-metadata",
      path,
      "--id",
      "rmi-lam",
      "--url",
      "https://example.org/rmi-lam.ckpt",
      "--write",
      "--entries",
      entries,
    ]);
    expect(write.exitCode, write.stderr).toBe(0);
    expect(write.stdout).toBe(`created ${join(entries, "rmi-lam.json")}`);
    expect((await runCli(["validate", "--entries", entries])).exitCode).toBe(0);
    for (const contract of ["core-1", "core-2"]) {
      const view = await runCli(["export-fiab-store", "--contract", contract, "--entries", entries]);
      // Only the new entry matters here (a shipped entry FIAB's runtime would fail on is left out with a warning).
      expect(view.stderr.split("\n").filter((line) => line.includes("rmi-lam"))).toEqual([]);
      const artifact = JSON.parse(view.stdout).artifacts["rmi-lam"];
      const fields = artifact.common ? { ...artifact.common, ...artifact.specific } : artifact.store_info;
      expect(fields).toMatchObject({
        url: "https://example.org/rmi-lam.ckpt",
        timestep: "6h",
        supported_platforms: ["linux", "macos"],
        input_characteristics: ["input_source", "lead_time", "base_time"],
      });
      expect(fields.pip_package_constraints).toContain("torch==2.5.1");
    }
  });

  it("updates an existing entry: refreshes what it read, keeps what people wrote; a second run changes nothing", async () => {
    const entries = await copyOfEntries();
    const file = join(entries, "aifs-single-mse-1.1_w_flash_attn.json");
    const before = await readJson(file);
    const run = () => runCli(["extract-basic-metadata", dummy, "--id", "aifs-single-mse-1.1_w_flash_attn", "--write", "--entries", entries]);
    const first = await run();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain("inputs.qube: kept the entry's value");
    const after = await readJson(file);
    expect(after.display).toEqual(before.display);
    expect(after.tags).toEqual(before.tags);
    expect(after.publication).toEqual(before.publication);
    expect(after.variants).toEqual(before.variants);
    expect(after.configuration).toEqual(before.configuration);
    expect(after.requirements.pipConstraints).toEqual(before.requirements.pipConstraints);
    expect(after.inputs.qube).toEqual(before.inputs.qube);
    expect(after.source.url).toBe(before.source.url);
    expect(after.source.sizeBytes).toBe(46325);
    expect(after.provenance.python).toBe("3.10.8");
    expect(after.pickle.verdict).toBe("safe");
    // the kept flash-attn wheel still restricts the variant to x86_64 and Python 3.12
    expect(after.infrastructure.architectures).toEqual(["x86_64"]);
    expect(after.requirements.pythonVersions).toEqual(["3.12"]);
    expect(Object.keys(after)).toEqual([
      "$schema",
      "schemaVersion",
      "display",
      "tags",
      "publication",
      "source",
      "variants",
      "model",
      "requirements",
      "configuration",
      "infrastructure",
      "inputs",
      "outputs",
      "provenance",
      "pickle",
    ]);
    const text = await readFile(file, "utf8");
    expect((await run()).exitCode).toBe(0);
    expect(await readFile(file, "utf8")).toBe(text);
    expect((await readdir(entries)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("asks for --url to write a local file with no entry yet", async () => {
    const result = await runCli(["extract-basic-metadata", dummy, "--write", "--entries", await copyOfEntries()]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`registry extract-basic-metadata: ${dummy} is a local file: pass --url with the address FIAB downloads it from`);
  });

  it("reads a local file without --url when nothing is written, reporting what it read", async () => {
    const result = await runCli(["extract-basic-metadata", dummy, "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.entry.source).toEqual({ sizeBytes: 46325 });
    expect(doc.warnings).toContain("no --url: source.url is left out (needed to --write the entry)");
    expect(doc.transfer.requests).toBe(0);
    expect(doc.transfer.fileBytes).toBe(46325);
    expect(doc.transfer.bytes).toBeGreaterThan(0);
  });

  it("answers errors as JSON with --json", async () => {
    const result = await runCli(["extract-basic-metadata", "/nonexistent.ckpt", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { command: "extract-basic-metadata", message: "/nonexistent.ckpt: cannot open (ENOENT)", exitCode: 1 },
    });
  });
});

describe("a pickle that calls os.system", () => {
  it("is flagged dangerous in the entry, with a warning", async () => {
    const python = await execa(
      "python3",
      [
        "-c",
        "import os,pickle,sys\nclass P:\n  def __reduce__(self): return (os.system, ('echo pwned',))\nsys.stdout.buffer.write(pickle.dumps(P(), protocol=2))",
      ],
      { encoding: "buffer" },
    );
    const path = await packMetadataFixture("rmi-lam", await tempDir(), { pickle: python.stdout });
    const result = await runCli(["extract-basic-metadata", path, "--url", "https://example.org/x.ckpt", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const entry = JSON.parse(result.stdout).entry;
    expect(entry.pickle.verdict).toBe("dangerous");
    expect(entry.pickle.flagged).toEqual(["posix.system"]);
    expect(result.stderr).toContain(
      "data.pkl is dangerous by the reviewed list (posix.system: processes, files): verify-unpickling and log-run refuse to load it",
    );
  });
});
