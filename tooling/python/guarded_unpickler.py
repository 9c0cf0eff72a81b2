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
  state may not use dunder names, nor put a callable in place of a method of the class (but forward), except
  a record's keys, which the list names one by one (an OrderedDict's __orig_class__);
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
import sys
import types
import typing

from pickle_rules import BUILTIN_TYPES, MISMATCH, Allowlist, Provenance, Refused, describe  # noqa: F401 (re-exported)


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
            raise Refused("refused global: a name computed while unpickling (STACK_GLOBAL of %s, %s)" % (describe(module), describe(name)))
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
            self._made = Provenance(allowlist)

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
            self._made.globals[id(obj)] = (module + "." + name, obj, use, rule)
            return obj

        # Calls.

        def _call(self, func, args, kwargs=None, new=False):
            entry = self._made.global_entry(func)
            if entry is None:
                raise Refused("refused call of %s: only reviewed globals may be called while unpickling" % describe(func))
            name, _, use, rule = entry
            if use == "reference":
                raise Refused("refused call of %s: the list allows it only to be referenced" % name)
            if type(args) is not tuple:
                raise Refused("refused call of %s: its arguments are %s, not a tuple" % (name, describe(args)))
            if use == "class":
                result = func.__new__(func, *args, **(kwargs or {})) if new else func(*args, **(kwargs or {}))
                return self._made.record(result, allowlist.class_returns)
            if new:
                # Real pickles make only objects of classes with NEWOBJ; everything else on the list is pickled with REDUCE.
                raise Refused("refused call of %s: made with NEWOBJ; only classes of reviewed packages are" % name)
            fitted = MISMATCH
            for signature in rule.signatures:
                fitted = self._made.fit_signature(args, signature)
                if fitted is not MISMATCH:
                    break
            if fitted is MISMATCH:
                raise Refused(self._made.mismatch(name, args, rule))
            return self._made.record(func(*fitted), rule.returns)

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
            entry = self._made.global_entry(cls)
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
            if self._made.fit(pid, allowlist.persistent_id, ()) is MISMATCH:
                raise Refused("refused persistent id %s: only %s, torch's ('storage', storage type, key, location, count)" % (describe(pid), allowlist.persistent_id))
            return self._made.record(self.persistent_load(pid), "storage")

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
            what = self._made.made_as(inst)
            rule = allowlist.build.get(what) if what is not None else None
            if rule is None:
                raise Refused("refused BUILD on %s: state only on %s objects made by this pickle" % (describe(inst), ", ".join(allowlist.build)))
            fitted = self._made.fit(state, rule["state"], ())
            if fitted is MISMATCH:
                raise Refused("refused BUILD on %s: its state is %s, not %s" % (describe(inst), describe(state), rule["state"]))
            cls = type(inst)
            if rule["state"] != "attributes":
                # A state the list types exactly: numpy's own __setstate__ takes it; a class without one (an
                # OrderedDict's __orig_class__) gets it into __dict__, as pickle's BUILD puts a dict.
                own = getattr(cls, "__setstate__", None)
                if own is not None:
                    own(inst, fitted)
                elif type(fitted) is dict:
                    inst.__dict__.update(fitted)
                else:
                    raise Refused("refused BUILD on %s: %s has no __setstate__ to take the state %s" % (describe(inst), describe(cls), describe(state)))
                return
            may_replace = set(rule.get("mayReplaceMethods", []))
            for key, value in state.items():
                if callable(value) and key not in may_replace and _is_method(inspect.getattr_static(cls, key, None)):
                    raise Refused("refused BUILD on %s: its state replaces the method %s of its class by %s" % (describe(inst), key, describe(value)))
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
                    % (describe(inst), getattr(setstate, "__module__", "?"), getattr(setstate, "__qualname__", "?"))
                )
            with _disarming(review.get("disarm", [])):
                setstate(inst, state)

        dispatch[pickle.BUILD[0]] = load_build

        # Items, into plain containers only.

        def _container(self, op, target):
            if not any(self._made.fit(target, kind, ()) is not MISMATCH for kind in allowlist.containers[op]):
                raise Refused("refused %s on %s: items only into %s" % (op.upper(), describe(target), ", ".join(allowlist.containers[op])))
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
