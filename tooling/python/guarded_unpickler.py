"""The loader's side of the reviewed rules (tooling/pickle/allowlist.json, handed over in the spec): an
Unpickler that imports only what the list allows, calls only what it allows with arguments of the types it
gives, sets state only where and how it allows, and is given to torch.load as its pickle module. The static
scan (tooling/pickle/usage.ts) reads the same rules before Python starts; this reads them again while
loading, with the values in hand, so that a scan that is wrong still cannot run code:

- before anything is imported, a first pass over the pickle lists its globals, importing and calling
  nothing; a global off the list is refused there, and the modules of the others are imported. The real pass
  then takes modules only from sys.modules: a module written while loading is never imported by the guard;
- find_class returns a global only if the list names it, or a public class defined in a reviewed package;
  never a dotted attribute path; getattr, type and getitem are checked versions;
- REDUCE, NEWOBJ, OBJ and INST call only a global find_class returned as callable, with arguments one of its
  signatures accepts (types by name, by value, by provenance: a "tensor" is what a rebuild function of this
  load returned, a "storage" what persistent_load returned for a persistent id of torch's form);
- BUILD sets state only on objects this load made of a type the list names, with the state the list types;
  a class's __setstate__ is looked up on the class, never on the object, and must be one the list reviews;
  state may not use dunder names, nor put a callable in place of a method of the class (but forward);
- items are added only to plain dicts, lists and sets; EXT1/2/4 are refused.

The pure-Python unpickler is used because the C one cannot be told what REDUCE may call; data.pkl is a few
hundred KB even for multi-GB checkpoints (the tensors come through persistent_load), so speed is not an issue.
"""
import _compat_pickle
import contextlib
import importlib
import inspect
import io
import operator
import pickle
import re
import sys
import types
import typing


class Refused(pickle.UnpicklingError):
    """A global, a call, a state or an item the reviewed list does not allow."""


CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MISMATCH = object()
MAX_DEPTH = 8

# The builtin types of allowlist.json this loader implements; the list may name no other.
BUILTIN_TYPES = {
    "any", "none", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "set", "storage", "storage-type",
    "hooks", "rebuild-args", "tensor-state", "tensor-metadata", "attributes", "annotation",
}


ATTRIBUTE_NAME_MAX = 256  # as values.ts: no real attribute's name is longer


def is_attribute_name(key):
    """A short ASCII identifier that is not a dunder name: what a state may set."""
    if type(key) is not str or len(key) > ATTRIBUTE_NAME_MAX or ATTRIBUTE_NAME.fullmatch(key) is None:
        return False
    return not (len(key) >= 4 and key.startswith("__") and key.endswith("__"))


def glob_regexp(pattern):
    """'*' matches any characters, '|' separates alternatives: as globRegExp in allowlist.ts."""
    alternatives = [re.escape(p).replace(r"\*", ".*") for p in pattern.split("|")]
    return re.compile("(?:%s)" % "|".join(alternatives))


class Signature:
    def __init__(self, args):
        last = args[-1] if args else None
        self.rest = last["rest"] if isinstance(last, dict) and "rest" in last else None
        self.params = args[:-1] if self.rest is not None else list(args)


class CallRule:
    def __init__(self, rule):
        self.signatures = [Signature(args) for args in rule["signatures"]]
        self.returns = rule["returns"]


class Allowlist:
    """allowlist.json, compiled: the globals and their uses, call signatures, types, BUILD, containers."""

    def __init__(self, document):
        if document.get("version") != 2:
            raise ValueError("allowlist.json: version %r, this loader reads version 2" % (document.get("version"),))
        unknown = set(document["builtinTypes"]) - BUILTIN_TYPES
        if unknown:
            raise ValueError("allowlist.json: builtin types this loader does not implement: %s" % ", ".join(sorted(unknown)))
        self.callable = {name: CallRule(rule) for name, rule in document["callable"].items()}
        self.narrow = {name: CallRule(rule) for name, rule in document["narrow"].items()}
        self.reference = set(document["reference"])
        self.patterns = [glob_regexp(pattern) for pattern in document["referencePatterns"]]
        self.packages = list(document["classPackages"])
        self.class_returns = document["classReturns"]
        self.types = {name: entry["is"] for name, entry in document["types"].items()}
        self.build = document["build"]
        self.setstate = [(glob_regexp(name), entry) for name, entry in document["setstate"].items()]
        self.containers = document["containers"]
        self.persistent_id = document["persistentId"]
        self._globs = {}

    def in_package(self, module):
        return any(module == prefix or module.startswith(prefix + ".") for prefix in self.packages)

    def use(self, module, name):
        """('call', rule), ('narrow', rule), ('reference', None), ('class', None) for a candidate class of a
        reviewed package, or (None, None)."""
        qualified = module + "." + name
        if qualified in self.callable:
            return "call", self.callable[qualified]
        if qualified in self.narrow:
            return "narrow", self.narrow[qualified]
        if qualified in self.reference or any(p.fullmatch(qualified) for p in self.patterns):
            return "reference", None
        if CLASS_NAME.fullmatch(name) and not any(part.startswith("_") for part in module.split(".")) and self.in_package(module):
            return "class", None
        return None, None

    def glob(self, pattern):
        compiled = self._globs.get(pattern)
        if compiled is None:
            compiled = self._globs[pattern] = glob_regexp(pattern)
        return compiled

    def setstate_review(self, function):
        """The 'setstate' entry that reviews this __setstate__ function, by where it is defined, or None."""
        module, qualname = getattr(function, "__module__", None), getattr(function, "__qualname__", None)
        if not isinstance(module, str) or not isinstance(qualname, str):
            return None
        qualified = module + "." + qualname
        return next((entry for pattern, entry in self.setstate if pattern.fullmatch(qualified)), None)


def _is_typing_form(value):
    return getattr(type(value), "__module__", None) == "typing" or value in (typing.Union, typing.Optional)


def checked_getattr(obj, name, *default):
    """getattr(object, 'public_name') on an object made while unpickling: never a module, class or function,
    never a private or dunder name, no default. The call's signature narrows it further."""
    if default:
        raise Refused("getattr with a default is not a form real model pickles use")
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise Refused("getattr of %r: only public attribute names" % (name,))
    if isinstance(obj, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType)):
        raise Refused("getattr on %s %r: only on objects made while unpickling" % (type(obj).__name__, getattr(obj, "__name__", obj)))
    return getattr(obj, name)


def checked_type(*args):
    """type(x) with one argument; the three-argument form makes classes."""
    if len(args) != 1:
        raise Refused("type() with %d arguments: only type(x)" % len(args))
    return type(args[0])


def checked_getitem(container, key):
    """Subscripting a typing form, as Optional[X] is pickled; nothing else."""
    if not _is_typing_form(container):
        raise Refused("getitem on %s: only on typing forms" % type(container).__name__)
    return operator.getitem(container, key)


NARROW = {
    ("builtins", "getattr"): checked_getattr,
    ("builtins", "type"): checked_type,
    ("_operator", "getitem"): checked_getitem,
    ("operator", "getitem"): checked_getitem,
}


def _is_method(attribute):
    """What an object's __dict__ would shadow: a function or method of its class (not a property or slot,
    which take precedence over the instance's own attributes)."""
    return inspect.isroutine(attribute) or isinstance(attribute, (classmethod, staticmethod))


def _describe(value):
    name = getattr(value, "__qualname__", None) if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)) else None
    if name:
        return "%s %s.%s" % ("class" if isinstance(value, type) else "function", getattr(value, "__module__", "?"), name)
    if isinstance(value, (str, bytes)):
        return "%s %r" % (type(value).__name__, value[:40])
    return "a %s.%s" % (type(value).__module__, type(value).__qualname__)


def _disarmed(qualified):
    def disarmed(*args, **kwargs):
        raise Refused("%s is disarmed while unpickling (allowlist.json, setstate)" % qualified)

    return disarmed


@contextlib.contextmanager
def _disarming(names):
    """Replaces each module attribute named (when the module and the attribute exist) for the duration."""
    saved = []
    try:
        for qualified in names:
            module_name, _, attribute = qualified.rpartition(".")
            module = sys.modules.get(module_name)
            if module is not None and hasattr(module, attribute):
                saved.append((module, attribute, getattr(module, attribute)))
                setattr(module, attribute, _disarmed(qualified))
        yield
    finally:
        for module, attribute, value in reversed(saved):
            setattr(module, attribute, value)


class _Placeholder:
    """What every global, call and persistent id is while the first pass lists the globals: inert."""

    __slots__ = ()


def _listing_dispatch():
    """The first pass: the pickle's stack machine with nothing called and nothing changed but the stack."""
    base = pickle._Unpickler.dispatch
    dispatch = dict(base)
    placeholder = _Placeholder()

    def reduce_(self):
        self.stack.pop()
        self.stack[-1] = placeholder

    def newobj(self):
        self.stack.pop()
        self.stack[-1] = placeholder

    def newobj_ex(self):
        self.stack.pop()
        self.stack.pop()
        self.stack[-1] = placeholder

    def obj(self):
        self.pop_mark()
        self.append(placeholder)

    def inst(self):
        module = self.readline()[:-1].decode("ascii")
        name = self.readline()[:-1].decode("ascii")
        self.find_class(module, name)
        self.pop_mark()
        self.append(placeholder)

    def build(self):
        self.stack.pop()

    def binpersid(self):
        self.stack[-1] = placeholder

    def persid(self):
        self.readline()
        self.append(placeholder)

    def next_buffer(self):
        self.append(placeholder)

    def drop_one(self):
        self.stack.pop()

    def drop_two(self):
        del self.stack[-2:]

    def drop_marked(self):
        self.pop_mark()

    def refuse_extension(self):
        raise Refused("refused EXT opcode: copyreg's extension registry names globals only the loading process knows")

    def stack_global(self):
        name = self.stack.pop()
        module = self.stack.pop()
        if type(name) is not str or type(module) is not str:
            raise Refused("refused global: a name computed while unpickling (STACK_GLOBAL of %s, %s)" % (_describe(module), _describe(name)))
        self.append(self.find_class(module, name))

    for opcode, function in [
        (pickle.STACK_GLOBAL, stack_global),
        (pickle.REDUCE, reduce_), (pickle.NEWOBJ, newobj), (pickle.NEWOBJ_EX, newobj_ex), (pickle.OBJ, obj), (pickle.INST, inst),
        (pickle.BUILD, build), (pickle.BINPERSID, binpersid), (pickle.PERSID, persid), (pickle.NEXT_BUFFER, next_buffer),
        (pickle.APPEND, drop_one), (pickle.SETITEM, drop_two), (pickle.APPENDS, drop_marked), (pickle.SETITEMS, drop_marked),
        (pickle.ADDITEMS, drop_marked), (pickle.EXT1, refuse_extension), (pickle.EXT2, refuse_extension), (pickle.EXT4, refuse_extension),
    ]:
        dispatch[opcode[0]] = function
    return dispatch


LISTING_DISPATCH = _listing_dispatch()


def make_unpickler(allowlist):
    """An Unpickler class bound to a compiled Allowlist."""

    class GuardedUnpickler(pickle._Unpickler):
        dispatch = dict(pickle._Unpickler.dispatch)

        def __init__(self, file, *args, **kwargs):
            super().__init__(file, *args, **kwargs)
            self._file = file
            self._listing = None
            # What this load made, so that types by provenance can be checked: id -> (what, object); the objects
            # are kept alive so that an id is never reused.
            self._globals = {}
            self._made = {}

        # The first pass, then the real one.

        def load(self):
            file = self._file
            try:
                start = file.tell() if file.seekable() else None
            except (AttributeError, OSError, ValueError):
                start = None
            if start is None:
                raise Refused("the guard reads a pickle twice (first to list and import its modules) and needs a seekable stream")
            self._listing = []
            self.dispatch = LISTING_DISPATCH
            try:
                pickle._Unpickler.load(self)
            finally:
                del self.dispatch
                modules, self._listing = self._listing, None
            for module in modules:
                importlib.import_module(module)
            file.seek(start)
            self.memo = {}
            return pickle._Unpickler.load(self)

        # Globals.

        def find_class(self, module, name):
            if self.proto < 3 and self.fix_imports:
                if (module, name) in _compat_pickle.NAME_MAPPING:
                    module, name = _compat_pickle.NAME_MAPPING[(module, name)]
                elif module in _compat_pickle.IMPORT_MAPPING:
                    module = _compat_pickle.IMPORT_MAPPING[module]
            if not isinstance(module, str) or not isinstance(name, str) or "." in name:
                raise Refused("refused global %s.%s: an attribute path through a module" % (module, name))
            use, rule = allowlist.use(module, name)
            if use is None:
                raise Refused("refused global %s.%s: not on the reviewed list (tooling/pickle/allowlist.json)" % (module, name))
            if self._listing is not None:
                if use != "narrow" and module not in self._listing:
                    self._listing.append(module)
                return _Placeholder()
            if use == "narrow":
                obj = NARROW[(module, name)]
            else:
                if module not in sys.modules:
                    raise Refused("refused global %s.%s: module %s was not imported before loading began" % (module, name, module))
                obj = getattr(sys.modules[module], name)
                if use == "class":
                    defined_in = getattr(obj, "__module__", "") or ""
                    if not isinstance(obj, type) or not allowlist.in_package(defined_in):
                        raise Refused("refused global %s.%s: a reviewed package's public classes only (this is %s from %s)" % (module, name, type(obj).__name__, defined_in or "?"))
            self._globals[id(obj)] = (module + "." + name, obj, use, rule)
            return obj

        def _global(self, value):
            entry = self._globals.get(id(value))
            return entry if entry is not None and entry[1] is value else None

        def _made_as(self, value):
            entry = self._made.get(id(value))
            return entry[0] if entry is not None and entry[1] is value else None

        def _record(self, value, what):
            self._made[id(value)] = (what, value)
            return value

        # Types.

        def _fit(self, value, expr, args, depth=0):
            """`value` if it is of type `expr` (with torch's backward hooks replaced), else MISMATCH."""
            if depth > MAX_DEPTH:
                return MISMATCH
            if isinstance(expr, dict):
                return self._fit_expression(value, expr, args, depth)
            if self._made_as(value) == expr:
                return value
            if expr in allowlist.types:
                return self._fit(value, allowlist.types[expr], args, depth + 1)
            return self._fit_builtin(value, expr, args, depth)

        def _fit_expression(self, value, expr, args, depth):
            if "anyOf" in expr:
                for option in expr["anyOf"]:
                    fitted = self._fit(value, option, args, depth + 1)
                    if fitted is not MISMATCH:
                        return fitted
                return MISMATCH
            if "tuple" in expr or "tupleOf" in expr:
                if type(value) is not tuple:
                    return MISMATCH
                item_types = expr["tuple"] if "tuple" in expr else [expr["tupleOf"]] * len(value)
                if len(item_types) != len(value):
                    return MISMATCH
                fitted = tuple(self._fit(item, t, args, depth + 1) for item, t in zip(value, item_types))
                return MISMATCH if any(item is MISMATCH for item in fitted) else fitted
            if "equals" in expr:
                want = expr["equals"]
                same = value is want if want is None or isinstance(want, bool) else type(value) is type(want) and value == want
                return value if same else MISMATCH
            if "bytesEqual" in expr:
                return value if type(value) is bytes and value == expr["bytesEqual"].encode("latin-1") else MISMATCH
            if "pattern" in expr:
                return value if type(value) is str and re.search(expr["pattern"], value) and "\n" not in value else MISMATCH
            entry = self._global(value)
            return value if entry is not None and any(allowlist.glob(p).fullmatch(entry[0]) for p in expr["global"]) else MISMATCH

        def _fit_builtin(self, value, name, args, depth):
            exact = {"none": type(None), "bool": bool, "int": int, "float": float, "str": str, "bytes": bytes, "list": list, "tuple": tuple, "dict": dict, "set": set}
            if name in exact:
                return value if type(value) is exact[name] else MISMATCH
            if name == "any":
                return value
            if name == "storage":
                return MISMATCH  # only by provenance: what persistent_load returned
            if name == "storage-type":
                entry = self._global(value)
                if entry is not None and entry[2] == "reference" and entry[0].endswith("Storage"):
                    return value
                # torch 2's loader puts its StorageType in place of torch.*Storage before find_class sees it.
                kind = type(value)
                return value if kind.__name__ == "StorageType" and kind.__module__ == "torch.serialization" else MISMATCH
            if name == "hooks":
                return type(value)() if self._made_as(value) == "ordered-dict" else MISMATCH
            if name in ("attributes", "tensor-state"):
                if name == "tensor-state" and value is None:
                    return value
                written = type(value) is dict and self._made_as(value) is None
                return value if written and all(is_attribute_name(key) for key in value) else MISMATCH
            if name == "tensor-metadata":
                return value if value is None or type(value) is dict else MISMATCH
            if name == "annotation":
                if value is None or self._global(value) is not None or self._made_as(value) in ("type", "typing-alias"):
                    return value
                if type(value) is tuple and all(self._fit(item, "annotation", args, depth + 1) is not MISMATCH for item in value):
                    return value
                return MISMATCH
            if name == "rebuild-args":
                entry = self._global(args[0]) if args else None
                if entry is None or entry[3] is None or type(value) is not tuple:
                    return MISMATCH
                for signature in entry[3].signatures:
                    fitted = self._fit_signature(value, signature)
                    if fitted is not MISMATCH:
                        return fitted
                return MISMATCH
            return MISMATCH

        def _fit_signature(self, args, signature):
            params, rest = signature.params, signature.rest
            if len(args) < len(params) or (len(args) > len(params) and rest is None):
                return MISMATCH
            fitted = tuple(self._fit(arg, params[i] if i < len(params) else rest, args) for i, arg in enumerate(args))
            return MISMATCH if any(arg is MISMATCH for arg in fitted) else fitted

        def _mismatch(self, name, args, rule):
            def show(expr):
                return expr if isinstance(expr, str) else "|".join(show(e) for e in expr["anyOf"]) if "anyOf" in expr else str(expr)

            shapes = " or ".join("(%s)" % ", ".join([show(p) for p in s.params] + ([show(s.rest) + "..."] if s.rest is not None else [])) for s in rule.signatures)
            for signature in rule.signatures:
                params, rest = signature.params, signature.rest
                if len(args) == len(params) or (rest is not None and len(args) >= len(params)):
                    for i, arg in enumerate(args):
                        if self._fit(arg, params[i] if i < len(params) else rest, args) is MISMATCH:
                            return "refused call of %s: argument %d is %s, where the list allows %s" % (name, i + 1, _describe(arg), shapes)
            return "refused call of %s: %d arguments, where the list allows %s" % (name, len(args), shapes)

        # Calls.

        def _call(self, func, args, kwargs=None, new=False):
            entry = self._global(func)
            if entry is None:
                raise Refused("refused call of %s: only reviewed globals may be called while unpickling" % _describe(func))
            name, _, use, rule = entry
            if use == "reference":
                raise Refused("refused call of %s: the list allows it only to be referenced" % name)
            if type(args) is not tuple:
                raise Refused("refused call of %s: its arguments are %s, not a tuple" % (name, _describe(args)))
            if use == "class":
                result = func.__new__(func, *args, **(kwargs or {})) if new else func(*args, **(kwargs or {}))
                return self._record(result, allowlist.class_returns)
            if new:
                # Real pickles make only objects of classes with NEWOBJ; everything else on the list is pickled with REDUCE.
                raise Refused("refused call of %s: made with NEWOBJ; only classes of reviewed packages are" % name)
            fitted = MISMATCH
            for signature in rule.signatures:
                fitted = self._fit_signature(args, signature)
                if fitted is not MISMATCH:
                    break
            if fitted is MISMATCH:
                raise Refused(self._mismatch(name, args, rule))
            return self._record(func(*fitted), rule.returns)

        def load_reduce(self):
            args = self.stack.pop()
            self.stack[-1] = self._call(self.stack[-1], args)

        dispatch[pickle.REDUCE[0]] = load_reduce

        def load_newobj(self):
            args = self.stack.pop()
            self.stack[-1] = self._call(self.stack[-1], args, new=True)

        dispatch[pickle.NEWOBJ[0]] = load_newobj

        def load_newobj_ex(self):
            kwargs = self.stack.pop()
            args = self.stack.pop()
            self.stack[-1] = self._call(self.stack[-1], args, kwargs, new=True)

        dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

        def _instantiate_guarded(self, cls, args):
            # pickle's _instantiate: a class without arguments is made with __new__, without __init__.
            entry = self._global(cls)
            new = entry is not None and entry[2] == "class" and not args and not hasattr(cls, "__getinitargs__")
            self.append(self._call(cls, tuple(args), new=new))

        def load_obj(self):
            args = self.pop_mark()
            cls = args.pop(0)
            self._instantiate_guarded(cls, args)

        dispatch[pickle.OBJ[0]] = load_obj

        def load_inst(self):
            module = self.readline()[:-1].decode("ascii")
            name = self.readline()[:-1].decode("ascii")
            cls = self.find_class(module, name)
            self._instantiate_guarded(cls, self.pop_mark())

        dispatch[pickle.INST[0]] = load_inst

        # Persistent ids: torch's storages.

        def _persistent(self, pid):
            if self._fit(pid, allowlist.persistent_id, ()) is MISMATCH:
                raise Refused("refused persistent id %s: only %s, torch's ('storage', storage type, key, location, count)" % (_describe(pid), allowlist.persistent_id))
            return self._record(self.persistent_load(pid), "storage")

        def load_binpersid(self):
            self.stack[-1] = self._persistent(self.stack[-1])

        dispatch[pickle.BINPERSID[0]] = load_binpersid

        def load_persid(self):
            self.append(self._persistent(self.readline()[:-1].decode("ascii")))

        dispatch[pickle.PERSID[0]] = load_persid

        # State.

        def load_build(self):
            state = self.stack.pop()
            inst = self.stack[-1]
            what = self._made_as(inst)
            rule = allowlist.build.get(what) if what is not None else None
            if rule is None:
                raise Refused("refused BUILD on %s: state only on %s objects made by this pickle" % (_describe(inst), ", ".join(allowlist.build)))
            if self._fit(state, rule["state"], ()) is MISMATCH:
                raise Refused("refused BUILD on %s: its state is %s, not %s" % (_describe(inst), _describe(state), rule["state"]))
            cls = type(inst)
            if rule["state"] != "attributes":
                cls.__setstate__(inst, state)  # numpy's own, with the state the list types exactly
                return
            may_replace = set(rule.get("mayReplaceMethods", []))
            for key, value in state.items():
                if callable(value) and key not in may_replace and _is_method(inspect.getattr_static(cls, key, None)):
                    raise Refused("refused BUILD on %s: its state replaces the method %s of its class by %s" % (_describe(inst), key, _describe(value)))
            setstate = getattr(cls, "__setstate__", None)
            if setstate is None:
                inst_dict = inst.__dict__
                for key, value in state.items():
                    inst_dict[sys.intern(key)] = value
                return
            review = allowlist.setstate_review(setstate)
            if review is None:
                raise Refused(
                    "refused BUILD on %s: its __setstate__ (%s.%s) is not reviewed (setstate in tooling/pickle/allowlist.json)"
                    % (_describe(inst), getattr(setstate, "__module__", "?"), getattr(setstate, "__qualname__", "?"))
                )
            with _disarming(review.get("disarm", [])):
                setstate(inst, state)

        dispatch[pickle.BUILD[0]] = load_build

        # Items, into plain containers only.

        def _container(self, op, target):
            if not any(self._fit(target, kind, ()) is not MISMATCH for kind in allowlist.containers[op]):
                raise Refused("refused %s on %s: items only into %s" % (op.upper(), _describe(target), ", ".join(allowlist.containers[op])))
            return target

        def load_append(self):
            value = self.stack.pop()
            self._container("appends", self.stack[-1]).append(value)

        dispatch[pickle.APPEND[0]] = load_append

        def load_appends(self):
            items = self.pop_mark()
            self._container("appends", self.stack[-1]).extend(items)

        dispatch[pickle.APPENDS[0]] = load_appends

        def load_setitem(self):
            value = self.stack.pop()
            key = self.stack.pop()
            self._container("setitems", self.stack[-1])[key] = value

        dispatch[pickle.SETITEM[0]] = load_setitem

        def load_setitems(self):
            items = self.pop_mark()
            target = self._container("setitems", self.stack[-1])
            for i in range(0, len(items), 2):
                target[items[i]] = items[i + 1]

        dispatch[pickle.SETITEMS[0]] = load_setitems

        def load_additems(self):
            items = self.pop_mark()
            self._container("additems", self.stack[-1]).update(items)

        dispatch[pickle.ADDITEMS[0]] = load_additems

        def _refuse_extension(self):
            raise Refused("refused EXT opcode: copyreg's extension registry names globals only the loading process knows")

        for _op in (pickle.EXT1, pickle.EXT2, pickle.EXT4):
            dispatch[_op[0]] = _refuse_extension

    return GuardedUnpickler


def pickle_module(allowlist_document):
    """A module-like object for torch.load(pickle_module=...): its Unpickler is the guarded one."""
    unpickler = make_unpickler(Allowlist(allowlist_document))
    module = types.ModuleType("registry_guarded_pickle")
    module.Unpickler = unpickler
    module.UnpicklingError = pickle.UnpicklingError
    module.Pickler = pickle.Pickler
    module.HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
    module.DEFAULT_PROTOCOL = pickle.DEFAULT_PROTOCOL

    def load(file, **kwargs):
        return unpickler(file, **kwargs).load()

    def loads(data, **kwargs):
        return unpickler(io.BytesIO(data), **kwargs).load()

    module.load = load
    module.loads = loads
    module.dump = pickle.dump
    module.dumps = pickle.dumps
    return module


def guard_torch_load(torch, allowlist_document):
    """Makes every unpickling of this process go through the guard: pickle's own Unpickler, load and loads
    are replaced (torch 1.13 ignores the pickle_module it is given when weights_only is False, and other
    loaders, anemoi-inference's or numpy's, use pickle directly), and torch.load is given the guarded module
    too. A weights_only=True load keeps torch's own restricted unpickler, which runs nothing."""
    guarded = pickle_module(allowlist_document)
    pickle.Unpickler = guarded.Unpickler
    pickle.load = guarded.load
    pickle.loads = guarded.loads
    original = torch.load
    supports_weights_only = "weights_only" in original.__code__.co_varnames

    def load(f, *args, **kwargs):
        if kwargs.get("weights_only") is True:
            return original(f, *args, **kwargs)
        kwargs["pickle_module"] = guarded
        if supports_weights_only:
            kwargs["weights_only"] = False
        return original(f, *args, **kwargs)

    torch.load = load
    return load
