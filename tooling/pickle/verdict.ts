// Judging a pickle by the globals it imports and what it does with them. Acceptance is by allowlist only
// (allowlist.json, compiled in allowlist.ts, the same list the loader enforces inside the sandbox): a global
// is acceptable only if the list names it, and only for the use the list gives (called, only referenced,
// or called in a narrow form). Anything else is "unreviewed". The denylist below no longer decides
// anything alone: it names the globals known to run code, reach the system or load more pickles (after
// picklescan, modelscan and fickling), so that such a pickle is called "dangerous" and the report says why.
//
// What a static verdict can say: it knows every global the unpickler would import, which of them the pickle
// calls, and of each argument, BUILD state and container what the walk can know without running anything
// (usage.ts): "safe" means every global is reviewed and used as the list allows. What needs the live objects
// (that a class of a reviewed package is a class, which __setstate__ it has) the loader checks inside the
// sandbox, with the same list.
import { allowedUse } from "./allowlist.ts";

export type Verdict = "safe" | "unreviewed" | "dangerous";

/** A global the scanner saw: module and name as the unpickler's `find_class` receives them. */
export type ScannedGlobal = { module: string; name: string };

/** Stand-in for a STACK_GLOBAL operand the scan cannot know (the result of a call). */
export const DYNAMIC = "<dynamic>";
/** EXT1/2/4 name a global through copyreg's extension registry, which exists only at load time. */
export const EXTENSION_MODULE = "copyreg";
export const EXTENSION_PREFIX = "extension_code:";

type Rule = readonly [pattern: string, why: string];

export const DANGEROUS: readonly Rule[] = [
  // Running code from strings, code objects or debuggers.
  ["builtins.eval", "runs code"],
  ["builtins.exec", "runs code"],
  ["builtins.compile", "makes code objects"],
  ["builtins.__import__", "imports any module"],
  ["builtins.breakpoint", "starts a debugger"],
  ["builtins.input", "reads the terminal"],
  ["builtins.__build_class__", "makes classes from functions"],
  ["code.*", "runs code"],
  ["codeop.*", "compiles code"],
  ["runpy.*", "runs modules"],
  ["importlib.*", "imports any module"],
  ["imp.*", "imports any module"],
  ["pkgutil.*", "resolves any dotted name"],
  ["pydoc.*", "resolves any dotted name, runs a pager"],
  ["types.CodeType", "makes code objects"],
  ["types.FunctionType", "makes functions from code"],
  ["types.LambdaType", "makes functions from code"],
  ["marshal.*", "loads code objects"],
  ["ctypes.*", "native calls"],
  ["_ctypes.*", "native calls"],
  ["pdb.*", "runs code"],
  ["bdb.*", "runs code"],
  ["timeit.*", "runs code"],
  ["cProfile.*", "runs code"],
  ["profile.*", "runs code"],
  ["trace.*", "runs code"],
  ["doctest.*", "runs code"],
  ["sys.*", "interpreter state"],
  ["operator.attrgetter", "dotted attribute access"],
  ["_operator.attrgetter", "dotted attribute access"],
  ["operator.methodcaller", "calls any method"],
  ["_operator.methodcaller", "calls any method"],
  ["functools.partial", "binds calls run later"],
  ["_functools.partial", "binds calls run later"],
  ["functools.partialmethod", "binds calls run later"],
  ["torch._dynamo.guards.GuardBuilder.get", "evaluates a string"],
  ["torch.fx.graph_module.*", "execs source code"],
  ["torch.jit.*", "compiles and loads TorchScript"],
  ["torch._inductor.codecache.*", "compiles and loads code"],
  ["torch.utils.cpp_extension.*", "compiles and loads native code"],
  ["torch.ops.load_library", "loads native code"],
  ["torch.classes.load_library", "loads native code"],
  ["torch._utils._import_dotted_name", "imports any name"],
  ["numpy.testing.*", "runstring execs code"],
  ["numpy.f2py.*", "runs a compiler"],
  ["numpy.distutils.*", "runs a compiler"],
  ["numpy.ctypeslib.*", "loads native code"],
  ["hydra.utils.*", "instantiates any dotted name"],
  ["hydra._internal.*", "instantiates any dotted name"],
  // Processes and signals.
  ["os.*", "processes, files"],
  ["posix.*", "processes, files"],
  ["nt.*", "processes, files"],
  ["subprocess.*", "processes"],
  ["_posixsubprocess.*", "processes"],
  ["pty.*", "processes"],
  ["multiprocessing.*", "processes"],
  ["_multiprocessing.*", "processes"],
  ["concurrent.*", "processes"],
  ["signal.*", "signals"],
  ["asyncio.*", "processes, sockets"],
  ["venv.*", "processes"],
  ["ensurepip.*", "processes"],
  // Files.
  ["builtins.open", "files"],
  ["io.open", "files"],
  ["io.open_code", "files"],
  ["io.FileIO", "files"],
  ["_io.open", "files"],
  ["_io.open_code", "files"],
  ["_io.FileIO", "files"],
  ["codecs.open", "files"],
  ["fileinput.*", "files"],
  ["tempfile.*", "creates files"],
  ["shutil.*", "copies and deletes files"],
  ["numpy.fromfile", "files"],
  ["numpy.memmap", "files"],
  ["numpy.core.memmap.*", "files"],
  ["numpy._core.memmap.*", "files"],
  ["numpy.save", "files"],
  ["numpy.savez", "files"],
  ["numpy.savez_compressed", "files"],
  ["numpy.savetxt", "files"],
  ["numpy.loadtxt", "files"],
  ["numpy.genfromtxt", "files"],
  ["torch.save", "files"],
  ["torch.from_file", "files"],
  // Network.
  ["socket.*", "network"],
  ["_socket.*", "network"],
  ["ssl.*", "network"],
  ["http.*", "network"],
  ["urllib.*", "network"],
  ["urllib3.*", "network"],
  ["requests.*", "network"],
  ["httpx.*", "network"],
  ["aiohttp.*", "network"],
  ["webbrowser.*", "opens a browser"],
  ["antigravity.*", "opens a browser on import"],
  ["smtplib.*", "network"],
  ["ftplib.*", "network"],
  ["telnetlib.*", "network"],
  ["poplib.*", "network"],
  ["imaplib.*", "network"],
  ["nntplib.*", "network"],
  ["xmlrpc.*", "network"],
  ["socketserver.*", "network"],
  // Loading further pickles (each one a new, unscanned payload).
  ["pickle.*", "loads pickles"],
  ["_pickle.*", "loads pickles"],
  ["dill.*", "loads pickles"],
  ["cloudpickle.*", "loads pickles"],
  ["joblib.*", "loads pickles"],
  ["shelve.*", "loads pickles"],
  ["pandas.read_pickle", "loads pickles"],
  ["pandas.io.pickle.*", "loads pickles"],
  ["numpy.load", "loads pickles"],
  ["numpy.lib.npyio.*", "loads pickles"],
  ["numpy.lib._npyio_impl.*", "loads pickles"],
  ["torch.load", "loads pickles"],
  ["torch.serialization.load", "loads pickles"],
  ["torch.serialization._load", "loads pickles"],
  ["torch.serialization.save", "files"],
  ["torch.storage._load_from_bytes", "loads pickles"],
  ["torch.hub.*", "downloads and runs code"],
  ["torch.package.*", "loads pickled packages"],
  ["torch.utils._config_module.*", "loads pickles"],
];

type RuleSet = { exact: Map<string, string>; trees: Map<string, string> };

function ruleSet(rules: readonly Rule[]): RuleSet {
  const set: RuleSet = { exact: new Map(), trees: new Map() };
  for (const [pattern, why] of rules) {
    if (pattern.endsWith(".*")) set.trees.set(pattern.slice(0, -2), why);
    else set.exact.set(pattern, why);
  }
  return set;
}

const dangerous = ruleSet(DANGEROUS);

function matchRule(set: RuleSet, candidate: string): string | undefined {
  const exact = set.exact.get(candidate);
  if (exact !== undefined) return exact;
  for (let dot = candidate.indexOf("."); ; dot = candidate.indexOf(".", dot + 1)) {
    const tree = set.trees.get(dot < 0 ? candidate : candidate.slice(0, dot));
    if (tree !== undefined || dot < 0) return tree;
  }
}

/**
 * Modules that, named as a bare attribute ("torch" + "os": torch imported os), can only be the
 * module itself; other tree roots ("trace", "profile", "code") are also common function names.
 */
const REEXPORTED_MODULES = new Set([
  "os",
  "posix",
  "nt",
  "sys",
  "subprocess",
  "socket",
  "shutil",
  "pickle",
  "_pickle",
  "importlib",
  "ctypes",
  "runpy",
  "pty",
  "marshal",
]);

/**
 * Names under which the global may really be found. With protocol 4 a name may be a dotted path
 * from the module ("torch" + "os.system" is os.system, re-exported), so each dotted tail of the
 * name is tried too; "__builtin__"/"__builtins__" stand for builtins.
 */
function candidates({ module, name }: ScannedGlobal): string[] {
  const parts = name.split(".");
  const found = [`${module}.${name}`];
  for (let i = 0; i < parts.length - 1; i++) found.push(parts.slice(i).join("."));
  const last = parts[parts.length - 1]!;
  if (REEXPORTED_MODULES.has(last)) found.push(last);
  // Modules keep private aliases of what they import (threading._os is os, enum.bltns is builtins).
  const unaliased = found.map((c) =>
    c
      .split(".")
      .map((part) => (part === "bltns" ? "builtins" : part.replace(/^_+(?=[a-z])/, "")))
      .join("."),
  );
  return [...found, ...unaliased].map((c) => c.replace(/^__builtins?__\./, "builtins."));
}

export type GlobalJudgement = { verdict: Verdict; why: string; use?: "call" | "reference" | "narrow" };

/** What the list says of one global, and why; `called` tells whether the pickle calls it. */
export function judgeGlobal(global: ScannedGlobal, called = false, extraPackages: readonly string[] = []): GlobalJudgement {
  if (global.module === DYNAMIC || global.name === DYNAMIC) return { verdict: "dangerous", why: "name computed at load time" };
  if (global.module === EXTENSION_MODULE && global.name.startsWith(EXTENSION_PREFIX)) {
    return { verdict: "dangerous", why: "copyreg extension code, resolved only at load time" };
  }
  const names = candidates(global);
  for (const candidate of names) {
    const why = matchRule(dangerous, candidate);
    if (why !== undefined) return { verdict: "dangerous", why };
  }
  if (global.name.includes(".")) return { verdict: "unreviewed", why: "an attribute path through a module, not a name the module defines" };
  const allowed = allowedUse(global.module, global.name, extraPackages);
  if (!allowed) return { verdict: "unreviewed", why: "not on the reviewed list (tooling/pickle/allowlist.json)" };
  if (called && allowed.use === "reference") return { verdict: "unreviewed", why: `called, but may only be referenced (${allowed.why})` };
  return { verdict: "safe", why: allowed.why, use: allowed.use };
}

export interface PickleJudgement {
  verdict: Verdict;
  /** The globals behind a verdict other than safe (a pseudo-name for calls of computed values), sorted by the caller. */
  flagged: string[];
  /** One line per flagged global: what it is and why it is flagged. */
  reasons: string[];
}

/** The pickle's verdict is its worst finding's. */
export interface CallFindings {
  isCalled: (index: number) => boolean;
  /** Calls of values made while unpickling. */
  computedCalls: number;
  /** Uses outside the reviewed rules (arguments, BUILD, containers, persistent ids), one line each, the first few. */
  usageViolations: readonly string[];
  /** How many there were in all. */
  usageCount: number;
}

export function judgeGlobals(
  globals: readonly ScannedGlobal[],
  calls: CallFindings,
  format: (g: ScannedGlobal) => string,
  extraPackages: readonly string[] = [],
): PickleJudgement {
  const byVerdict: Record<Verdict, Array<[string, string]>> = { safe: [], unreviewed: [], dangerous: [] };
  globals.forEach((global, index) => {
    const judged = judgeGlobal(global, calls.isCalled(index), extraPackages);
    byVerdict[judged.verdict].push([format(global), judged.why]);
  });
  const { computedCalls } = calls;
  if (computedCalls > 0)
    byVerdict.unreviewed.push([
      COMPUTED_CALL,
      `${computedCalls} call${computedCalls === 1 ? "" : "s"} of a value made while unpickling (a getattr result, an object): only reviewed globals may be called`,
    ]);
  for (const violation of calls.usageViolations) byVerdict.unreviewed.push([USE_OUTSIDE_LIST, violation]);
  const more = calls.usageCount - calls.usageViolations.length;
  if (more > 0) byVerdict.unreviewed.push([USE_OUTSIDE_LIST, `and ${more} more use${more === 1 ? "" : "s"} outside the list`]);
  const verdict: Verdict = byVerdict.dangerous.length > 0 ? "dangerous" : byVerdict.unreviewed.length > 0 ? "unreviewed" : "safe";
  const flagged = verdict === "safe" ? [] : byVerdict[verdict];
  return { verdict, flagged: flagged.map(([name]) => name), reasons: flagged.map(([name, why]) => `${name}: ${why}`) };
}

/** How calls of computed values appear among the flagged globals. */
export const COMPUTED_CALL = "<call of a computed value>";
/** How a use outside the reviewed rules (a call's arguments, a BUILD, added items, a persistent id) appears among the flagged globals. */
export const USE_OUTSIDE_LIST = "<use outside the reviewed list>";
