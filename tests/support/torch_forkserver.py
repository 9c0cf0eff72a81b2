"""Test helper: one Python that has imported torch, forking a child for each script a test runs.

The tests run dozens of short Python scripts that begin with `import torch`, which alone costs about a second
of CPU; a child forked from here has it already. Each child is set up as `python3 ARGS` would start it: its
argv, working folder, environment (PYTHONPATH on sys.path), stdin, and stdout and stderr into files, and ends
with the script's exit status. Nothing of one script reaches another: each runs in its own process.

Protocol, JSON lines: requests on stdin {"id", "args", "cwd", "env", "stdin", "stdout", "stderr"} (the three
last are file paths); answers on stdout {"id", "pid"} once forked, then {"id", "status"} (os.waitpid's).
The server ends when its stdin closes, after its children.
"""
import atexit
import io
import json
import os
import runpy
import select
import signal
import sys
import traceback

import torch  # noqa: F401  the point of this server

# The interpreter's own path (standard library, site packages), without this script's folder.
base_path = sys.path[1:]


def run_child(request):
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, flags in ((0, request["stdin"], os.O_RDONLY), (1, request["stdout"], os.O_WRONLY | os.O_TRUNC), (2, request["stderr"], os.O_WRONLY | os.O_TRUNC)):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    # New text streams on the new descriptors: the server's have its requests buffered.
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)))
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), line_buffering=True, errors="backslashreplace")
    args = request["args"]
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    code = 0
    try:
        if args[0] == "-c":
            sys.argv = ["-c", *args[2:]]
            sys.path[:] = ["", *extra, *base_path]
            exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
        else:
            sys.argv = list(args)
            sys.path[:] = [os.path.dirname(os.path.realpath(args[0])), *extra, *base_path]
            runpy.run_path(args[0], run_name="__main__")
    except SystemExit as error:
        if error.code is None:
            code = 0
        elif isinstance(error.code, int):
            code = error.code
        else:
            print(error.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)


def main():
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children = {}
    pending = b""
    open_input = True

    def answer(message):
        os.write(1, (json.dumps(message) + "\n").encode())

    while open_input or children:
        ready, _, _ = select.select([0, wake_read] if open_input else [wake_read], [], [], 1.0)
        if wake_read in ready:
            os.read(wake_read, 4096)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            answer({"id": children.pop(pid), "status": status})
        if open_input and 0 in ready:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                open_input = False
                continue
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    os.close(wake_read)
                    os.close(wake_write)
                    run_child(request)
                children[pid] = request["id"]
                answer({"id": request["id"], "pid": pid})


main()
