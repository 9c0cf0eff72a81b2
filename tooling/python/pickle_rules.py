"""The reviewed rules of tooling/pickle/allowlist.json as the loader reads them: which globals, called with which
arguments, which objects may get state and how, and the types those rules are written in. The static scan
(tooling/pickle/usage.ts) interprets the same document; the builtin types are the ones both implement.

A value's type is checked by what it is (an int, a str matching a pattern, a tuple of given types), by which
global it is (as find_class returned it), or by provenance: a "tensor" is what a rebuild function of this load
returned, a "storage" what persistent_load returned. Provenance records this load's globals and results.
"""
import pickle
import re
import sys
import types


class Refused(pickle.UnpicklingError):
    """A global, a call, a state or an item the reviewed list does not allow."""


CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
MISMATCH = object()
MAX_DEPTH = 8

# The builtin types of allowlist.json this loader implements; the list may name no other.
BUILTIN_TYPES = {
    "any", "none", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "set", "storage", "storage-type",
    "hooks", "rebuild-args", "tensor-state", "tensor-metadata", "attributes", "annotation",
}


ATTRIBUTE_NAME_MAX = 256  # UTF-8 bytes, as values.ts: no real attribute's name is longer


def is_attribute_name(key):
    """A name a state may set into an object: a str of at most 256 bytes of UTF-8 that is no dunder name (what
    Python and its libraries look up for their own protocols: __setstate__, __class__, __array_interface__...)."""
    if type(key) is not str or len(key) > ATTRIBUTE_NAME_MAX or len(key.encode("utf-8", "surrogatepass")) > ATTRIBUTE_NAME_MAX:
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


def describe(value):
    name = getattr(value, "__qualname__", None) if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)) else None
    if name:
        return "%s %s.%s" % ("class" if isinstance(value, type) else "function", getattr(value, "__module__", "?"), name)
    if isinstance(value, (str, bytes)):
        return "%s %r" % (type(value).__name__, value[:40])
    return "a %s.%s" % (type(value).__module__, type(value).__qualname__)


class Provenance:
    """What one load has made: its globals (id -> (name, object, use, rule)) and the results of its calls and
    persistent ids (id -> (type, object)), the objects kept alive so that an id is never reused; and the type
    checks, which need them."""

    def __init__(self, allowlist):
        self.allowlist = allowlist
        self.globals = {}
        self.made = {}

    def global_entry(self, value):
        entry = self.globals.get(id(value))
        return entry if entry is not None and entry[1] is value else None

    def made_as(self, value):
        entry = self.made.get(id(value))
        return entry[0] if entry is not None and entry[1] is value else None

    def record(self, value, what):
        self.made[id(value)] = (what, value)
        return value


    def fit(self, value, expr, args, depth=0):
        """`value` if it is of type `expr` (with torch's backward hooks replaced), else MISMATCH."""
        if depth > MAX_DEPTH:
            return MISMATCH
        if isinstance(expr, dict):
            return self._fit_expression(value, expr, args, depth)
        if self.made_as(value) == expr:
            return value
        if expr in self.allowlist.types:
            return self.fit(value, self.allowlist.types[expr], args, depth + 1)
        return self._fit_builtin(value, expr, args, depth)

    def _fit_expression(self, value, expr, args, depth):
        if "anyOf" in expr:
            for option in expr["anyOf"]:
                fitted = self.fit(value, option, args, depth + 1)
                if fitted is not MISMATCH:
                    return fitted
            return MISMATCH
        if "tuple" in expr or "tupleOf" in expr:
            if type(value) is not tuple:
                return MISMATCH
            item_types = expr["tuple"] if "tuple" in expr else [expr["tupleOf"]] * len(value)
            if len(item_types) != len(value):
                return MISMATCH
            fitted = tuple(self.fit(item, t, args, depth + 1) for item, t in zip(value, item_types))
            return MISMATCH if any(item is MISMATCH for item in fitted) else fitted
        if "record" in expr:
            # A dict the pickle wrote with exactly the keys named (str), each value of its type.
            fields = expr["record"]
            if type(value) is not dict or self.made_as(value) is not None or len(value) != len(fields):
                return MISMATCH
            if not all(type(key) is str and key in fields for key in value):
                return MISMATCH
            fitted = {key: self.fit(item, fields[key], args, depth + 1) for key, item in value.items()}
            return MISMATCH if any(item is MISMATCH for item in fitted.values()) else fitted
        if "equals" in expr:
            want = expr["equals"]
            same = value is want if want is None or isinstance(want, bool) else type(value) is type(want) and value == want
            return value if same else MISMATCH
        if "bytesEqual" in expr:
            return value if type(value) is bytes and value == expr["bytesEqual"].encode("latin-1") else MISMATCH
        if "pattern" in expr:
            return value if type(value) is str and re.search(expr["pattern"], value) and "\n" not in value else MISMATCH
        entry = self.global_entry(value)
        return value if entry is not None and any(self.allowlist.glob(p).fullmatch(entry[0]) for p in expr["global"]) else MISMATCH

    def _fit_builtin(self, value, name, args, depth):
        exact = {"none": type(None), "bool": bool, "int": int, "float": float, "str": str, "bytes": bytes, "list": list, "tuple": tuple, "dict": dict, "set": set}
        if name in exact:
            return value if type(value) is exact[name] else MISMATCH
        if name == "any":
            return value
        if name == "storage":
            return MISMATCH  # only by provenance: what persistent_load returned
        if name == "storage-type":
            entry = self.global_entry(value)
            if entry is not None and entry[2] == "reference" and entry[0].endswith("Storage"):
                return value
            # torch 2's loader puts its StorageType in place of torch.*Storage before find_class sees it.
            kind = type(value)
            return value if kind.__name__ == "StorageType" and kind.__module__ == "torch.serialization" else MISMATCH
        if name == "hooks":
            return type(value)() if self.made_as(value) == "ordered-dict" else MISMATCH
        if name in ("attributes", "tensor-state"):
            if name == "tensor-state" and value is None:
                return value
            written = type(value) is dict and self.made_as(value) is None
            if not written or not all(is_attribute_name(key) for key in value):
                return MISMATCH
            # Set with setattr on a tensor: a name torch.Tensor defines (data, grad, _backward_hooks...) is no plain attribute.
            tensor = getattr(sys.modules.get("torch"), "Tensor", None)
            return MISMATCH if name == "tensor-state" and any(hasattr(tensor, key) for key in value) else value
        if name == "tensor-metadata":
            return value if value is None or type(value) is dict else MISMATCH
        if name == "annotation":
            if value is None or self.global_entry(value) is not None or self.made_as(value) in ("type", "typing-alias"):
                return value
            if type(value) is tuple and all(self.fit(item, "annotation", args, depth + 1) is not MISMATCH for item in value):
                return value
            return MISMATCH
        if name == "rebuild-args":
            entry = self.global_entry(args[0]) if args else None
            if entry is None or entry[3] is None or type(value) is not tuple:
                return MISMATCH
            for signature in entry[3].signatures:
                fitted = self.fit_signature(value, signature)
                if fitted is not MISMATCH:
                    return fitted
            return MISMATCH
        return MISMATCH

    def fit_signature(self, args, signature):
        params, rest = signature.params, signature.rest
        if len(args) < len(params) or (len(args) > len(params) and rest is None):
            return MISMATCH
        fitted = tuple(self.fit(arg, params[i] if i < len(params) else rest, args) for i, arg in enumerate(args))
        return MISMATCH if any(arg is MISMATCH for arg in fitted) else fitted

    def mismatch(self, name, args, rule):
        def show(expr):
            return expr if isinstance(expr, str) else "|".join(show(e) for e in expr["anyOf"]) if "anyOf" in expr else str(expr)

        shapes = " or ".join("(%s)" % ", ".join([show(p) for p in s.params] + ([show(s.rest) + "..."] if s.rest is not None else [])) for s in rule.signatures)
        for signature in rule.signatures:
            params, rest = signature.params, signature.rest
            if len(args) == len(params) or (rest is not None and len(args) >= len(params)):
                for i, arg in enumerate(args):
                    if self.fit(arg, params[i] if i < len(params) else rest, args) is MISMATCH:
                        return "refused call of %s: argument %d is %s, where the list allows %s" % (name, i + 1, describe(arg), shapes)
        return "refused call of %s: %d arguments, where the list allows %s" % (name, len(args), shapes)
