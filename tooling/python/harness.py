"""The first process of a sandbox that runs a checkpoint's code: PID 1 of the sandbox's PID namespace, started
with `python -I -S` (no site-packages, so no .pth file of an installed package runs here, only the standard
library), and it never imports or runs anything of the checkpoint. It runs the work as child processes and is
the only one that writes to the host:

- its report goes to descriptor 3, which no child inherits; the children's own answers (a JSON message on a
  pipe of their own) are forwarded as what they are, the words of a process that may have run a checkpoint's
  code, beside what this process saw itself: each child's exit status or signal, its time, whether it was
  killed at the deadline, the tail of its output;
- it is not dumpable (PR_SET_DUMPABLE 0): a process of the same uid cannot ptrace it, read its memory or
  reopen its descriptors through /proc; as PID 1 it ignores every signal sent from inside the namespace;
- when a child ends, every other process in the namespace is killed (stopped, traced or daemonised ones
  included), and when this process ends the kernel kills whatever is left: nothing holds the run open;
- files a child leaves in the scratch folder are copied, capped, to the host only through descriptors the
  host opened (4, 5, ...), never through a path the children could reach.

Usage: python -I -S harness.py [--userns-nproc=N] exec -- COMMAND...   (a plain command, e.g. pip: its
                                                                         status becomes ours)
       python -I -S harness.py [--userns-nproc=N] stages SPEC.json     (SPEC: {stages: [{name, argv, env?,
                                  messageBytes?, required?, timeout?}], tailBytes?, outputs?: [{path, fd}], outputBytes?})
--userns-nproc: (the registry runs as root; we run as uid 65534 in no user namespace) every child enters a
user namespace of its own, which cannot make further ones, with a process limit of N counted there.
"""
import json
import os
import select
import signal
import sys
import time

REPORT_FD = 3
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
CLONE_NEWUSER = 0x10000000

# Set by --userns-nproc: the process limit of every child, in a user namespace of its own.
USERNS_NPROC = None


def libc():
    import ctypes

    return ctypes, ctypes.CDLL(None, use_errno=True)


def undumpable():
    """No ptrace, no /proc/<pid>/mem or fd of this process for anyone without CAP_SYS_PTRACE; and death with
    bubblewrap, our parent (setpriv's change of uid cleared the parent-death signal bubblewrap had set)."""
    try:
        _, c = libc()
        c.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        c.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux (--no-sandbox on macOS): nothing to set


def own_user_namespace(limit):
    """Enter a user namespace mapping our uid and gid to themselves, in which no further one can be made (as
    bubblewrap's --disable-userns: a first namespace allows one more, the second), and limit its processes."""
    import resource

    ctypes, c = libc()
    uid, gid = os.getuid(), os.getgid()
    # We inherited the harness's non-dumpable state, which makes /proc/self root's; exec would reset it anyway.
    c.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)

    def enter():
        if c.unshare(CLONE_NEWUSER) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER)")
        for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", "%d %d 1" % (uid, uid)), ("/proc/self/gid_map", "%d %d 1" % (gid, gid))):
            with open(path, "w") as file:
                file.write(text)

    enter()
    with open("/proc/sys/user/max_user_namespaces", "w") as file:
        file.write("1")
    enter()
    resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))


def kill_rest(group):
    """Every other process of the sandbox (as its PID 1: kill(-1) reaches exactly the namespace), or, unsandboxed,
    the child's own process group (never -1 outside a namespace of our own: that is every process of the user)."""
    try:
        if os.getpid() == 1:
            os.kill(-1, signal.SIGKILL)
        elif group:
            os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    reap()


def reap():
    """Collect every child that has ended (as PID 1, orphans of the namespace too)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def spawn(argv, env, stdout_fd, keep_fd=None):
    """Fork and exec `argv` in a session of its own, stdin from /dev/null, stdout and stderr to `stdout_fd`
    (ours when None), descriptor `keep_fd` inherited and nothing else of ours."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.setsid()
        try:
            # The host's OOM killer takes the child first, never the process that reports.
            with open("/proc/self/oom_score_adj", "w") as adj:
                adj.write("1000")
        except OSError:
            pass
        if USERNS_NPROC is not None:
            own_user_namespace(USERNS_NPROC)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        if stdout_fd is not None:
            os.dup2(stdout_fd, 1)
            os.dup2(stdout_fd, 2)
        if keep_fd is None:
            os.closerange(3, 65536)
        else:
            os.set_inheritable(keep_fd, True)
            os.closerange(3, keep_fd)
            os.closerange(keep_fd + 1, 65536)
        os.execve(argv[0], argv, env)
    except BaseException as error:  # exec failed: say so on the child's output, never return into our code
        try:
            os.write(2, ("harness: cannot run %s: %s\n" % (argv[0], error)).encode())
        finally:
            os._exit(127)


def status_of(raw):
    if os.WIFSIGNALED(raw):
        return None, signal.Signals(os.WTERMSIG(raw)).name
    return os.waitstatus_to_exitcode(raw), None


def wait_main(pid):
    """Wait for `pid`, reaping whatever else ends meanwhile; its exit code or signal."""
    while True:
        try:
            ended, raw = os.waitpid(-1, 0)
        except ChildProcessError:
            return None, None
        if ended == pid:
            return status_of(raw)


class Capped:
    """What a pipe gave: all of it up to `limit` (a message), or its last `limit` bytes (an output)."""

    def __init__(self, limit, keep_tail):
        self.limit = limit
        self.keep_tail = keep_tail
        self.data = bytearray()
        self.too_large = False

    def add(self, chunk):
        if self.keep_tail:
            self.data += chunk
            if len(self.data) > 2 * self.limit:
                del self.data[: len(self.data) - self.limit]
        elif not self.too_large:
            if len(self.data) + len(chunk) > self.limit:
                self.too_large = True
                self.data.clear()
            else:
                self.data += chunk

    def text(self):
        return bytes(self.data[-self.limit :]).decode("utf-8", "replace")


def drain(pipes):
    """What the child wrote just before it ended, without waiting for the writers it may have left behind."""
    for fd, sink in pipes.items():
        os.set_blocking(fd, False)
        for _ in range(4096):
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            sink.add(chunk)


def run_stage(stage, tail_bytes):
    """One child: its message (JSON text, at most messageBytes), its output's tail, and what we saw of it."""
    message_r, message_w = os.pipe()
    output_r, output_w = os.pipe()
    env = dict(os.environ)
    env.update(stage.get("env") or {})
    env["REGISTRY_MESSAGE_FD"] = str(message_w)
    started = time.monotonic()
    deadline = started + float(stage.get("timeout", 3600))
    pid = spawn(stage["argv"], env, output_w, message_w)
    os.close(message_w)
    os.close(output_w)
    message = Capped(int(stage.get("messageBytes", 1 << 20)), keep_tail=False)
    output = Capped(tail_bytes, keep_tail=True)
    pipes = {message_r: message, output_r: output}
    open_fds = set(pipes)
    status = None
    timed_out = False
    while status is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            kill_rest(pid)
            break
        if open_fds:
            ready, _, _ = select.select(list(open_fds), [], [], min(0.2, remaining))
        else:
            ready = []
            time.sleep(min(0.2, remaining))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                pipes[fd].add(chunk)
            else:
                open_fds.discard(fd)
        # The child's end is what counts: a process it left holding the pipes does not keep us waiting.
        ended, raw = os.waitpid(pid, os.WNOHANG)
        if ended == pid:
            status = status_of(raw)
    seconds = time.monotonic() - started
    drain(pipes)
    kill_rest(pid)
    for fd in pipes:
        os.close(fd)
    exit_code, signal_name = status if status else (None, None)
    return {
        "name": stage["name"],
        "exitCode": exit_code,
        "signal": signal_name,
        "timedOut": timed_out,
        "seconds": seconds,
        "message": message.text() if message.data and not message.too_large else None,
        "messageTooLarge": message.too_large,
        "output": output.text(),
    }


def copy_outputs(outputs, limit):
    """The files the children left in the scratch folder, to the descriptors the host opened; at most `limit`
    bytes each, never following a symbolic link."""
    copied = []
    for output in outputs:
        entry = {"path": output["path"], "bytes": 0}
        try:
            source = os.open(output["path"], os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as error:
            entry["missing"] = error.strerror
            copied.append(entry)
            continue
        try:
            while True:
                chunk = os.read(source, 1 << 20)
                if not chunk:
                    break
                if entry["bytes"] + len(chunk) > limit:
                    entry["tooLarge"] = True
                    os.ftruncate(output["fd"], 0)
                    break
                view = memoryview(chunk)
                while view:
                    view = view[os.write(output["fd"], view) :]
                entry["bytes"] += len(chunk)
        finally:
            os.close(source)
            os.close(output["fd"])
        copied.append(entry)
    return copied


def write_report(report):
    data = json.dumps(report).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(REPORT_FD, view) :]
    os.close(REPORT_FD)


def run_stages(spec_path):
    with open(spec_path) as file:
        spec = json.load(file)
    tail_bytes = int(spec.get("tailBytes", 65536))
    stages = []
    for stage in spec["stages"]:
        result = run_stage(stage, tail_bytes)
        stages.append(result)
        if stage.get("required") and result["exitCode"] != 0:
            break
    report = {"harness": 1, "stages": stages}
    if spec.get("outputs"):
        report["outputs"] = copy_outputs(spec["outputs"], int(spec.get("outputBytes", 1 << 30)))
    write_report(report)
    return 0


def run_exec(argv):
    """A plain command as the sandbox's only child: its exit status (or 128 + its signal) becomes ours."""
    pid = spawn(argv, dict(os.environ), None)
    exit_code, signal_name = wait_main(pid)
    kill_rest(pid)
    if signal_name is not None:
        return 128 + signal.Signals[signal_name].value
    return exit_code if exit_code is not None else 1


def main():
    global USERNS_NPROC
    undumpable()
    args = sys.argv[1:]
    if args and args[0].startswith("--userns-nproc="):
        USERNS_NPROC = int(args.pop(0).split("=", 1)[1])
    if len(args) >= 2 and args[0] == "exec" and args[1] == "--":
        return run_exec(args[2:])
    if len(args) == 2 and args[0] == "stages":
        return run_stages(args[1])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
