// The loader's guard lets real model pickles through: the real AIFS data.pkl of the fixtures unpickles
// through guarded_unpickler in full, with torch's storages, its getattr, type(None) and Optional[X] in their
// narrow forms. The packages it needs and Debian does not ship (aifs, torch_geometric, omegaconf, flash_attn)
// are stood in for by modules of plain classes named as the pickle names them.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { allowlistDocument } from "../../tooling/pickle/allowlist.ts";
import { aifsDataPickle } from "../support/aifs-pickle.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { torchPython, torchUnavailable } from "../support/python-fixtures.ts";

const unavailable = await torchUnavailable();
if (unavailable && process.env.CI) throw new Error(`CI must run the guarded loader tests: ${unavailable}`);
if (unavailable) console.log(`skipping the guarded loader tests: ${unavailable}`);

const script = String.raw`
import io, json, os, pickletools, re, sys
tooling, stubs, pkl_path, allowlist = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
data = open(pkl_path, "rb").read()
listing = io.StringIO()
pickletools.dis(data, out=listing)
# Stand-ins for the packages Debian does not ship: a plain class per class name, a function per function.
for module, name in set(re.findall(r"GLOBAL\s+'(\S+) (\S+)'", listing.getvalue())):
    parts = module.split(".")
    if parts[0] not in ("aifs", "torch_geometric", "omegaconf", "flash_attn"):
        continue
    for i in range(1, len(parts)):
        folder = os.path.join(stubs, *parts[:i])
        os.makedirs(folder, exist_ok=True)
        open(os.path.join(folder, "__init__.py"), "a").close()
    with open(os.path.join(stubs, *parts[:-1], parts[-1] + ".py"), "a") as f:
        if name[0].isupper():
            f.write("class %s:\n    def __init__(self, *a, **k): pass\n    def forward(self, *a): pass\n" % name)
        else:
            f.write("def %s(*a, **k): raise RuntimeError('called while unpickling')\n" % name)
sys.path[:0] = [tooling, stubs]
import torch, guarded_unpickler
unpickler = guarded_unpickler.make_unpickler(guarded_unpickler.Allowlist(allowlist))(io.BytesIO(data))
unpickler.persistent_load = lambda pid: pid[1](pid[4])  # ('storage', storage type, key, location, numel)
model = unpickler.load()
print(json.dumps({"type": type(model).__module__ + "." + type(model).__qualname__, "forward": callable(getattr(model, "forward", None))}))
`;

describe.skipIf(unavailable)("the guarded loader on the real AIFS pickle", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir("guarded-");
    await writeFile(join(dir, "data.pkl"), aifsDataPickle());
  });

  it("unpickles it in full", async () => {
    const run = await execa(torchPython, ["-c", script, join(repoRoot, "tooling", "python"), join(dir, "stubs"), join(dir, "data.pkl"), JSON.stringify(allowlistDocument)]);
    expect(JSON.parse(run.stdout)).toEqual({ type: "aifs.model.model.AIFSModelGNN", forward: true });
  });
});
