"""The loader's side of the reviewed list (tooling/pickle/allowlist.json, handed over in the spec): an
Unpickler that imports only what the list allows and calls only what it allows to be called, given to
torch.load as its pickle module. The static scan decides before Python starts; this decides again while
loading, with the values in hand, so that a scan that is wrong still cannot run code:

- find_class imports a global only if the list names it, or if it is a public class (checked with
  isinstance(obj, type), and defined in a reviewed package, so a re-exported os function cannot pass);
  never a dotted attribute path;
- REDUCE, NEWOBJ, OBJ and INST call only what find_class returned as callable: a global the list allows
  to be referenced only (a function stored in a model) cannot be called, and neither can anything made
  while unpickling (what getattr fetched, an object);
- getattr, type and getitem are replaced by checked versions that allow only the narrow forms real model
  pickles use; EXT1/2/4 (copyreg's extension registry) are refused.

The pure-Python unpickler is used because the C one cannot be told what REDUCE may call; data.pkl is a few
hundred KB even for multi-GB checkpoints (the tensors come through persistent_load), so speed is not an issue.
"""
import _compat_pickle
import fnmatch
import operator
import pickle
import re
import sys
import types
import typing


class Refused(pickle.UnpicklingError):
    """A global or a call the reviewed list does not allow."""


CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


class Allowlist:
    def __init__(self, document):
        self.callable = set(document["callable"])
        self.reference = set(document["reference"])
        self.narrow = set(document["narrow"])
        self.patterns = [pattern.split("|") for pattern in document["referencePatterns"]]
        self.packages = list(document["classPackages"])

    def in_package(self, module):
        return any(module == prefix or module.startswith(prefix + ".") for prefix in self.packages)

    def use(self, module, name):
        """'call', 'reference', 'narrow', 'class' (a candidate class of a reviewed package) or None."""
        qualified = module + "." + name
        if qualified in self.callable:
            return "call"
        if qualified in self.reference:
            return "reference"
        if qualified in self.narrow:
            return "narrow"
        if any(fnmatch.fnmatchcase(qualified, alternative) for pattern in self.patterns for alternative in pattern):
            return "reference"
        if CLASS_NAME.match(name) and not any(part.startswith("_") for part in module.split(".")) and self.in_package(module):
            return "class"
        return None


def _is_typing_form(value):
    return getattr(type(value), "__module__", None) == "typing" or value in (typing.Union, typing.Optional)


def checked_getattr(obj, name, *default):
    """getattr(object, 'public_name') on an object made while unpickling: never a module, class or function,
    never a private or dunder name, no default."""
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


def make_unpickler(allowlist):
    """An Unpickler class bound to a compiled Allowlist."""

    class GuardedUnpickler(pickle._Unpickler):
        dispatch = dict(pickle._Unpickler.dispatch)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # ids of what may be called, with the objects kept alive so that an id is never reused.
            self._callables = {}

        def _allow_call(self, obj):
            self._callables[id(obj)] = obj
            return obj

        def find_class(self, module, name):
            if self.proto < 3 and self.fix_imports:
                if (module, name) in _compat_pickle.NAME_MAPPING:
                    module, name = _compat_pickle.NAME_MAPPING[(module, name)]
                elif module in _compat_pickle.IMPORT_MAPPING:
                    module = _compat_pickle.IMPORT_MAPPING[module]
            if not isinstance(module, str) or not isinstance(name, str) or "." in name:
                raise Refused("refused global %s.%s: an attribute path through a module" % (module, name))
            use = allowlist.use(module, name)
            if use is None:
                raise Refused("refused global %s.%s: not on the reviewed list (tooling/pickle/allowlist.json)" % (module, name))
            if use == "narrow":
                return self._allow_call(NARROW[(module, name)])
            __import__(module, level=0)
            obj = getattr(sys.modules[module], name)
            if use == "class":
                defined_in = getattr(obj, "__module__", "") or ""
                if not isinstance(obj, type) or not allowlist.in_package(defined_in):
                    raise Refused("refused global %s.%s: a reviewed package's public classes only (this is %s from %s)" % (module, name, type(obj).__name__, defined_in or "?"))
            return self._allow_call(obj) if use in ("call", "class") else obj

        def _callable(self, func):
            if id(func) not in self._callables:
                raise Refused("refused call of %r: only reviewed globals may be called while unpickling" % (getattr(func, "__qualname__", None) or type(func).__name__,))
            return func

        def load_reduce(self):
            args = self.stack.pop()
            func = self._callable(self.stack[-1])
            self.stack[-1] = func(*args)

        dispatch[pickle.REDUCE[0]] = load_reduce

        def load_newobj(self):
            args = self.stack.pop()
            cls = self._callable(self.stack.pop())
            self.append(cls.__new__(cls, *args))

        dispatch[pickle.NEWOBJ[0]] = load_newobj

        def load_newobj_ex(self):
            kwargs = self.stack.pop()
            args = self.stack.pop()
            cls = self._callable(self.stack.pop())
            self.append(cls.__new__(cls, *args, **kwargs))

        dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

        def load_obj(self):
            args = self.pop_mark()
            cls = self._callable(args.pop(0))
            self._instantiate(cls, args)

        dispatch[pickle.OBJ[0]] = load_obj

        def load_inst(self):
            module = self.readline()[:-1].decode("ascii")
            name = self.readline()[:-1].decode("ascii")
            cls = self._callable(self.find_class(module, name))
            self._instantiate(cls, self.pop_mark())

        dispatch[pickle.INST[0]] = load_inst

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
        import io

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
