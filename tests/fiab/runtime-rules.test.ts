// The fields FIAB parses at run time, each held to the rule FIAB's code applies, named after the FIAB function:
// what the registry writes and publishes must be what FIAB's runtime accepts, and what it would raise on is left
// out of the views with a warning that says the fix.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { canonicalTimestep, formatTimestep, timestepSeconds } from "../../src/contract/duration.ts";
import { parseEntry } from "../../src/contract/parse.ts";
import { exportStore, fiabFieldsOf } from "../../src/fiab/export.ts";
import { earthkitTimedeltaSeconds, pipRequirementProblem, qubeProblem, runtimeProblems } from "../../src/fiab/runtime-rules.ts";
import { core1Artifact, core2Artifact, type FiabFields } from "../../src/fiab/store-contract.ts";
import { artifactFields, entryFromArtifact } from "../../src/fiab/import.ts";
import { fiabTimestep } from "../../tooling/anemoi/metadata-map.ts";
import { fixture, readJson } from "../support/helpers.ts";

const store = async () => (await readJson(fixture("fiab/artifacts.core-2.json"))).artifacts as Record<string, any>;
const fieldsOf = async (id: string): Promise<FiabFields> => structuredClone(artifactFields((await store())[id]));

describe("timestep: earthkit-data's to_timedelta, called by fiab-plugin-ecmwf's _timestep_seconds", () => {
  it("takes digits (hours) and one number with one unit of s, m or h; raises on days and on several units", () => {
    expect(earthkitTimedeltaSeconds("6h")).toBe(21_600);
    expect(earthkitTimedeltaSeconds("24h")).toBe(86_400);
    expect(earthkitTimedeltaSeconds("90m")).toBe(5_400);
    expect(earthkitTimedeltaSeconds("30s")).toBe(30);
    expect(earthkitTimedeltaSeconds("6")).toBe(21_600);
    expect(earthkitTimedeltaSeconds("0-6")).toBe(21_600);
    for (const raises of ["1d", "1h30m", "6H", "6 h", "h", ""]) expect(earthkitTimedeltaSeconds(raises), raises).toBeUndefined();
  });

  it("the registry writes every duration from 1 s to 10 days so that to_timedelta reads it back exactly", () => {
    for (let seconds = 1; seconds <= 864_000; seconds += seconds < 7_200 ? 1 : 59) {
      const written = formatTimestep(seconds)!;
      expect(written).toMatch(/^\d+[hms]$/);
      expect(earthkitTimedeltaSeconds(written), written).toBe(seconds);
      expect(timestepSeconds(written)).toBe(seconds);
    }
    expect(formatTimestep(86_400)).toBe("24h");
    expect(formatTimestep(5_400)).toBe("90m");
    expect(formatTimestep(0)).toBeUndefined();
  });

  it("the older forms are still read, and written in the one-unit form", () => {
    expect(canonicalTimestep("1d")).toBe("24h");
    expect(canonicalTimestep("1h30m")).toBe("90m");
    expect(canonicalTimestep("2d12h")).toBe("60h");
    expect(canonicalTimestep("6h")).toBe("6h");
  });

  it("extract-basic-metadata reads config.data.timestep or frequency as anemoi-utils' frequency_to_timedelta does, and writes a 24-hour step 24h", () => {
    for (const value of ["1d", "1D", "24h", "24H", " 1d ", 24, "24", "24:00", "PT24H", "1440m", "86400s"])
      expect(fiabTimestep(value as never), String(value)).toBe("24h");
    expect(fiabTimestep("1h30m")).toBe("90m");
    expect(fiabTimestep("1:30")).toBe("90m");
    expect(fiabTimestep(0.5)).toBeUndefined();
    expect(fiabTimestep("6h")).toBe("6h");
    expect(fiabTimestep("a day")).toBeUndefined();
  });

  it("an entry still written 1d is published as 24h in both views, and a store's 1d is imported as 24h", async () => {
    const fields = await fieldsOf("aifs-global-o48");
    const entry = entryFromArtifact({ ...fields, timestep: "1d" });
    expect(entry.model?.timestep).toBe("24h");
    const parsed = parseEntry(JSON.parse(JSON.stringify({ ...entry, model: { timestep: "1d" } })));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    for (const contract of ["core-1", "core-2"] as const) {
      const { store: view } = exportStore([{ id: "daily", entry: parsed.entry }], contract, "test");
      const artifact = view.artifacts["daily"] as any;
      expect((artifact.specific ?? artifact.store_info).timestep).toBe("24h");
    }
  });

  it("a zero time step, which _timestep_seconds refuses, keeps the entry out of the views", async () => {
    const problems = runtimeProblems({ ...(await fieldsOf("aifs-global-o48")), timestep: "0h" });
    expect(problems).toEqual([{ field: "specific.timestep", message: '"0h" is not positive, which fiab-plugin-ecmwf\'s _timestep_seconds refuses' }]);
  });
});

// packaging's own Requirement, when a Python with packaging is on this machine: the strings the rule takes are the
// ones packaging parses (bare wheel URLs apart, which uv takes on its command line and packaging does not).
async function pythonWithPackaging(): Promise<string | undefined> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const probe = await execa(python, ["-c", "import packaging.requirements"], { reject: false });
    if (probe.exitCode === 0) return python;
  }
  return undefined;
}
const python = await pythonWithPackaging();
const noPackaging = python ? undefined : "no python3 with packaging (apt-get install python3-packaging)";
if (noPackaging && process.env.CI) throw new Error(`CI must run the pip requirement tests: ${noPackaging}`);
if (noPackaging) console.warn(`skipping the comparison with packaging's Requirement: ${noPackaging}`);

describe("pip_package_constraints: uv pip install in cascade's PackagesEnv.extend (CheckpointArtifact.get_environment)", () => {
  const requirements = [
    "anemoi-models==0.9.5",
    "anemoi-inference",
    "anemoi-plugins-ecmwf-inference[regrid]>=0.3.0",
    "torch_geometric==2.4.0",
    "torch==2.5.1+rocm6.2",
    "anemoi-graphs>=0.4.4.dev12",
    "numpy>=1.24,<2; python_version >= '3.10'",
    "flash-attn @ https://example.org/flash_attn-2.7.4+cu12torch2.6-cp312-cp312-linux_x86_64.whl",
    "bad name==1",
    "anemoi-models==",
    "-r other.txt",
    "torch>>2",
    "git+https://github.com/ecmwf/anemoi-models",
  ];

  it.skipIf(noPackaging)("accepts exactly the requirements packaging's Requirement parses", async () => {
    const script =
      "import json,sys\nfrom packaging.requirements import Requirement\nout=[]\nfor r in json.load(sys.stdin):\n  try:\n    Requirement(r); out.append(True)\n  except Exception:\n    out.append(False)\nprint(json.dumps(out))";
    const { stdout } = await execa(python!, ["-c", script], { input: JSON.stringify(requirements) });
    const packaging = JSON.parse(stdout) as boolean[];
    expect(requirements.map((r) => pipRequirementProblem(r) === undefined)).toEqual(packaging);
    expect(packaging.filter(Boolean)).toHaveLength(8);
  });

  it("accepts the bare wheel URLs FIAB's own store pins flash-attn with, as uv does", async () => {
    const fields = await fieldsOf("aifs-single-mse-1.1_w_flash_attn");
    const wheel = fields.pip_package_constraints.find((c) => c.endsWith(".whl"))!;
    expect(wheel).toMatch(/^https:\/\/.*flash_attn-.*-linux_x86_64\.whl$/);
    expect(pipRequirementProblem(wheel)).toBeUndefined();
    expect(pipRequirementProblem("https://example.org/not-a-wheel")).toMatch(/^is not a PEP 508 requirement/);
  });

  it("leaves out of the views, naming the entry field, a constraint uv would refuse", async () => {
    const fields = await fieldsOf("aifs-global-o48");
    fields.pip_package_constraints = [...fields.pip_package_constraints, "anemoi-models=="];
    const entry = entryFromArtifact(fields);
    const result = fiabFieldsOf(entry);
    expect("gaps" in result && result.gaps.map((g) => g.path)).toEqual([`requirements.pipConstraints[${fields.pip_package_constraints.length - 1}]`]);
  });
});

describe("input_qube and output_qube: qubed 0.3's Qube.from_json, through CheckpointArtifact._open_qube_json", () => {
  it("opens every qube of FIAB's own store, one root or one per dataset of a nested model", async () => {
    for (const [id, artifact] of Object.entries(await store())) {
      for (const name of ["input_qube", "output_qube"]) expect(qubeProblem(artifact.specific[name], name), id).toBeUndefined();
    }
  });

  it("refuses what from_json and numpy_from_json raise on", async () => {
    const qube = (await fieldsOf("aifs-global-o48")).input_qube as any;
    const level = qube.children[0];
    expect(qubeProblem({ ...qube, children: undefined }, "q")).toEqual({ field: "q", message: 'has no "children" list' });
    expect(qubeProblem({ ...qube, values: { ...qube.values, unit: "x" } }, "q")?.message).toBe('.values has "unit", which QEnum.from_json does not take');
    const metadata = { name: { shape: [1, 2], dtype: "str", values: ["pressure"] } };
    expect(qubeProblem({ ...qube, children: [{ ...level, metadata }] }, "q")).toEqual({
      field: "q.children[0].metadata.name",
      message: "holds 1 values for the shape [1,2] (2)",
    });
    expect(qubeProblem({ global: { ...qube, values: { type: "range", dtype: "str", values: [] } } }, "q")?.field).toBe("q.global");
  });
});

describe("configuration: AnemoiCheckpointConfiguration, get_input_configuration and get_additional_kwargs", () => {
  it("a nested model's region of interest must be one of its input_options regions", async () => {
    expect(runtimeProblems(await fieldsOf("BRIS-Malawi-2025.10"))).toEqual([]);
    expect(runtimeProblems(await fieldsOf("BRIS-2025.10"))).toEqual([
      {
        field: "specific.configuration.region_of_interest",
        message: 'is "lam_0", not one of the input_options regions ("source0", "global"), which get_additional_kwargs requires',
        fix: 'name the forecast region among "source0", "global" in configuration.regionOfInterest, or rename its input option',
      },
    ]);
  });

  it("cutout input (a list of input_options) only for nested models, one region per item", async () => {
    const fields = await fieldsOf("BRIS-Malawi-2025.10");
    expect(runtimeProblems({ ...fields, configuration: { ...fields.configuration, nested_model: false } })[0]?.message).toMatch(/only for nested models/);
    expect(runtimeProblems({ ...fields, configuration: { ...fields.configuration, input_options: [{ a: {}, b: {} }] } })[0]?.message).toMatch(
      /exactly one region name/,
    );
  });
});

describe('the pydantic models of fiab-core (extra="forbid"): CommonArtifactMetadata and AnemoiCheckpoint', () => {
  it("every view of the store's artifacts has exactly their fields and types", async () => {
    const entries = Object.entries(await store()).map(([id, a]) => ({ id, entry: entryFromArtifact(artifactFields(a)) }));
    const core2 = exportStore(entries, "core-2", "test").store.artifacts;
    const core1 = exportStore(entries, "core-1", "test").store.artifacts;
    for (const artifact of Object.values(core2)) expect(core2Artifact.safeParse(artifact).success).toBe(true);
    for (const artifact of Object.values(core1)) expect(core1Artifact.safeParse(artifact).success).toBe(true);
    // supported_platforms: fiab_core's Platform, Literal["macos", "linux"]; disk_size_bytes and the GPU minimum: int.
    expect(
      core2Artifact.safeParse({ ...Object.values(core2)[0], common: { ...(Object.values(core2)[0] as any).common, supported_platforms: ["windows"] } }).success,
    ).toBe(false);
  });

  it("minimum_gpu_memory_mib, which get_model_checkpoint_compatibility uses to refuse a machine, never carries an estimate", async () => {
    const fields = await fieldsOf("aifs-global-o48");
    const entry = entryFromArtifact(fields);
    entry.infrastructure = { ...entry.infrastructure, gpuMemory: { mib: 1024, kind: "estimated", rule: "a rule" } };
    const result = fiabFieldsOf(entry);
    expect("fields" in result && "minimum_gpu_memory_mib" in result.fields).toBe(false);
    const view = exportStore([{ id: "o48", entry }], "core-2", "test").store.artifacts["o48"] as any;
    expect(view.specific).not.toHaveProperty("minimum_gpu_memory_mib");
    expect(JSON.stringify(view)).not.toContain("gpuMemory");
  });
});
