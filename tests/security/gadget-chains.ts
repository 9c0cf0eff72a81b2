// Gadget chains over the reviewed list, generated rather than picked: every callable of allowlist.json with
// every argument a pickle could hand it, every BUILD target with every state, every container with every
// target, every persistent id form, and every gadget a pickle could try to make (bound methods through getattr,
// object dtypes, planted __setstate__, classes made by type()), each placed where the attacks put them:
// as the function _rebuild_from_type_v2 calls, as the "storage" _rebuild_tensor calls methods of, as state, as
// items, as an argument of a reviewed class. A chain is benign only when it is built from the forms real
// pickles use (the canonical arguments below); every other one must be refused by the scan and by the guard.
//
// Values are pickle fragments (protocol 2 opcodes, as torch.save writes) that push one value. Each carries the
// types of allowlist.json it is (tags), written by hand from what the value is, so that an argument is only
// swapped for a value that is not of the argument's type.
import { allowlistDocument } from "../../tooling/pickle/allowlist.ts";

export interface Chain {
  name: string;
  /** The pickle, protocol 2. */
  pickle: Buffer;
  /** A form real pickles use: the scan must call it safe and the guard must load it. */
  benign: boolean;
}

/** One value: the opcodes that push it, and the allowlist types it is. */
export interface Value {
  label: string;
  code: Buffer;
  tags: ReadonlySet<string>;
}

const b = (...parts: Array<Buffer | string | number[]>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Array.isArray(p) ? Buffer.from(p) : p)));

// Opcodes.
export const op = {
  global: (module: string, name: string) => b("c", module, "\n", name, "\n"),
  str: (text: string) => {
    const data = Buffer.from(text, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32LE(data.length);
    return b("X", length, data);
  },
  bytes: (data: Buffer) => b("C", [data.length], data),
  int: (n: number) => {
    if (n >= 0 && n < 256) return b("K", [n]);
    const data = Buffer.alloc(4);
    data.writeInt32LE(n);
    return b("J", data);
  },
  float: (x: number) => {
    const data = Buffer.alloc(8);
    data.writeDoubleBE(x);
    return b("G", data);
  },
  none: () => b("N"),
  bool: (x: boolean) => b(x ? [0x88] : [0x89]),
  tuple: (...items: Buffer[]) => (items.length === 0 ? b(")") : b("(", ...items, "t")),
  list: (...items: Buffer[]) => (items.length === 0 ? b("]") : b("]", "(", ...items, "e")),
  dict: (...pairs: Array<[Buffer, Buffer]>) => (pairs.length === 0 ? b("}") : b("}", "(", ...pairs.flat(), "u")),
  set: () => b([0x8f]),
  call: (callable: Buffer, ...args: Buffer[]) => b(callable, op.tuple(...args), "R"),
  newobj: (cls: Buffer, ...args: Buffer[]) => b(cls, op.tuple(...args), [0x81]),
  build: (target: Buffer, state: Buffer) => b(target, state, "b"),
  persistent: (pid: Buffer) => b(pid, "Q"),
  append: (target: Buffer, item: Buffer) => b(target, item, "a"),
  appends: (target: Buffer, ...items: Buffer[]) => b(target, "(", ...items, "e"),
  setitem: (target: Buffer, key: Buffer, value: Buffer) => b(target, key, value, "s"),
  setitems: (target: Buffer, key: Buffer, value: Buffer) => b(target, "(", key, value, "u"),
  additems: (target: Buffer, ...items: Buffer[]) => b(target, "(", ...items, [0x90]),
  /** A whole pickle: PROTO 2, the value, STOP. */
  pickle: (body: Buffer) => b([0x80, 0x02], body, "."),
};

const g = op.global;
const value = (label: string, code: Buffer, ...tags: string[]): Value => ({ label, code, tags: new Set(tags) });

// Real pickles' forms, from which the chains are made.
const orderedDict = () => op.call(g("collections", "OrderedDict"));
const storagePid = () => op.tuple(op.str("storage"), g("torch", "FloatStorage"), op.str("0"), op.str("cpu"), op.int(4));
const storage = () => op.persistent(storagePid());
const tensorArgs = () => [storage(), op.int(0), op.tuple(op.int(4)), op.tuple(op.int(1)), op.bool(false), orderedDict()];
const tensor = () => op.call(g("torch._utils", "_rebuild_tensor_v2"), ...tensorArgs());
/** An object of a reviewed package's class, as torch.save pickles an nn.Module: NEWOBJ, then BUILD with its __dict__. */
const instance = () => op.build(op.newobj(g("torch.nn.modules.linear", "Identity")), op.dict([op.str("training"), op.bool(true)]));
const numpyDtype = (spec = "f8") => op.build(op.call(g("numpy", "dtype"), op.str(spec), op.bool(false), op.bool(true)), numpyDtypeState());
const numpyDtypeState = (...patch: Array<[number, Buffer]>) => {
  const items: Buffer[] = [op.int(3), op.str("<"), op.none(), op.none(), op.none(), op.int(-1), op.int(-1), op.int(0)];
  for (const [i, item] of patch) items[i] = item;
  return op.tuple(...items);
};
const encoded = (text: string) => op.call(g("_codecs", "encode"), op.str(text), op.str("latin1"));
const numpyArrayState = (dtype = numpyDtype(), data = encoded("\0".repeat(8)), version = op.int(1), shape = op.tuple(op.int(1))) =>
  op.tuple(version, shape, dtype, op.bool(false), data);
const numpyArray = () =>
  op.build(op.call(g("numpy.core.multiarray", "_reconstruct"), g("numpy", "ndarray"), op.tuple(op.int(0)), encoded("b")), numpyArrayState());
const forward = () => op.call(g("builtins", "getattr"), instance(), op.str("forward"));
const parameterKind = () => op.call(g("inspect", "_ParameterKind"), op.int(1));
const timedelta = () => op.call(g("datetime", "timedelta"), op.int(0), op.int(21600), op.int(0));

/** Values of every kind the list knows, to put where they do not belong. */
export function offTypeValues(): Value[] {
  return [
    value("None", op.none(), "none", "optional-int", "factory", "tensor-state", "tensor-metadata", "annotation"),
    value("False", op.bool(false), "bool", "false"),
    value("True", op.bool(true), "bool", "true"),
    value("0", op.int(0), "int", "optional-int", "number"),
    value("-1", op.int(-1), "int", "optional-int", "number"),
    value("1.5", op.float(1.5), "float", "number"),
    value("'x'", op.str("x"), "str", "date-state", "device-spec"),
    value("b'x'", op.bytes(Buffer.from("x")), "bytes", "date-state"),
    value("[]", op.list(), "list", "sequence"),
    value("{}", op.dict(), "dict", "attributes", "tensor-state", "tensor-metadata"),
    value("()", op.tuple(), "tuple", "sequence", "ints", "annotation"),
    value("(1, 2)", op.tuple(op.int(1), op.int(2)), "tuple", "sequence", "ints"),
    value("set()", op.set(), "set"),
    value("OrderedDict()", orderedDict(), "ordered-dict", "hooks"),
    value("torch.Size((1,))", op.call(g("torch", "Size"), op.tuple(op.int(1))), "size", "ints"),
    value("storage", storage(), "storage"),
    value("tensor", tensor(), "tensor"),
    value("Identity()", instance(), "instance"),
    value("PosixPath('x')", op.call(g("pathlib", "PosixPath"), op.str("x")), "path"),
    value("numpy.dtype('f8')", numpyDtype(), "numpy-dtype"),
    value("numpy array", numpyArray(), "numpy-array"),
    value("timedelta", timedelta(), "timedelta"),
    value("torch.float32", g("torch", "float32"), "dtype", "annotation"),
    value("torch.Tensor", g("torch", "Tensor"), "tensor-type", "annotation"),
    value("class Identity", g("torch.nn.modules.linear", "Identity"), "annotation"),
    value("function _codecs.encode", g("_codecs", "encode"), "annotation"),
    value("typing.Union", g("typing", "Union"), "typing-form", "annotation"),
    value("typing.OrderedDict", g("typing", "OrderedDict"), "annotation"),
    value("Identity().forward", forward(), "method"),
  ];
}

/** One signature of each callable with the arguments a real pickle gives it, and whether it loads here. */
export function canonicalCalls(): Array<{ callable: string; args: Buffer[]; loads?: false }> {
  const datetimeState = op.bytes(Buffer.from([0x07, 0xe8, 1, 1, 0, 0, 0, 0, 0, 0]));
  return [
    { callable: "builtins.dict", args: [op.dict()] },
    { callable: "builtins.list", args: [op.list()] },
    { callable: "builtins.set", args: [op.list()] },
    { callable: "builtins.frozenset", args: [op.list()] },
    { callable: "builtins.tuple", args: [op.list()] },
    { callable: "builtins.int", args: [op.str("7")] },
    { callable: "builtins.float", args: [op.str("1.5")] },
    { callable: "builtins.complex", args: [op.float(1), op.float(2)] },
    { callable: "builtins.bool", args: [op.int(1)] },
    { callable: "builtins.str", args: [op.str("x")] },
    { callable: "builtins.bytes", args: [op.str("x"), op.str("latin1")] },
    { callable: "builtins.bytearray", args: [op.bytes(Buffer.from("x"))] },
    { callable: "builtins.slice", args: [op.int(1), op.none(), op.int(2)] },
    { callable: "builtins.range", args: [op.int(0), op.int(4), op.int(1)] },
    { callable: "_codecs.encode", args: [op.str("x"), op.str("latin1")] },
    { callable: "collections.OrderedDict", args: [] },
    { callable: "collections.Counter", args: [op.dict()] },
    { callable: "collections.defaultdict", args: [g("builtins", "dict")] },
    { callable: "datetime.datetime", args: [datetimeState] },
    { callable: "datetime.date", args: [op.bytes(Buffer.from([0x07, 0xe8, 1, 1]))] },
    { callable: "datetime.timedelta", args: [op.int(0), op.int(21600), op.int(0)] },
    { callable: "datetime.timezone", args: [timedelta()] },
    { callable: "inspect.Parameter", args: [op.str("x"), parameterKind()] },
    { callable: "inspect._ParameterKind", args: [op.int(1)] },
    { callable: "pathlib.PosixPath", args: [op.str("a"), op.str("b")] },
    { callable: "pathlib.PurePosixPath", args: [op.str("a")] },
    { callable: "pathlib.WindowsPath", args: [op.str("a")], loads: false }, // cannot be made on Linux
    { callable: "pathlib.PureWindowsPath", args: [op.str("a")] },
    { callable: "numpy.core.multiarray._reconstruct", args: [g("numpy", "ndarray"), op.tuple(op.int(0)), encoded("b")] },
    { callable: "numpy.core.multiarray.scalar", args: [numpyDtype(), encoded("\0".repeat(8))] },
    { callable: "numpy.dtype", args: [op.str("f8"), op.bool(false), op.bool(true)] },
    { callable: "torch.Size", args: [op.tuple(op.int(2), op.int(3))] },
    { callable: "torch.device", args: [op.str("cpu")] },
    { callable: "torch.serialization._get_layout", args: [op.str("torch.strided")] },
    { callable: "torch._utils._rebuild_tensor", args: [storage(), op.int(0), op.tuple(op.int(4)), op.tuple(op.int(1))] },
    { callable: "torch._utils._rebuild_tensor_v2", args: tensorArgs() },
    { callable: "torch._utils._rebuild_parameter", args: [tensor(), op.bool(true), orderedDict()] },
    { callable: "torch._utils._rebuild_meta_tensor_no_storage", args: [g("torch", "float32"), op.tuple(op.int(2)), op.tuple(op.int(1)), op.bool(false)] },
    { callable: "torch._utils._rebuild_device_tensor_from_numpy", args: [numpyArray(), g("torch", "float64"), op.str("cpu"), op.bool(false)] },
    {
      callable: "torch._tensor._rebuild_from_type_v2",
      args: [g("torch._utils", "_rebuild_tensor_v2"), g("torch", "Tensor"), op.tuple(...tensorArgs()), op.none()],
    },
    { callable: "builtins.getattr", args: [instance(), op.str("forward")] },
    { callable: "builtins.type", args: [op.none()] },
    { callable: "_operator.getitem", args: [g("typing", "Union"), op.tuple(g("torch", "Tensor"), op.call(g("builtins", "type"), op.none()))] },
  ];
}

/** The signatures of a callable as allowlist.json writes them, each a list of parameter types (a rest last). */
function signaturesOf(callable: string): Array<{ params: unknown[]; rest?: unknown }> {
  const rule =
    (allowlistDocument.callable as Record<string, { signatures: unknown[][] }>)[callable] ??
    (allowlistDocument.narrow as Record<string, { signatures: unknown[][] }>)[callable];
  if (!rule) throw new Error(`${callable} is not on the list`);
  return rule.signatures.map((s) => {
    const last = s[s.length - 1];
    return typeof last === "object" && last !== null && "rest" in last ? { params: s.slice(0, -1), rest: (last as { rest: unknown }).rest } : { params: s };
  });
}

/**
 * Whether some signature of `callable` taking `arity` arguments may take `v` as argument `i`, by its tags (a
 * parameter written as an expression takes none of them). Conservative: the other arguments are not looked at,
 * so a chain is only called hostile when no signature could take it.
 */
function mayTake(callable: string, arity: number, i: number, v: Value): boolean {
  return signaturesOf(callable).some(({ params, rest }) => {
    if (arity < params.length || (arity > params.length && rest === undefined)) return false;
    const param = i < params.length ? params[i] : rest;
    return typeof param === "string" && v.tags.has(param);
  });
}

/** Gadgets: values a pickle must not be able to make at all. */
export function gadgets(markers: string): Value[] {
  const path = (name: string) => op.call(g("pathlib", "PosixPath"), op.str(`${markers}/${name}`));
  const out: Value[] = [];
  const targets: Array<[string, Buffer]> = [
    ["PosixPath(marker)", path("getattr")],
    ["OrderedDict()", orderedDict()],
    ["{}", op.dict()],
    ["'x'", op.str("x")],
    ["storage", storage()],
    ["tensor", tensor()],
    ["numpy.dtype", numpyDtype()],
    ["numpy array", numpyArray()],
    ["class Identity", g("torch.nn.modules.linear", "Identity")],
    ["function _codecs.encode", g("_codecs", "encode")],
    ["torch.Tensor", g("torch", "Tensor")],
    ["Identity()", instance()],
  ];
  const names = ["touch", "write_text", "mkdir", "unlink", "keys", "untyped", "system", "forward", "__class__", "__reduce_ex__", "__globals__", "__init__"];
  for (const [label, target] of targets) {
    for (const name of names) {
      if (label === "Identity()" && name === "forward") continue; // the one form real pickles use
      out.push(value(`getattr(${label}, ${JSON.stringify(name)})`, op.call(g("builtins", "getattr"), target, op.str(name))));
    }
  }
  out.push(value("getattr with a default", op.call(g("builtins", "getattr"), instance(), op.str("forward"), op.none())));
  for (const [label, argument] of [
    ["'x'", op.str("x")],
    ["Identity()", instance()],
    ["OrderedDict()", orderedDict()],
  ] as const) {
    out.push(value(`type(${label})`, op.call(g("builtins", "type"), argument)));
  }
  out.push(value("type('X', (), {})", op.call(g("builtins", "type"), op.str("X"), op.tuple(), op.dict())));
  for (const [label, container] of [
    ["OrderedDict()", orderedDict()],
    ["{}", op.dict()],
    ["Identity()", instance()],
    ["'xy'", op.str("xy")],
    ["class Identity", g("torch.nn.modules.linear", "Identity")],
  ] as const) {
    out.push(value(`getitem(${label}, 0)`, op.call(g("_operator", "getitem"), container, op.int(0))));
  }
  out.push(value("getitem(Union, 'x')", op.call(g("_operator", "getitem"), g("typing", "Union"), op.str("x"))));
  out.push(value("getitem(Union, forward)", op.call(g("_operator", "getitem"), g("typing", "Union"), forward())));
  // Object dtypes, and dtypes that become one by their state.
  for (const spec of ["O", "O8", "|O", "object", "V8", "U8", "S4", "M8", "f8,O"])
    out.push(value(`numpy.dtype(${JSON.stringify(spec)})`, op.call(g("numpy", "dtype"), op.str(spec), op.bool(false), op.bool(true))));
  out.push(value("numpy.dtype('f8') without copy", op.call(g("numpy", "dtype"), op.str("f8"), op.bool(false), op.bool(false))));
  out.push(value("numpy.dtype('f8') alone", op.call(g("numpy", "dtype"), op.str("f8"))));
  const dtypeCall = () => op.call(g("numpy", "dtype"), op.str("f8"), op.bool(false), op.bool(true));
  const badStates: Array<[string, Buffer]> = [
    ["flags 63 (holds objects)", numpyDtypeState([7, op.int(63)])],
    ["flags 1", numpyDtypeState([7, op.int(1)])],
    ["names", numpyDtypeState([3, op.tuple(op.str("a"))])],
    ["fields", numpyDtypeState([4, op.dict([op.str("a"), op.tuple(dtypeCall(), op.int(0))])])],
    ["subarray", numpyDtypeState([2, op.tuple(dtypeCall(), op.tuple(op.int(2)))])],
    ["element size 16", numpyDtypeState([5, op.int(16)])],
    ["version 2", numpyDtypeState([0, op.int(2)])],
    ["byte order 'x'", numpyDtypeState([1, op.str("x")])],
    ["nine items", op.tuple(op.int(4), op.str("<"), op.none(), op.none(), op.none(), op.int(-1), op.int(-1), op.int(0), op.dict())],
    ["a dict", op.dict([op.str("flags"), op.int(63)])],
  ];
  for (const [label, state] of badStates) out.push(value(`numpy dtype with ${label}`, op.build(dtypeCall(), state)));
  const reconstruct = (typecode: Buffer) => op.call(g("numpy.core.multiarray", "_reconstruct"), g("numpy", "ndarray"), op.tuple(op.int(0)), typecode);
  out.push(value("_reconstruct with typecode b'O'", reconstruct(encoded("O"))));
  out.push(value("_reconstruct with typecode 'b' (a str)", reconstruct(op.str("b"))));
  out.push(
    value(
      "array with an object dtype",
      op.build(reconstruct(encoded("b")), numpyArrayState(op.call(g("numpy", "dtype"), op.str("O"), op.bool(false), op.bool(true)))),
    ),
  );
  out.push(value("array with its items as a list", op.build(reconstruct(encoded("b")), numpyArrayState(numpyDtype(), op.list(op.int(1))))));
  out.push(value("array with state version 0", op.build(reconstruct(encoded("b")), numpyArrayState(numpyDtype(), encoded("\0".repeat(8)), op.int(0)))));
  out.push(
    value(
      "array with the shape ('a',)",
      op.build(reconstruct(encoded("b")), numpyArrayState(numpyDtype(), encoded("\0".repeat(8)), op.int(1), op.tuple(op.str("a")))),
    ),
  );
  out.push(value("array with a dtype global", op.build(reconstruct(encoded("b")), numpyArrayState(g("torch", "float32")))));
  out.push(
    value(
      "numpy scalar of an object dtype",
      op.call(g("numpy.core.multiarray", "scalar"), op.call(g("numpy", "dtype"), op.str("O"), op.bool(false), op.bool(true)), encoded("A".repeat(8))),
    ),
  );
  // State planted into an object: dunder names, and states that are not a dict of attribute names.
  for (const key of ["__setstate__", "__class__", "__dict__", "__reduce_ex__", "__array_interface__", "__getattr__", "__x__", "x".repeat(257)]) {
    out.push(
      value(
        `Identity() with state ${JSON.stringify(key.slice(0, 20))}`,
        op.build(op.newobj(g("torch.nn.modules.linear", "Identity")), op.dict([op.str(key), op.int(1)])),
      ),
    );
  }
  const planted = op.build(op.newobj(g("torch.nn.modules.linear", "Identity")), op.dict([op.str("__setstate__"), g("_codecs", "encode")]));
  out.push(value("Identity() built twice, through a planted __setstate__", op.build(planted, op.dict([op.str("x"), op.int(1)]))));
  for (const [label, state] of [
    ["(None, {'__class__': ...})", op.tuple(op.none(), op.dict([op.str("__class__"), g("collections", "OrderedDict")]))],
    ["({}, {'training': True})", op.tuple(op.dict(), op.dict([op.str("training"), op.bool(true)]))],
    ["None", op.none()],
    ["[]", op.list()],
    ["{1: 2}", op.dict([op.int(1), op.int(2)])],
    ["dict([('a', 1)])", op.call(g("builtins", "dict"), op.list(op.tuple(op.str("a"), op.int(1))))],
    ["OrderedDict()", orderedDict()],
  ] as const) {
    out.push(value(`Identity() with the state ${label}`, op.build(op.newobj(g("torch.nn.modules.linear", "Identity")), state)));
  }
  // Calls of what the list allows only to be referenced, and of values made while unpickling.
  out.push(value("torch.Tensor()", op.call(g("torch", "Tensor"))));
  out.push(value("inspect._empty()", op.call(g("inspect", "_empty"))));
  out.push(value("OrderedDict()()", op.call(orderedDict())));
  out.push(value("Identity().forward(...)", op.call(forward(), op.none())));
  out.push(value("NEWOBJ of a function", op.newobj(g("_codecs", "encode"), op.str("x"), op.str("latin1"))));
  out.push(value("NEWOBJ_EX with keywords", b(g("collections", "OrderedDict"), op.tuple(), op.dict([op.str("a"), op.int(1)]), [0x92])));
  out.push(value("REDUCE with a list of arguments", b(g("builtins", "list"), op.list(), "R")));
  return out;
}

/** Where a gadget is put: the chains and the places a value can hide. */
function contexts(): Array<[string, (gadget: Buffer) => Buffer]> {
  const planted = (gadget: Buffer) =>
    op.build(op.newobj(g("torch.nn.modules.linear", "Identity")), op.dict([op.str("dtype"), g("torch", "float32")], [op.str("untyped"), gadget]));
  return [
    ["alone", (x) => x],
    ["called by _rebuild_from_type_v2", (x) => op.call(g("torch._tensor", "_rebuild_from_type_v2"), x, g("torch", "Tensor"), op.tuple(), op.dict())],
    [
      "as the untyped() of _rebuild_tensor's storage",
      (x) => op.call(g("torch._utils", "_rebuild_tensor"), planted(x), op.int(0), op.tuple(op.int(1)), op.tuple(op.int(1))),
    ],
    ["given to a reviewed class", (x) => op.call(g("torch.nn.modules.linear", "Identity"), x)],
    ["in the state of an object", (x) => op.build(op.newobj(g("torch.nn.modules.linear", "Identity")), op.dict([op.str("attribute"), x]))],
    ["in a list", (x) => op.list(x)],
  ];
}

export function generateChains(markers: string): Chain[] {
  const chains: Chain[] = [];
  const add = (name: string, body: Buffer, benign: boolean) => chains.push({ name, pickle: op.pickle(body), benign });
  const off = offTypeValues();

  // Every callable, with its real arguments, then with each argument swapped for each value of another type.
  for (const { callable, args, loads } of canonicalCalls()) {
    const [module, name] = [callable.slice(0, callable.lastIndexOf(".")), callable.slice(callable.lastIndexOf(".") + 1)];
    if (loads !== false) add(`${callable}(real arguments)`, op.call(g(module, name), ...args), true);
    for (let i = 0; i < args.length; i++) {
      for (const v of off) {
        if (mayTake(callable, args.length, i, v)) continue;
        const mutated = args.map((arg, j) => (j === i ? v.code : arg));
        add(`${callable}: argument ${i + 1} = ${v.label}`, op.call(g(module, name), ...mutated), false);
      }
    }
    for (const v of off.filter((v) => v.label === "None" || v.label === "0")) {
      if (!mayTake(callable, args.length + 1, args.length, v))
        add(`${callable}: one argument more, ${v.label}`, op.call(g(module, name), ...args, v.code), false);
    }
    const takesArity = (n: number) => signaturesOf(callable).some(({ params, rest }) => n === params.length || (rest !== undefined && n > params.length));
    if (args.length > 0 && !takesArity(args.length - 1)) add(`${callable}: one argument less`, op.call(g(module, name), ...args.slice(0, -1)), false);
  }
  // Depth 2: the arguments _rebuild_from_type_v2 hands the rebuild function, each swapped likewise.
  const inner = tensorArgs();
  for (let i = 0; i < inner.length; i++) {
    for (const v of off) {
      if (mayTake("torch._utils._rebuild_tensor_v2", inner.length, i, v)) continue;
      const mutated = inner.map((arg, j) => (j === i ? v.code : arg));
      add(
        `_rebuild_from_type_v2(_rebuild_tensor_v2, Tensor, args with argument ${i + 1} = ${v.label})`,
        op.call(g("torch._tensor", "_rebuild_from_type_v2"), g("torch._utils", "_rebuild_tensor_v2"), g("torch", "Tensor"), op.tuple(...mutated), op.none()),
        false,
      );
    }
  }
  for (const v of off) {
    if (v.label === "None") continue;
    add(
      `_rebuild_from_type_v2 with the state ${v.label}`,
      op.call(g("torch._tensor", "_rebuild_from_type_v2"), g("torch._utils", "_rebuild_tensor_v2"), g("torch", "Tensor"), op.tuple(...inner), v.code),
      v.tags.has("tensor-state"),
    );
  }

  // Every gadget, in every context.
  for (const gadget of gadgets(markers)) {
    for (const [where, put] of contexts()) add(`${gadget.label}, ${where}`, put(gadget.code), false);
  }

  // BUILD on every kind of value, with a plain dict of attributes; and the real states of what may be built.
  for (const v of off) {
    const buildable = v.tags.has("instance");
    add(`BUILD on ${v.label}`, op.build(v.code, op.dict([op.str("training"), op.bool(false)])), buildable);
  }
  add(
    "BUILD on inspect.Parameter",
    op.build(
      op.call(g("inspect", "Parameter"), op.str("x"), parameterKind()),
      op.dict([op.str("_default"), op.int(1)], [op.str("_annotation"), g("torch", "Tensor")]),
    ),
    true,
  );
  // An OrderedDict made by typing.OrderedDict() (torch_geometric's hook dicts): its __orig_class__ and nothing else.
  const origin = (...pairs: Array<[Buffer, Buffer]>) => op.dict(...pairs);
  const originKey = op.str("__orig_class__");
  const typingOrderedDict = g("typing", "OrderedDict");
  add("BUILD on OrderedDict() with its __orig_class__", op.build(orderedDict(), origin([originKey, typingOrderedDict])), true);
  add("BUILD on OrderedDict() with its __orig_class__ by SETITEM", op.build(orderedDict(), op.setitem(op.dict(), originKey, typingOrderedDict)), true);
  for (const v of off) {
    if (v.label !== "typing.OrderedDict")
      add(`BUILD on OrderedDict() with __orig_class__ = ${v.label}`, op.build(orderedDict(), origin([originKey, v.code])), false);
    if (!v.tags.has("ordered-dict"))
      add(`BUILD on ${v.label} with the state of a typing.OrderedDict()`, op.build(v.code, origin([originKey, typingOrderedDict])), false);
  }
  const otherStates: Array<[string, Buffer]> = [
    ["a key more", origin([originKey, typingOrderedDict], [op.str("x"), op.int(1)])],
    ["a key more, set by SETITEM", op.setitem(origin([originKey, typingOrderedDict]), op.str("x"), op.int(1))],
    ["{'__setstate__': typing.OrderedDict}", origin([op.str("__setstate__"), typingOrderedDict])],
    ["{'__class__': typing.OrderedDict}", origin([op.str("__class__"), typingOrderedDict])],
    ["{'_orig_class': typing.OrderedDict}", origin([op.str("_orig_class"), typingOrderedDict])],
    ["{b'__orig_class__': typing.OrderedDict}", origin([op.bytes(Buffer.from("__orig_class__")), typingOrderedDict])],
    ["{}", op.dict()],
    ["dict([('__orig_class__', typing.OrderedDict)])", op.call(g("builtins", "dict"), op.list(op.tuple(originKey, typingOrderedDict)))],
    ["(None, {'__orig_class__': typing.OrderedDict})", op.tuple(op.none(), origin([originKey, typingOrderedDict]))],
    [
      "__orig_class__ = typing.OrderedDict[int, int]",
      origin([originKey, op.call(g("_operator", "getitem"), typingOrderedDict, op.tuple(g("builtins", "int"), g("builtins", "int")))]),
    ],
    ["__orig_class__ = typing.Dict", origin([originKey, g("typing", "Dict")])],
    ["__orig_class__ = collections.OrderedDict", origin([originKey, g("collections", "OrderedDict")])],
  ];
  for (const [label, state] of otherStates) add(`BUILD on OrderedDict() with ${label}`, op.build(orderedDict(), state), false);
  add("typing.OrderedDict() called", op.call(typingOrderedDict), false);
  add("BUILD on a numpy dtype", numpyDtype(), true);
  add(
    "BUILD on a big-endian numpy dtype",
    op.build(op.call(g("numpy", "dtype"), op.str("f8"), op.bool(false), op.bool(true)), numpyDtypeState([1, op.str(">")])),
    true,
  );
  add("BUILD on a numpy array", numpyArray(), true);

  // Items added to every kind of value.
  for (const v of off) {
    add(`APPEND to ${v.label}`, op.append(v.code, op.int(1)), v.tags.has("list"));
    add(`APPENDS to ${v.label}`, op.appends(v.code, op.int(1)), v.tags.has("list"));
    add(`SETITEM on ${v.label}`, op.setitem(v.code, op.str("k"), op.int(1)), v.tags.has("dict") || v.tags.has("ordered-dict"));
    add(`SETITEMS on ${v.label}`, op.setitems(v.code, op.str("k"), op.int(1)), v.tags.has("dict") || v.tags.has("ordered-dict"));
    add(`ADDITEMS to ${v.label}`, op.additems(v.code, op.int(1)), v.tags.has("set"));
  }

  // Persistent ids: torch's form, and everything else.
  add("a storage", storage(), true);
  const pid = (...items: Buffer[]) => op.persistent(op.tuple(...items));
  const [tag, type, key, location, count] = [op.str("storage"), g("torch", "FloatStorage"), op.str("0"), op.str("cpu"), op.int(4)];
  const pids: Array<[string, Buffer]> = [
    ["('module', ...)", pid(op.str("module"), type, key, location, count)],
    ["b'storage'", pid(op.bytes(Buffer.from("storage")), type, key, location, count)],
    ["four items", pid(tag, type, key, location)],
    ["six items", pid(tag, type, key, location, count, op.none())],
    ["a key that is an int", pid(tag, type, op.int(0), location, count)],
    ["a count that is a str", pid(tag, type, key, location, op.str("4"))],
    ["'x'", op.persistent(op.str("x"))],
    ["protocol 0 text", b("Px\n")],
  ];
  for (const v of off) if (!v.tags.has("storage-type")) pids.push([`storage type ${v.label}`, pid(tag, v.code, key, location, count)]);
  for (const [label, body] of pids) add(`persistent id ${label}`, body, false);
  return chains;
}
