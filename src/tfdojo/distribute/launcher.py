"""N local multi-worker processes from one command (``tfdojo launch --workers N -- train``).

::

    from tfdojo.distribute.launcher import launch
    status = launch(["train", "--model", "mlp", "--epochs", "3"], workers=2)

Each worker is ``python -m tfdojo --threads T train ... --strategy multiworker`` with its
own ``TF_CONFIG`` (worker ``i`` of N, all on 127.0.0.1 with free ports); their output is
streamed line by line as ``[w0] ...``, ``[w1] ...``. If one worker fails, the launcher
names it and its exit code and stops the others.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from tfdojo.errors import TfdojoError

# Options launch sets for every worker itself.
_OWN_OPTIONS = ("--worker-hosts", "--task-index", "--threads")


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports free on 127.0.0.1 now (bound to port 0, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def worker_commands(
    command: list[str], workers: int, threads: int, ports: list[int]
) -> list[tuple[list[str], dict[str, str]]]:
    """The argv and ``TF_CONFIG`` of each worker.

    Raises:
        TfdojoError: no ``train`` command, an option launch sets itself, or another strategy.
    """
    if not command or command[0] != "train":
        raise TfdojoError(
            f"launch: expected `-- train [options]` after the launch options, received {command!r}"
        )
    for option in _OWN_OPTIONS:
        if any(a == option or a.startswith(option + "=") for a in command):
            raise TfdojoError(f"launch: {option} is set by launch for each worker; remove it")
    for i, a in enumerate(command):
        value = command[i + 1] if a == "--strategy" and i + 1 < len(command) else None
        value = a.split("=", 1)[1] if a.startswith("--strategy=") else value
        if value is not None and value != "multiworker":
            raise TfdojoError(f"launch: runs --strategy multiworker, received --strategy {value}")
    hosts = [f"127.0.0.1:{p}" for p in ports]
    argv = [sys.executable, "-m", "tfdojo", "--threads", str(threads), *command]
    if "--strategy" not in command and not any(a.startswith("--strategy=") for a in command):
        argv += ["--strategy", "multiworker"]
    out = []
    for i in range(workers):
        tf_config = {"cluster": {"worker": hosts}, "task": {"type": "worker", "index": i}}
        out.append((argv, {"TF_CONFIG": json.dumps(tf_config)}))
    return out


def launch(
    command: list[str],
    workers: int = 2,
    threads: int | None = None,
    grace: float = 10.0,
    cores: int | None = None,
    out=None,
) -> int:
    """Run ``command`` (``["train", ...]``) as ``workers`` local workers; return the exit status.

    Args:
        command: a ``tfdojo train`` command line without ``tfdojo``.
        workers: how many processes (>= 1).
        threads: threads per worker; default ``cores // workers`` (at least 1).
        grace: after a failure, seconds the others get after SIGTERM before SIGKILL.
        cores: the machine's cores (default ``os.cpu_count()``).
        out: where the prefixed lines go (default ``sys.stdout``).

    Returns:
        0 when every worker exits with 0; 1 when one fails (the others are stopped).
    """
    if workers < 1:
        raise TfdojoError(f"--workers: expected a whole number >= 1, received {workers}")
    if grace < 0:
        raise TfdojoError(f"--grace: expected seconds >= 0, received {grace}")
    out = out or sys.stdout
    threads = threads or max(1, (cores or os.cpu_count() or 1) // workers)
    specs = worker_commands(command, workers, threads, free_ports(workers))
    print(f"launch: {workers} workers on 127.0.0.1, {threads} thread(s) each", file=out, flush=True)
    lock = threading.Lock()
    procs, readers = [], []
    for i, (argv, extra_env) in enumerate(specs):
        env = {**os.environ, **extra_env, "PYTHONUNBUFFERED": "1"}
        env.pop("TFDOJO_THREADS", None)  # --threads decides
        proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        )
        procs.append(proc)
        reader = threading.Thread(target=_stream, args=(proc, f"[w{i}] ", out, lock), daemon=True)
        reader.start()
        readers.append(reader)
    try:
        failed = _wait(procs)
        if failed is not None:
            i, code = failed
            with lock:
                print(
                    f"launch: worker {i} exited with {_describe(code)}; stopping the other workers",
                    file=sys.stderr,
                    flush=True,
                )
            _stop(procs, grace)
    except KeyboardInterrupt:
        _stop(procs, grace)
        raise
    for reader in readers:
        reader.join(timeout=5)
    if failed is not None:
        with lock:
            print(
                f"tfdojo: error: launch: worker {failed[0]} failed ({_describe(failed[1])}); "
                "all workers stopped. Continue from the last checkpoint with the same "
                "command plus --resume --out RUN",
                file=sys.stderr,
                flush=True,
            )
        return 1
    return 0


def _stream(proc: subprocess.Popen, prefix: str, out, lock: threading.Lock) -> None:
    for line in proc.stdout:
        with lock:
            out.write(prefix + line if line.endswith("\n") else prefix + line + "\n")
            out.flush()


def _wait(procs: list[subprocess.Popen]) -> tuple[int, int] | None:
    """Wait until all exit 0 (``None``) or one fails: ``(index, exit code)``."""
    while True:
        codes = [p.poll() for p in procs]
        for i, code in enumerate(codes):
            if code not in (None, 0):
                return i, code
        if all(code == 0 for code in codes):
            return None
        time.sleep(0.1)


def _stop(procs: list[subprocess.Popen], grace: float) -> None:
    """SIGTERM the running workers, then SIGKILL those still alive after ``grace`` seconds."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
