// The project's own hostile corpus (tests/support/hostile_pickles.py: aliased modules, dunder suffixes,
// standard-library gadgets, file writers, nested pickles, calls of fetched attributes, extension codes,
// computed names): every sample is refused by the static scan and by the loader's guarded unpickler, and no
// payload creates its marker. The corpus is checked to be live first: a plain pickle.loads fires each
// sample marked so, so that these tests would fail if the guards let one through.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { allowlistDocument } from "../../tooling/pickle/allowlist.ts";
import { scanPickle } from "../../tooling/pickle/scan.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { torchPython, torchUnavailable } from "../support/python-fixtures.ts";

interface Sample {
  category: string;
  pickle: string;
  fires: boolean;
}

const generator = join(repoRoot, "tests", "support", "hostile_pickles.py");
const python = existsSync(torchPython) ? torchPython : "python3";

async function corpus(markerDir: string): Promise<Record<string, Sample>> {
  return JSON.parse((await execa(python, [generator, markerDir])).stdout);
}

let noTorch: string | undefined;
beforeAll(async () => {
  noTorch = await torchUnavailable();
});

describe("the hostile corpus", () => {
  it("is live: a plain pickle.loads fires every sample marked so", async () => {
    const markers = await tempDir("hostile-live-");
    const samples = await corpus(markers);
    expect(Object.keys(samples).length).toBeGreaterThanOrEqual(25);
    const needTorch = (name: string) => name.startsWith("torch-");
    if (noTorch) console.log(`torch samples not fired: ${noTorch}`);
    const live = Object.entries(samples).filter(([name, s]) => s.fires && !(noTorch && needTorch(name)));
    for (const [, sample] of live) {
      // Each in its own process, in the scratch folder: what a payload does stays there.
      await execa(python, ["-c", "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"], {
        input: Buffer.from(sample.pickle, "base64"),
        cwd: markers,
        reject: false,
        timeout: 60_000,
      });
    }
    for (let i = 0; i < 40 && readdirSync(markers).length < live.length; i++) await sleep(100); // Popen children finish late
    expect(readdirSync(markers).sort()).toEqual(live.map(([name]) => name).sort());
  });

  it("is refused by the static scan, every sample", async () => {
    const samples = await corpus(await tempDir("hostile-scan-"));
    const verdicts = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, scanPickle(Buffer.from(s.pickle, "base64")).verdict]));
    expect(Object.entries(verdicts).filter(([, verdict]) => verdict === "safe")).toEqual([]);
  });

  it("is refused by the loader's guarded unpickler, every sample, and no marker appears", async () => {
    const markers = await tempDir("hostile-guard-");
    const samples = await corpus(markers);
    const script = `
import base64, json, sys
sys.path.insert(0, sys.argv[1])
import guarded_unpickler
samples = json.load(sys.stdin)
module = guarded_unpickler.pickle_module(json.loads(sys.argv[2]))
outcome = {}
for name, sample in samples.items():
    try:
        module.loads(base64.b64decode(sample["pickle"]))
        outcome[name] = "loaded"
    except guarded_unpickler.Refused as error:
        outcome[name] = "refused: " + str(error)
    except Exception as error:
        outcome[name] = "failed otherwise: %s: %s" % (type(error).__name__, error)
print(json.dumps(outcome))
`;
    const run = await execa(python, ["-c", script, join(repoRoot, "tooling", "python"), JSON.stringify(allowlistDocument)], {
      input: JSON.stringify(samples),
      cwd: markers,
      timeout: 120_000,
    });
    const outcome: Record<string, string> = JSON.parse(run.stdout);
    expect(Object.keys(outcome).sort()).toEqual(Object.keys(samples).sort());
    expect(Object.entries(outcome).filter(([, text]) => !text.startsWith("refused: "))).toEqual([]);
    await sleep(1000);
    expect(readdirSync(markers)).toEqual([]);
  });
});
