"""Run checks in a worker process, so that a learner's endless loop cannot hang a check.

The worker (``python -m tfdojo.teaching.kata.runner``) imports TensorFlow with the thread count
of ``$TFDOJO_THREADS``, then waits for one request on its stdin::

    {"dir": "/path/to/dojo", "names": ["tensors", "logistic"]}

and answers on its stdout with one JSON line per event, ``{"start": name}`` before each
check and ``{"result": {...}}`` after it (the learner's own prints go to stderr). The
caller gives each check ``time_limit`` seconds from its start; past that it kills the
worker, reports the check as failing, and starts a fresh worker for the katas left.

A worker can be started before it is needed (``tfdojo kata watch`` keeps one ready), so
the 2-3 s of importing TensorFlow are spent while the learner types. Each request gets
a new worker: no TensorFlow state carries over from one check run to the next.
"""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tfdojo.core.errors import TfdojoError
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.teaching.kata.checking import CheckResult, check_file
from tfdojo.teaching.kata.registry import find
from tfdojo.teaching.kata.workspace import TRACK

TIME_LIMIT = 60.0
"""Seconds a check may run (the slowest reference takes about 10 s on one core)."""

STARTUP_LIMIT = 120.0
"""Seconds a worker may take to import TensorFlow and start the first check."""


class Worker:
    """One worker process, started at once; :meth:`run` sends it its one request."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tfdojo.teaching.kata.runner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)  # the worker has exited

    def run(self, directory: Path, names: list[str], time_limit: float) -> Iterator[CheckResult]:
        """Check ``names`` in ``directory``; stop early (killed) if a check overruns."""
        request = {"dir": str(Path(directory).resolve()), "names": names}
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass  # it died while starting: reported below
        current: str | None = None
        started = False
        deadline = time.monotonic() + STARTUP_LIMIT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                if current is None:
                    raise TfdojoError(
                        f"kata: the check process did not start within {STARTUP_LIMIT:g} s"
                    ) from None
                yield overran(current, time_limit)
                return
            if line is None:
                if not started:
                    raise TfdojoError(
                        f"kata: the check process exited ({self.proc.wait()}) before checking"
                    )
                if current is not None:
                    code = self.proc.wait()
                    yield CheckResult(
                        current, "failing", f"the check stopped: its process exited ({code})"
                    )
                return
            event = json.loads(line)
            deadline = time.monotonic() + time_limit
            if "start" in event:
                current, started = event["start"], True
            else:
                current = None
                yield CheckResult(**event["result"])

    def stop(self) -> None:
        """End the worker (ours, by its handle) if it is still running."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def overran(name: str, time_limit: float) -> CheckResult:
    return CheckResult(
        name,
        "failing",
        f"the check ran longer than {time_limit:g} s and was stopped: an endless loop, or "
        "far more steps than the kata asks? (tfdojo kata check --time-limit SECONDS)",
        time_limit,
    )


def run_checks(
    directory: Path,
    names: list[str],
    time_limit: float = TIME_LIMIT,
    worker: Worker | None = None,
) -> Iterator[CheckResult]:
    """Each kata's result, in order, from worker processes (``worker``: one started already)."""
    pending = list(names)
    while pending:
        current, worker = worker or Worker(), None
        try:
            for result in current.run(directory, pending, time_limit):
                pending.remove(result.name)
                yield result
        finally:
            current.stop()


# ---------------------------------------------------------------------------- the worker


def _exit_with_parent() -> None:
    """Exit if the caller has gone: an orphan would otherwise loop forever with the learner."""
    parent = os.getppid()
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def main() -> None:

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the learner's prints go to stderr, the protocol stays clean
    configure_tensorflow()
    line = sys.stdin.readline()
    if not line:
        return
    request = json.loads(line)
    for name in request["names"]:
        kata = find(name, TRACK)
        protocol.write(json.dumps({"start": kata.name}) + "\n")
        protocol.flush()
        result = check_file(kata, Path(request["dir"]) / kata.filename)
        protocol.write(json.dumps({"result": dataclasses.asdict(result)}) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
