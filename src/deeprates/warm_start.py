"""Warm start: a run's jobs fork from one Python process that has the libraries imported.

Why: at the tiny size (config/test.yaml) a job's own work is a fraction of a second, and what a
job costs is its process start-up: importing numpy and scipy (~0.3 s of CPU), matplotlib
(~0.5 s, every figure job), numba and scikit-learn (~1.5 s, the voxel jobs) or torch (~1.4 s,
every training job and every track E net). Summed over the tiny run's ~120 jobs that is most of
its CPU time. With the config key `warm_start: true` the workflow starts one server per run
(`start`, from the Snakefile's `onstart`), which imports all of that once; each job's
`python -m deeprates ...` then hands its arguments, working folder, environment and standard
streams to the server (`delegate`, called from `deeprates.__main__` before anything heavy is
imported), the server forks a child that runs the command exactly as the fresh process would
have, and the job's process waits for the child's exit status and forwards signals to it.
Snakemake still sees one process per job: the DAG, logs, exit codes and outputs are unchanged
(tests/test_warm_start.py checks the outputs are the same bytes).

What a fork cannot give, the client leaves to a fresh process (delegate returns None):
- a job asking for more than one thread: OpenBLAS, OpenMP and numba read their thread counts
  when they load, so the server, which loads them once, runs them single-threaded;
- no server (it is not running, or a cluster job on another machine): the job runs as usual.

The cost models (deeprates.cost) need each job's start-up, so a warm child's cost line is
labelled `cost (warm start: imports not counted):` and is not collected.

Local runs only: the Snakefile starts the server only when jobs run on this machine. The
server stops when the run ends (`stop`, from onsuccess/onerror) or when Snakemake is gone.
This module imports only the standard library at the top: the client runs in every job.
"""

from __future__ import annotations

import gc
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV = "DEEPRATES_WARM_SOCKET"
# What the jobs import: loaded once in the server. Each entry is optional (a core install has
# no torch or matplotlib): a module that does not import is simply imported by the job itself.
PRELOAD = ("numpy", "scipy.linalg", "scipy.special", "scipy.optimize", "scipy.sparse",
           "scipy.stats", "matplotlib.pyplot", "torch", "sklearn.tree", "numba", "mpmath")
_HEADER = struct.Struct("!Q")
_JOB_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


# --- client: the job's own process ---------------------------------------------------------

def _threads_requested(argv: list[str]) -> int:
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif a.startswith("--threads="):
            value = a.split("=", 1)[1]
        else:
            continue
        try:
            return int(value)
        except ValueError:
            return -1  # let the CLI itself report the bad value
    return 1


def delegate(argv: list[str], path: str | None = None) -> int | None:
    """Run `deeprates <argv>` in a child of the warm server and return its exit status;
    None when this process should run it itself (no server, or more than one thread)."""
    path = path or os.environ.get(ENV)
    if not path or _threads_requested(argv) != 1:
        return None
    # Signals go to the child once it exists; one that comes before (the server may still be
    # loading its imports) is held and sent then, so a cancelled job never runs on its own.
    child: list[int] = []
    held: list[int] = []

    def forward(signum, _frame):
        if not child:
            held.append(signum)
            return
        try:
            os.kill(child[0], signum)
        except ProcessLookupError:
            pass

    previous = {sig: signal.signal(sig, forward) for sig in _JOB_SIGNALS}
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    try:
        sock.connect(path)
        # The standard streams travel as file descriptors: the child writes to the job's log.
        socket.send_fds(sock, [b"R"], [0, 1, 2])
        sock.sendall(_HEADER.pack(len(request)) + request)
    except OSError:  # no server, or a stream it cannot take (a closed stdin): run it here
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in held:
            os.kill(os.getpid(), sig)
        return None
    with sock:
        reader = sock.makefile("r", encoding="ascii")
        first = reader.readline().split()
        if len(first) != 2 or first[0] != "pid":
            print("deeprates: the warm-start server did not start the job", file=sys.stderr)
            return 1
        child.append(int(first[1]))
        for sig in held:
            forward(sig, None)
        # a forwarded signal interrupts this read, which Python resumes (PEP 475): it returns
        # when the child has ended
        parts = reader.readline().split()
        if len(parts) != 2 or parts[0] != "exit":
            print("deeprates: the warm-start server went away before the job ended",
                  file=sys.stderr)
            return 1
        return int(parts[1])


# --- server ---------------------------------------------------------------------------------

def preload(modules=PRELOAD) -> list[str]:
    """Import what the jobs import; the names that did not import are returned. The server
    runs in the jobs' folder, so matplotlib reads the same matplotlibrc a job would."""
    import importlib

    if any(m.startswith("matplotlib") for m in modules):
        try:
            import matplotlib

            matplotlib.use("Agg")  # as deeprates.plotting does
        except ImportError:
            pass

    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    # Of the project's own modules only the entry point: the others are small, and a job's
    # `import torch` must run in the job for its provenance to see it (runtime.uses_torch).
    import deeprates.cli  # noqa: F401

    return missing


def _run_child(fds: list[int], request: dict) -> None:
    """In the forked child: become the job's process and run its command; never returns."""
    rc = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.pop(ENV, None)
        sys.argv = ["deeprates", *request["argv"]]
        from deeprates import cli, runtime

        runtime.record_imports()
        cli.warm_child_started()
        rc = cli.main(request["argv"])
    except SystemExit as exc:
        if exc.code is None:
            rc = 0
        elif isinstance(exc.code, int):
            rc = exc.code
        else:
            print(exc.code, file=sys.stderr)
            rc = 1
    except BaseException:  # noqa: BLE001  (the job's traceback goes to its log, as it would)
        import traceback

        traceback.print_exc()
        rc = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(rc if isinstance(rc, int) else 1)


def serve(path: str, owner: int, modules=PRELOAD) -> None:
    """Listen on `path` and run each request in a forked child, until SIGTERM, until the
    socket file is removed or until process `owner` (Snakemake) is gone."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(128)  # jobs that arrive while the imports load wait here
    missing = preload(modules)
    # Move everything loaded so far out of the garbage collector's reach: a child's collection
    # would otherwise walk (and so copy, page by page) the whole inherited heap: measured
    # 0.25 s of CPU per job without this, 0.07 s with it.
    gc.collect()
    gc.freeze()
    print(f"deeprates warm start: serving on {path}; not preloaded: {missing or 'none'}",
          file=sys.stderr, flush=True)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    stopping = []
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    children: dict[int, socket.socket] = {}

    def reap() -> None:
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = children.pop(pid, None)
            if conn is None:
                continue
            if _registered(sel, conn):
                sel.unregister(conn)
            code = os.waitstatus_to_exitcode(status)
            try:
                conn.sendall(f"exit {code if code >= 0 else 128 - code}\n".encode())
            except OSError:
                pass
            conn.close()

    while not stopping and os.path.exists(path) and _alive(owner):
        for key, _ in sel.select(timeout=1.0):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                try:
                    conn.settimeout(30)
                    _, fds, _, _ = socket.recv_fds(conn, 1, 3)
                    size = _HEADER.unpack(_recv_exactly(conn, _HEADER.size))[0]
                    request = json.loads(_recv_exactly(conn, size))
                except (OSError, ValueError) as exc:
                    print(f"deeprates warm start: bad request ({exc})", file=sys.stderr,
                          flush=True)
                    conn.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                # Blocked across the fork: a signal the job's process forwards at once must
                # meet the child's default handlers, not the server's, still inherited.
                signal.pthread_sigmask(signal.SIG_BLOCK, _JOB_SIGNALS)
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    for sig in (signal.SIGCHLD, *_JOB_SIGNALS):
                        signal.signal(sig, signal.SIG_DFL)
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, _JOB_SIGNALS)
                    for fd in (wake_r, wake_w):
                        os.close(fd)
                    listener.close()
                    conn.close()
                    for other in children.values():
                        other.close()
                    _run_child(fds, request)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, _JOB_SIGNALS)
                for fd in fds:
                    os.close(fd)
                children[pid] = conn
                conn.sendall(f"pid {pid}\n".encode())
                sel.register(conn, selectors.EVENT_READ, pid)
            elif key.fileobj == wake_r:
                os.read(wake_r, 4096)
            else:  # a job's process closed its end (killed): end its child too
                sel.unregister(key.fileobj)
                try:
                    os.kill(key.data, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        reap()
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    listener.close()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _registered(sel: selectors.BaseSelector, conn: socket.socket) -> bool:
    try:
        sel.get_key(conn)
    except KeyError:
        return False
    return True


def _recv_exactly(conn: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ValueError("connection closed mid-request")
        buf += chunk
    return bytes(buf)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- the workflow's side: start and stop one server per run -------------------------------

_SERVER: subprocess.Popen | None = None


def start(src: str, log: str | os.PathLike, modules: tuple[str, ...] | None = None) -> str | None:
    """Start the server for this run (the Snakefile's onstart) and point the jobs at it
    (the environment variable, which the jobs inherit). Returns the socket path, or None
    when the server did not come up (the jobs then run as fresh processes). `modules`: what
    to preload instead of PRELOAD (the tests keep it small)."""
    global _SERVER
    folder = tempfile.mkdtemp(prefix="deeprates-warm-")
    path = os.path.join(folder, "socket")
    from deeprates.runtime import THREAD_ENV

    # one thread, as every delegated job asks: the libraries read these once, when they load
    env = dict(os.environ, **{var: "1" for var in THREAD_ENV})
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as err:
        _SERVER = subprocess.Popen(
            [sys.executable, "-m", "deeprates.warm_start", "serve", path, str(os.getpid()),
             *(PRELOAD if modules is None else modules)],
            env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
            start_new_session=True)  # a Ctrl-C reaches the jobs, which forward it
    deadline = time.monotonic() + 30
    while not os.path.exists(path):
        if _SERVER.poll() is not None or time.monotonic() > deadline:
            stop()
            return None
        time.sleep(0.02)
    os.environ[ENV] = path
    return path


def stop() -> None:
    """End the server (the Snakefile's onsuccess/onerror); jobs still running are ended."""
    global _SERVER
    path = os.environ.pop(ENV, None)
    if _SERVER is not None:
        _SERVER.terminate()
        try:
            _SERVER.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _SERVER.kill()
        _SERVER = None
    if path:
        for p in (path, os.path.dirname(path)):
            try:
                os.unlink(p) if p == path else os.rmdir(p)
            except OSError:
                pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[0] != "serve":
        print("usage: python -m deeprates.warm_start serve SOCKET OWNER_PID [MODULE ...]",
              file=sys.stderr)
        return 2
    serve(argv[1], int(argv[2]), tuple(argv[3:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
