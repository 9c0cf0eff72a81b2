// The loader's guard lets real model pickles through: the real AIFS data.pkl of the fixtures, and the
// torch_geometric 2.8 checkpoints made on an H200 (tests/fixtures/torch-2.11/), unpickle through
// guarded_unpickler in full, with torch's storages, its getattr, type(None), Optional[X] and the hook dicts
// typing.OrderedDict() made in their narrow forms. The packages they need and Debian does not ship (aifs,
// torch_geometric, omegaconf, flash_attn, the toy model's pyg_toy) are stood in for by modules of plain classes
// named as the pickle names them.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { allowlistDocument, allowlistWith } from "../../tooling/pickle/allowlist.ts";
import { aifsDataPickle } from "../support/aifs-pickle.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { PYG_CHECKPOINTS, PYG_MODEL_PACKAGE, pygDataPickle, pygMutations } from "../support/pyg-pickles.ts";
import { torchUnavailable } from "../support/python-fixtures.ts";

const unavailable = await torchUnavailable();
if (unavailable && process.env.CI) throw new Error(`CI must run the guarded loader tests: ${unavailable}`);
if (unavailable) console.log(`skipping the guarded loader tests: ${unavailable}`);

const script = String.raw`
import collections, gc, io, json, os, pickletools, re, sys, typing
tooling, stubs, pkl_path, allowlist, stubbed = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), sys.argv[5].split(",")
data = open(pkl_path, "rb").read()
listing = io.StringIO()
pickletools.dis(data, out=listing)
# Stand-ins for the packages Debian does not ship: a plain class per class name, a function per function.
for module, name in set(re.findall(r"GLOBAL\s+'(\S+) (\S+)'", listing.getvalue())):
    parts = module.split(".")
    if parts[0] not in stubbed:
        continue
    for i in range(1, len(parts)):
        folder = os.path.join(stubs, *parts[:i])
        os.makedirs(folder, exist_ok=True)
        open(os.path.join(folder, "__init__.py"), "a").close()
    os.makedirs(os.path.join(stubs, *parts[:-1]), exist_ok=True)
    with open(os.path.join(stubs, *parts[:-1], parts[-1] + ".py"), "a") as f:
        if name[0].isupper():
            f.write("class %s:\n    def __init__(self, *a, **k): pass\n    def forward(self, *a): pass\n" % name)
        else:
            f.write("def %s(*a, **k): raise RuntimeError('called while unpickling')\n" % name)
sys.path[:0] = [tooling, stubs]
import torch, guarded_unpickler
unpickler = guarded_unpickler.make_unpickler(guarded_unpickler.Allowlist(allowlist))(io.BytesIO(data))
unpickler.persistent_load = lambda pid: pid[1](pid[4])  # ('storage', storage type, key, location, numel)
try:
    model = unpickler.load()
except guarded_unpickler.Refused as error:
    print(json.dumps({"refused": str(error)}))
    sys.exit(0)
origins = sum(1 for o in gc.get_objects() if type(o) is collections.OrderedDict and getattr(o, "__dict__", None) == {"__orig_class__": typing.OrderedDict})
print(json.dumps({"type": type(model).__module__ + "." + type(model).__qualname__, "forward": callable(getattr(model, "forward", None)), "orderedDictOrigins": origins}))
`;
import { runTorchPython } from "../support/torch-python.ts";

describe.skipIf(unavailable)("the guarded loader on the real AIFS pickle", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir("guarded-");
    await writeFile(join(dir, "data.pkl"), aifsDataPickle());
  });

  it("unpickles it in full", async () => {
    const run = await runTorchPython([
      "-c",
      script,
      join(repoRoot, "tooling", "python"),
      join(dir, "stubs"),
      join(dir, "data.pkl"),
      JSON.stringify(allowlistDocument),
      "aifs,torch_geometric,omegaconf,flash_attn",
    ]);
    expect(JSON.parse(run.stdout)).toEqual({ type: "aifs.model.model.AIFSModelGNN", forward: true, orderedDictOrigins: 0 });
  });
});

describe.skipIf(unavailable).each(PYG_CHECKPOINTS)("the guarded loader on the torch_geometric pickle of %s", (checkpoint) => {
  const pickle = pygDataPickle(checkpoint);
  const allowlist = JSON.stringify(allowlistWith([PYG_MODEL_PACKAGE]));
  const load = async (data: Buffer) => {
    const dir = await tempDir("guarded-pyg-");
    await writeFile(join(dir, "data.pkl"), data);
    const run = await runTorchPython([
      "-c",
      script,
      join(repoRoot, "tooling", "python"),
      join(dir, "stubs"),
      join(dir, "data.pkl"),
      allowlist,
      `torch_geometric,${PYG_MODEL_PACKAGE}`,
    ]);
    return JSON.parse(run.stdout);
  };

  it("unpickles it in full, each hook dict an OrderedDict with its __orig_class__", async () => {
    expect(await load(pickle)).toEqual({ type: "pyg_toy.GraphToy", forward: true, orderedDictOrigins: 20 });
  });

  it.each(Object.keys(pygMutations(pickle)))("refuses it when the OrderedDicts' state has %s", async (mutation) => {
    expect(await load(pygMutations(pickle)[mutation]!)).toEqual({
      refused: expect.stringMatching(/^refused BUILD on a collections\.OrderedDict: its state is .*, not ordered-dict-origin$/),
    });
  });
});
