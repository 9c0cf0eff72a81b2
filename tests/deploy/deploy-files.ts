// The deployment files in deploy/ read as their schedulers read them, and the worker command line each one
// runs, taken from the file itself (never restated here), so that the tests lint and dry-run what ships.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "../support/paths.ts";

export const deployDir = join(repoRoot, "deploy");
export const deployFile = (path: string) => join(deployDir, path);

export const files = {
  workflow: deployFile("github/registry-worker.yml"),
  slurmGpu: deployFile("slurm/registry-worker.sbatch"),
  slurmCpu: deployFile("slurm/registry-worker-cpu.sbatch"),
  kubernetes: deployFile("kubernetes/registry-worker.yaml"),
  containerfile: deployFile("kubernetes/Containerfile"),
  unit: deployFile("systemd/fiab-registry-worker.service"),
  unitEnv: deployFile("systemd/worker.env.example"),
  plist: deployFile("launchd/org.ecmwf.fiab-registry-worker.plist"),
};

/** The path each file assumes for the checkout, which the tests replace with this repository. */
export const checkoutIn = {
  kubernetes: "/opt/fiab-model-registry",
  systemd: "/opt/fiab-model-registry",
  launchd: "/Users/fiab/fiab-model-registry",
};

export function readYaml(path: string): any {
  return parse(readFileSync(path, "utf8"), { strict: true, uniqueKeys: true });
}

/** Every document of a multi-document YAML file; a syntax error anywhere throws with its line. */
export function readYamlDocuments(path: string): any[] {
  return parseAllDocuments(readFileSync(path, "utf8"), { strict: true, uniqueKeys: true }).map((doc) => {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS();
  });
}

/** The workflow step that runs the worker, and the job around it. */
export function workflowWorkerStep(workflow: any): { job: any; step: any } {
  for (const job of Object.values<any>(workflow.jobs ?? {})) {
    const step = (job.steps ?? []).find((s: any) => typeof s.run === "string" && /tooling\/registry\.mjs worker\b/.test(s.run));
    if (step) return { job, step };
  }
  throw new Error(`${files.workflow}: no step runs tooling/registry.mjs worker`);
}

/**
 * GitHub's ${{ }} expressions, as far as the worker step uses them: plain context lookups
 * (matrix.x, secrets.X, vars.X). Anything else throws, so a new kind of expression cannot pass unevaluated.
 */
export function evaluateExpressions(text: string, contexts: Record<string, Record<string, unknown>>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    const match = /^(matrix|secrets|vars)\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(expression);
    if (!match) throw new Error(`${files.workflow}: the test cannot evaluate \${{ ${expression} }}`);
    const value = contexts[match[1]!]?.[match[2]!];
    // GitHub gives an unset variable or secret as the empty string.
    return value === undefined ? "" : String(value);
  });
}

export interface KubernetesWorker {
  cronJob: any;
  pod: any;
  container: any;
}

export function kubernetesWorker(): KubernetesWorker {
  const docs = readYamlDocuments(files.kubernetes);
  const cronJob = docs.find((d) => d?.kind === "CronJob");
  if (!cronJob) throw new Error(`${files.kubernetes}: no CronJob`);
  const pod = cronJob.spec?.jobTemplate?.spec?.template?.spec;
  const container = pod?.containers?.find((c: any) => c.name === "worker");
  if (!container) throw new Error(`${files.kubernetes}: no container named worker`);
  return { cronJob, pod, container };
}

/** Kubernetes' $(VAR) references in command and args, from the container's own env; $$ escapes a $. */
export function expandKubernetesVars(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return "$";
    return env[name] ?? whole; // Kubernetes leaves an unknown reference as written
  });
}

/** A unit file's sections as key -> values (a key may repeat), comments and blank lines dropped. */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) return;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      return;
    }
    const pair = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!pair || !current) throw new Error(`${files.unit}:${index + 1}: not a key=value line in a section: ${line}`);
    current.set(pair[1]!, [...(current.get(pair[1]!) ?? []), pair[2]!]);
  });
  return sections;
}

/** KEY=value lines of an EnvironmentFile (no quoting used in ours). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const pair = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!pair) throw new Error(`${files.unitEnv}: not a KEY=value line: ${line}`);
    env[pair[1]!] = pair[2]!;
  }
  return env;
}

/**
 * ExecStart as systemd splits it: words at whitespace, ${VAR} replaced by the variable as one word, a word that
 * is exactly $VAR by the variable's words (none when it is empty). Our unit uses no quotes and no prefixes
 * (-, @, +); those, and $VAR inside a word, throw.
 */
export function execStartArgv(execStart: string, env: Record<string, string>): string[] {
  if (/["'\\]|^[-@+!:]/.test(execStart)) throw new Error(`${files.unit}: ExecStart uses syntax this test does not model: ${execStart}`);
  const value = (name: string) => {
    if (env[name] === undefined) throw new Error(`${files.unit}: ExecStart uses ${name}, which the EnvironmentFile does not set`);
    return env[name];
  };
  return execStart
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((word) => {
      const split = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
      if (split) return value(split[1]!).split(/\s+/).filter(Boolean);
      const braced = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
      if (/\$[A-Za-z_]/.test(word.replace(braced, "")))
        throw new Error(`${files.unit}: ExecStart uses $VAR inside a word, which this test does not model: ${word}`);
      return [word.replace(braced, (_, name: string) => value(name))];
    });
}

/** The plist as launchd reads it, through python3's plistlib (the format's reference reader here). */
export function readPlist(path: string): any {
  const json = execFileSync("python3", ["-c", "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb'))))", path], {
    encoding: "utf8",
  });
  return JSON.parse(json);
}

/** The value of `--name` in an argument list; undefined when absent. */
export function optionValue(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

/** Whether a program is on PATH (for shellcheck, systemd-analyze). */
export function onPath(program: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
