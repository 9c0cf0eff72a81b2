// Judging a pickle by the globals it imports. All lists live here. A pattern ending in ".*" is a
// whole module tree ("os.*" is os, os.path.join...); any other pattern is one exact global. The
// lists follow picklescan, modelscan and fickling, widened to everything that runs code, starts
// processes, touches files or the network, or loads further pickles.
//
// What a static verdict can and cannot say: it knows every global the unpickler would import,
// exactly, but not what the calls do with them. "dangerous" means a global whose call alone can
// run code or reach the system. "powerful" means a global that is harmless alone but reaches any
// object when combined with others (getattr on a module object is a way to os.system): real model
// pickles contain these, so they are reported for review rather than refused. "safe" means none
// of the listed globals; it is no proof, since an unlisted function of an installed package may do
// anything when called.

export type Verdict = "safe" | "powerful" | "dangerous";

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
  ["builtins.eval", "runs code"], ["builtins.exec", "runs code"], ["builtins.compile", "makes code objects"],
  ["builtins.__import__", "imports any module"], ["builtins.breakpoint", "starts a debugger"],
  ["builtins.input", "reads the terminal"], ["builtins.__build_class__", "makes classes from functions"],
  ["code.*", "runs code"], ["codeop.*", "compiles code"], ["runpy.*", "runs modules"],
  ["importlib.*", "imports any module"], ["imp.*", "imports any module"], ["pkgutil.*", "resolves any dotted name"],
  ["pydoc.*", "resolves any dotted name, runs a pager"], ["types.CodeType", "makes code objects"],
  ["types.FunctionType", "makes functions from code"], ["types.LambdaType", "makes functions from code"],
  ["marshal.*", "loads code objects"], ["ctypes.*", "native calls"], ["_ctypes.*", "native calls"],
  ["pdb.*", "runs code"], ["bdb.*", "runs code"], ["timeit.*", "runs code"], ["cProfile.*", "runs code"],
  ["profile.*", "runs code"], ["trace.*", "runs code"], ["doctest.*", "runs code"], ["sys.*", "interpreter state"],
  ["operator.attrgetter", "dotted attribute access"], ["_operator.attrgetter", "dotted attribute access"],
  ["operator.methodcaller", "calls any method"], ["_operator.methodcaller", "calls any method"],
  ["functools.partial", "binds calls run later"], ["_functools.partial", "binds calls run later"],
  ["functools.partialmethod", "binds calls run later"],
  ["torch._dynamo.guards.GuardBuilder.get", "evaluates a string"], ["torch.fx.graph_module.*", "execs source code"],
  ["torch.jit.*", "compiles and loads TorchScript"], ["torch._inductor.codecache.*", "compiles and loads code"],
  ["torch.utils.cpp_extension.*", "compiles and loads native code"], ["torch.ops.load_library", "loads native code"],
  ["torch.classes.load_library", "loads native code"], ["torch._utils._import_dotted_name", "imports any name"],
  ["numpy.testing.*", "runstring execs code"], ["numpy.f2py.*", "runs a compiler"], ["numpy.distutils.*", "runs a compiler"],
  ["numpy.ctypeslib.*", "loads native code"], ["hydra.utils.*", "instantiates any dotted name"],
  ["hydra._internal.*", "instantiates any dotted name"],
  // Processes and signals.
  ["os.*", "processes, files"], ["posix.*", "processes, files"], ["nt.*", "processes, files"],
  ["subprocess.*", "processes"], ["_posixsubprocess.*", "processes"], ["pty.*", "processes"],
  ["multiprocessing.*", "processes"], ["_multiprocessing.*", "processes"], ["concurrent.*", "processes"],
  ["signal.*", "signals"], ["asyncio.*", "processes, sockets"], ["venv.*", "processes"], ["ensurepip.*", "processes"],
  // Files.
  ["builtins.open", "files"], ["io.open", "files"], ["io.open_code", "files"], ["io.FileIO", "files"],
  ["_io.open", "files"], ["_io.open_code", "files"], ["_io.FileIO", "files"], ["codecs.open", "files"],
  ["fileinput.*", "files"], ["tempfile.*", "creates files"], ["shutil.*", "copies and deletes files"],
  ["numpy.fromfile", "files"], ["numpy.memmap", "files"], ["numpy.core.memmap.*", "files"], ["numpy._core.memmap.*", "files"],
  ["numpy.save", "files"], ["numpy.savez", "files"], ["numpy.savez_compressed", "files"], ["numpy.savetxt", "files"],
  ["numpy.loadtxt", "files"], ["numpy.genfromtxt", "files"], ["torch.save", "files"], ["torch.from_file", "files"],
  // Network.
  ["socket.*", "network"], ["_socket.*", "network"], ["ssl.*", "network"], ["http.*", "network"],
  ["urllib.*", "network"], ["urllib3.*", "network"], ["requests.*", "network"], ["httpx.*", "network"],
  ["aiohttp.*", "network"], ["webbrowser.*", "opens a browser"], ["antigravity.*", "opens a browser on import"],
  ["smtplib.*", "network"], ["ftplib.*", "network"], ["telnetlib.*", "network"], ["poplib.*", "network"],
  ["imaplib.*", "network"], ["nntplib.*", "network"], ["xmlrpc.*", "network"], ["socketserver.*", "network"],
  // Loading further pickles (each one a new, unscanned payload).
  ["pickle.*", "loads pickles"], ["_pickle.*", "loads pickles"], ["dill.*", "loads pickles"],
  ["cloudpickle.*", "loads pickles"], ["joblib.*", "loads pickles"], ["shelve.*", "loads pickles"],
  ["pandas.read_pickle", "loads pickles"], ["pandas.io.pickle.*", "loads pickles"], ["numpy.load", "loads pickles"],
  ["numpy.lib.npyio.*", "loads pickles"], ["numpy.lib._npyio_impl.*", "loads pickles"], ["torch.load", "loads pickles"],
  ["torch.serialization.load", "loads pickles"], ["torch.serialization._load", "loads pickles"],
  ["torch.serialization.save", "files"], ["torch.storage._load_from_bytes", "loads pickles"],
  ["torch.hub.*", "downloads and runs code"], ["torch.package.*", "loads pickled packages"],
  ["torch.utils._config_module.*", "loads pickles"],
];

export const POWERFUL: readonly Rule[] = [
  ["builtins.getattr", "any attribute of any object held"], ["builtins.setattr", "rewires attributes"],
  ["builtins.delattr", "rewires attributes"], ["builtins.vars", "hands out namespaces"],
  ["builtins.globals", "hands out namespaces"], ["builtins.locals", "hands out namespaces"],
  ["builtins.type", "makes classes, reaches classes"], ["types.MethodType", "binds functions to objects"],
  ["operator.getitem", "indexes namespaces"], ["_operator.getitem", "indexes namespaces"],
  ["operator.itemgetter", "indexes namespaces"], ["_operator.itemgetter", "indexes namespaces"],
  ["operator.setitem", "mutates namespaces"], ["_operator.setitem", "mutates namespaces"],
  ["operator.delitem", "mutates namespaces"], ["_operator.delitem", "mutates namespaces"],
  ["gc.*", "reaches every live object"],
];

/** Dunder names that pickles use legitimately; any other dunder in a name walks interpreter internals. */
const PLAIN_DUNDERS = new Set(["__newobj__", "__newobj_ex__"]);

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
const powerful = ruleSet(POWERFUL);

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
const REEXPORTED_MODULES = new Set(["os", "posix", "nt", "sys", "subprocess", "socket", "shutil", "pickle", "_pickle", "importlib", "ctypes", "runpy", "pty", "marshal"]);

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
  return found.map((c) => c.replace(/^__builtins?__\./, "builtins."));
}

export type GlobalJudgement = { verdict: Verdict; why?: string };

export function judgeGlobal(global: ScannedGlobal): GlobalJudgement {
  if (global.module === DYNAMIC || global.name === DYNAMIC) return { verdict: "dangerous", why: "name computed at load time" };
  if (global.module === EXTENSION_MODULE && global.name.startsWith(EXTENSION_PREFIX)) {
    return { verdict: "dangerous", why: "copyreg extension code, resolved only at load time" };
  }
  const names = candidates(global);
  for (const candidate of names) {
    const why = matchRule(dangerous, candidate);
    if (why !== undefined) return { verdict: "dangerous", why };
  }
  for (const candidate of names) {
    const why = matchRule(powerful, candidate);
    if (why !== undefined) return { verdict: "powerful", why };
  }
  const dunder = global.name.split(".").find((part) => /^__.+__$/.test(part) && !PLAIN_DUNDERS.has(part));
  if (dunder !== undefined) return { verdict: "powerful", why: `walks the interpreter through ${dunder}` };
  return { verdict: "safe" };
}

/** The pickle's verdict is its worst global's; `flagged` lists the globals of that verdict. */
export function judgeGlobals(globals: readonly ScannedGlobal[], format: (g: ScannedGlobal) => string) {
  const byVerdict: Record<Verdict, string[]> = { safe: [], powerful: [], dangerous: [] };
  for (const global of globals) byVerdict[judgeGlobal(global).verdict].push(format(global));
  const verdict: Verdict = byVerdict.dangerous.length > 0 ? "dangerous" : byVerdict.powerful.length > 0 ? "powerful" : "safe";
  return { verdict, flagged: verdict === "safe" ? [] : byVerdict[verdict] };
}
