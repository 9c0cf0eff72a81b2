// The real AIFS checkpoint (weights stripped): its data.pkl pickles whole model objects.
import { beforeAll, describe, expect, it } from "vitest";
import { scanPickle, type PickleScan } from "../../tooling/pickle/scan.ts";
import { AIFS_CHECKPOINT, aifsDataPickle } from "../support/aifs-pickle.ts";
import { pythonPickles, type PythonPickle } from "../support/python-pickles.ts";

let pickle: Uint8Array;
let scan: PickleScan;
let cpython: PythonPickle;

beforeAll(async () => {
  pickle = aifsDataPickle();
  scan = scanPickle(pickle);
  // CPython's account, from the member as Python's zipfile reads it (find_class stubbed: nothing
  // of aifs is needed or run).
  const made = await pythonPickles(`
archive = zipfile.ZipFile(${JSON.stringify(AIFS_CHECKPOINT)})
P["aifs"] = archive.read(next(n for n in archive.namelist() if n.endswith("/data.pkl")))`);
  cpython = made["aifs"]!;
});

describe("the AIFS checkpoint's data.pkl", () => {
  it("walks to the same STOP as CPython, with the same globals and storages", () => {
    expect(Buffer.from(pickle).equals(Buffer.from(cpython.bytes))).toBe(true);
    expect(scan.opcodes).toBe(cpython.opcodes);
    expect(scan.globals).toEqual(cpython.globals);
    expect(scan.persistentIds).toBe(cpython.persistentIds);
    expect(scan).toMatchObject({ protocol: 2, trailingBytes: 0 });
  });

  it("names the model's classes and the packages they come from", () => {
    expect(scan.globals).toEqual(
      expect.arrayContaining([
        "aifs.model.model.AIFSModelGNN",
        "aifs.model.layers.TransformerProcessor",
        "flash_attn.flash_attn_interface.flash_attn_func",
        "omegaconf.dictconfig.DictConfig",
        "torch._utils._rebuild_tensor_v2",
        "torch_geometric.data.hetero_data.HeteroData",
        "builtins.getattr", // written __builtin__.getattr: protocol 2
      ]),
    );
    expect(scan.globals.filter((g) => g.startsWith("aifs."))).toHaveLength(16);
    expect(scan.modules).toEqual(["aifs", "flash_attn", "numpy", "omegaconf", "torch", "torch_geometric"]);
  });

  it("is safe by the reviewed list, and needs weights_only=False", () => {
    expect(scan).toMatchObject({
      verdict: "safe",
      flagged: [],
      weightsOnlyLoadable: false,
    });
  });
});
