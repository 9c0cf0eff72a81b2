// The reviewed list, tried as an attacker would, systematically (gadget-chains.ts): thousands of chains made of
// the list's callables, BUILD targets, containers and persistent ids with every kind of argument, state and
// gadget, each in the places the attacks used. The static scan must call safe exactly the chains built
// from real pickles' forms; the guarded unpickler (Debian's torch and numpy) must load exactly those and refuse
// every other one with Refused, and no marker may appear.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { allowlistDocument } from "../../tooling/pickle/allowlist.ts";
import { scanPickle } from "../../tooling/pickle/scan.ts";
import { BUILTIN_TYPES } from "../../tooling/pickle/usage.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { torchUnavailable } from "../support/python-fixtures.ts";
import { generateChains, type Chain } from "./gadget-chains.ts";

const unavailable = await torchUnavailable();
if (unavailable && process.env.CI) throw new Error(`CI must run the gadget chain tests: ${unavailable}`);
if (unavailable) console.log(`skipping the guard's side of the gadget chain tests: ${unavailable}`);

/** Loads each chain with the guarded unpickler; persistent ids become storages as torch.load makes them. */
const GUARD = String.raw`
import base64, io, json, sys
sys.path.insert(0, sys.argv[1])
import guarded_unpickler
doc = json.loads(sys.stdin.readline())
Unpickler = guarded_unpickler.make_unpickler(guarded_unpickler.Allowlist(doc))
outcome = {}
for line in sys.stdin:
    name, data = json.loads(line)
    try:
        unpickler = Unpickler(io.BytesIO(base64.b64decode(data)))
        unpickler.persistent_load = lambda pid: pid[1](pid[4])  # ('storage', storage type, key, location, count)
        unpickler.load()
        outcome[name] = "loaded"
    except guarded_unpickler.Refused as error:
        outcome[name] = "refused: " + str(error)
    except Exception as error:
        outcome[name] = "failed otherwise: %s: %s" % (type(error).__name__, error)
print(json.dumps(outcome))
`;
import { runTorchPython } from "../support/torch-python.ts";

let markers: string;
let chains: Chain[];
beforeAll(async () => {
  markers = await tempDir("gadget-markers-");
  chains = generateChains(markers);
});

describe("gadget chains over the reviewed list", () => {
  it("are many, of every kind, and the real forms among them", () => {
    expect(chains.length).toBeGreaterThan(2500);
    expect(chains.filter((c) => c.benign).length).toBeGreaterThan(50);
    expect(new Set(chains.map((c) => c.name)).size).toBe(chains.length);
  });

  it("are refused by the static scan, every one but the real forms, which are safe", () => {
    const wrong = chains.flatMap((chain) => {
      const scan = scanPickle(chain.pickle);
      return (scan.verdict === "safe") === chain.benign ? [] : [`${chain.name}: ${scan.verdict} ${scan.reasons.slice(0, 2).join("; ")}`];
    });
    expect(wrong).toEqual([]);
  });

  it.skipIf(unavailable)("are refused by the loader's guard, every one but the real forms, which load; and no marker appears", async () => {
    const input = [JSON.stringify(allowlistDocument), ...chains.map((c, i) => JSON.stringify([String(i), c.pickle.toString("base64")]))].join("\n");
    const run = await runTorchPython(["-c", GUARD, join(repoRoot, "tooling", "python")], { input: `${input}\n`, cwd: markers, timeout: 300_000 });
    const outcome: Record<string, string> = JSON.parse(run.stdout);
    const wrong = chains.flatMap((chain, i) => {
      const got = outcome[String(i)] ?? "no outcome";
      const ok = chain.benign ? got === "loaded" : got.startsWith("refused: ");
      return ok ? [] : [`${chain.name}: ${got}`];
    });
    expect(wrong).toEqual([]);
    await sleep(500);
    expect(readdirSync(markers)).toEqual([]);
  });
});

describe("the rule set", () => {
  it("names the same builtin types as both interpreters implement", async () => {
    const names = Object.keys(allowlistDocument.builtinTypes).sort();
    expect([...BUILTIN_TYPES].sort()).toEqual(names);
    const python = await runTorchPython([
      "-c",
      "import json, sys; sys.path.insert(0, sys.argv[1]); import guarded_unpickler; print(json.dumps(sorted(guarded_unpickler.BUILTIN_TYPES)))",
      join(repoRoot, "tooling", "python"),
    ]);
    expect(JSON.parse(python.stdout)).toEqual(names);
  });
});
