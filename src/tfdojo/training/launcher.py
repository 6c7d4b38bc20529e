"""N local multi-worker processes from one command (``tfdojo launch --workers N -- train``).

::

    from tfdojo.training.launcher import launch
    status = launch(["train", "--model", "mlp", "--epochs", "3"], workers=2)

Each worker is ``python -m tfdojo --threads T train ... --strategy multiworker`` with its
own ``TF_CONFIG`` (worker ``i`` of N, all on 127.0.0.1 with free ports); their output is
streamed line by line as ``[w0] ...``, ``[w1] ...``. If one worker fails, or the
launcher gets SIGINT/SIGTERM, it stops them all (SIGTERM, then SIGKILL after ``grace``),
cleans up after them, and prints what to run to resume.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tfdojo.core import bounds
from tfdojo.core.errors import TfdojoError
from tfdojo.engines.replicated import tempdirs
from tfdojo.models.spec import is_reference

MAX_WORKERS = 64
"""Most worker processes on this machine (each a TensorFlow process of its own)."""
MAX_GRACE = 3600.0
"""Longest ``--grace``: an hour."""
DEFAULT_GRACE = 10.0
# Options launch sets for every worker itself.
_OWN_OPTIONS = ("--worker-hosts", "--task-index", "--threads")
# What `train --resume` accepts besides the strategy options launch sets: the resume hint
# keeps these from the command and drops the rest (the run's saved config decides).
RESUME_KEEPS = ("--out", "--data", "--epochs", "--collective-timeout")
RESUME_FLAGS = ("--no-progress", "--quiet", "--json")


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports free now on every interface, where TensorFlow will listen
    (bound to port 0, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("", 0))
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
    grace: float = DEFAULT_GRACE,
    cores: int | None = None,
    out=None,
) -> int:
    """Run ``command`` (``["train", ...]``) as ``workers`` local workers; return the exit status.

    Each worker runs in its own process group. When one fails, or the launcher gets SIGINT
    or SIGTERM, the others get SIGTERM, and SIGKILL if still running ``grace`` seconds
    later; the launcher waits for every one of them, removes the temporary folders of
    those it killed, and only then reports, saying which stopped by themselves.

    Args:
        command: a ``tfdojo train`` command line without ``tfdojo``.
        workers: how many processes, 1..64 (:data:`MAX_WORKERS`).
        threads: threads per worker (given with ``--threads``); default ``cores // workers``.
        grace: seconds the workers get to stop after SIGTERM before SIGKILL, in [0, 3600].
        cores: the machine's cores (default ``os.cpu_count()``).
        out: where the prefixed lines go (default ``sys.stdout``).

    Returns:
        0 when every worker exits with 0; 1 when one fails (the others are stopped);
        128 + the signal's number when interrupted.
    """
    bounds.whole("--workers", workers, 1, MAX_WORKERS)
    bounds.number("--grace", grace, 0, MAX_GRACE, "seconds")
    out = out or sys.stdout
    per_worker = threads or max(1, (cores or os.cpu_count() or 1) // workers)
    ports = free_ports(workers)
    specs = worker_commands(command, workers, per_worker, ports)
    hosts = ",".join(f"127.0.0.1:{p}" for p in ports)
    print(
        f"launch: {workers} workers at {hosts}, {per_worker} thread(s) each "
        "(TensorFlow's gRPC listens on every interface: see docs/how-to/several-machines.md)",
        file=out,
        flush=True,
    )
    lock = threading.Lock()
    procs, readers = [], []
    with _LaunchSignals() as signals:
        try:
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
                    start_new_session=True,  # its own process group: stopped as a whole
                )
                procs.append(proc)
                reader = threading.Thread(
                    target=_stream, args=(proc, f"[w{i}] ", out, lock), daemon=True
                )
                reader.start()
                readers.append(reader)
            failed, interrupted = _wait(procs), None
        except _Interrupted as stop:
            failed, interrupted = None, stop.signum
        signals.armed = False  # from now on only noted: the workers are being stopped
        if failed is not None:
            with lock:
                print(
                    f"launch: worker {failed[0]} exited with {_describe(failed[1])}; "
                    "stopping the other workers",
                    file=sys.stderr,
                    flush=True,
                )
        killed = _stop(procs, grace)  # a no-op when every worker has exited
    tempdirs.remove_stale(pids=[p.pid for p in procs])  # what the killed workers left
    for reader in readers:
        reader.join(timeout=5)
    if failed is None and interrupted is None:
        return 0
    hint = resume_hint(command, workers, threads, grace)
    if interrupted is not None:
        what = f"launch: interrupted ({signal.Signals(interrupted).name})"
        status = 128 + interrupted
    else:
        what = f"error: launch: worker {failed[0]} failed ({_describe(failed[1])})"
        status = 1
    with lock:
        print(f"tfdojo: {what}; {_stopped(procs, killed, grace)}. {hint}", file=sys.stderr)
    return status


def resume_hint(command: list[str], workers: int, threads: int | None, grace: float) -> str:
    """What to run next: the launch command that resumes the run, if it has a checkpoint.

    ``train --resume`` takes the run's saved config, so only the options it accepts are
    kept from ``command`` (:data:`RESUME_KEEPS`), plus ``--resume``.
    """
    kept = _kept_options(command)
    run = _option_value(kept, "--out")
    if run is None:
        return "Without --out, the run cannot be resumed: start it again"
    if not (Path(run) / "config.json").exists():
        return f"{run} has no checkpoint yet: run the same command again"
    argv = ["tfdojo", *(["--threads", str(threads)] if threads else []), "launch"]
    argv += ["--workers", str(workers)]
    argv += ["--grace", f"{grace:g}"] if grace != DEFAULT_GRACE else []
    argv += ["--", "train", *kept, "--resume"]
    return f"Continue from the last checkpoint with: {shlex.join(argv)}"


def _kept_options(command: list[str]) -> list[str]:
    """The options of ``command`` that ``train --resume`` accepts, in their order: those
    of :data:`RESUME_KEEPS` and :data:`RESUME_FLAGS`, and ``--model`` when it names the
    class of a model of the learner's own (``PATH.py:NAME``), which resuming needs."""

    kept, args = [], iter(command[1:])
    for a in args:
        name, eq, value = a.partition("=")
        if name == "--model":
            value = value if eq else next(args, "")
            if is_reference(value):
                kept += [a] if eq else [a, value]
        elif name in RESUME_KEEPS and eq:
            kept.append(a)
        elif name in RESUME_KEEPS:
            kept += [a, next(args, "")]
        elif a in RESUME_FLAGS:
            kept.append(a)
    return kept


def _option_value(argv: list[str], option: str) -> str | None:
    value = None
    for i, a in enumerate(argv):
        if a == option and i + 1 < len(argv):
            value = argv[i + 1]
        elif a.startswith(option + "="):
            value = a.split("=", 1)[1]
    return value


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


def _stop(procs: list[subprocess.Popen], grace: float) -> list[int]:
    """SIGTERM every running worker's process group, SIGKILL the groups still running
    ``grace`` seconds later, and wait for all; return the indices of those killed."""
    for p in procs:
        if p.poll() is None:
            _signal_group(p, signal.SIGTERM)
    deadline = time.monotonic() + grace
    killed = []
    for i, p in enumerate(procs):
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(p, signal.SIGKILL)
            p.wait()
            killed.append(i)
    return killed


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has ended meanwhile
        os.killpg(proc.pid, signum)


def _stopped(procs: list[subprocess.Popen], killed: list[int], grace: float) -> str:
    """What is true once every worker has ended, for the final message.

    Only worker 0 (the chief) writes the run folder; the others' temporary folders are
    gone by now. So the run is intact unless the chief was ended by a signal it could not
    handle (SIGKILL after ``grace``, or a signal before or after its handlers were on).
    """
    text = f"all {len(procs)} workers stopped"
    if killed:
        text += f" ({_workers(killed)} killed after --grace {grace:g} s)"
    if procs[0].returncode < 0:
        return (
            text + f"; worker 0, which writes the run, ended by {_describe(procs[0].returncode)}:"
            " a file it was writing may be incomplete"
        )
    return text + ", nothing half-written was left behind"


def _workers(indices: list[int]) -> str:
    return " and ".join(f"worker {i}" for i in indices)


class _Interrupted(Exception):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _LaunchSignals:
    """While armed, SIGINT and SIGTERM stop the launch, workers included (``_Interrupted``),
    instead of ending the launcher alone and leaving its workers running."""

    def __init__(self):
        self.armed = threading.current_thread() is threading.main_thread()
        self._old = {}

    def __enter__(self):
        if self.armed:
            self._old = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def _handle(self, signum, frame):
        if self.armed:
            self.armed = False
            raise _Interrupted(signum)

    def __exit__(self, *exc_info):
        for s, handler in self._old.items():
            signal.signal(s, handler)


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
