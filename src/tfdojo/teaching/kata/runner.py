"""Run checks in a worker process, so that a learner's endless loop cannot hang a check.

The worker (``python -m tfdojo.teaching.kata.runner FD``) imports TensorFlow with the thread
count of ``$TFDOJO_THREADS``, then waits for one request on its stdin::

    {"dir": "/path/to/dojo", "names": ["tensors", "logistic"], "strict": false,
     "secret": "9f2c..."}

and answers on its own pipe, file descriptor ``FD``, one line per event: the request's
``secret``, a space, then ``{"start": name}`` before each check, ``{"case": text}`` as the
check reaches a case (progress, at most every :data:`CASE_EVERY` s) and ``{"result": {...}}``
after it. The learner's code runs in the worker, so the channel is kept out of its reach:

- the pipe is not the worker's stdout (the learner's prints go to stderr, as do a
  ``print`` of a forged verdict's JSON), and the caller drops every line without the
  secret, which only the request on stdin carried;
- a process the learner's code forks closes the pipe at once (``os.register_at_fork``),
  a program it starts never gets it (close-on-exec), and only the worker's own pid writes
  on it: a forked copy that runs on through the check exits before it could answer;
- the caller stops reading once it has every verdict (a child holding the pipe open
  cannot make it wait), and each worker runs in a session of its own, which the caller
  ends with its process group after each request: no child of the learner's code
  outlives the check that started it.

The caller gives each check ``time_limit`` seconds from its start; past that it ends the
worker, reports the check as failing, and starts a fresh worker for the katas left.

A worker can be started before it is needed (``tfdojo kata watch`` keeps one ready), so
the 2-3 s of importing TensorFlow are spent while the learner types. Each request gets
a new worker: no TensorFlow state carries over from one check run to the next.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tfdojo.core.errors import TfdojoError
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.teaching.kata.checking import STATUSES, CheckResult, check_file
from tfdojo.teaching.kata.registry import find
from tfdojo.teaching.kata.workspace import TRACK

TIME_LIMIT = 60.0
"""Seconds a check may run (the slowest reference takes about 10 s on one core)."""

MAX_TIME_LIMIT = 3600.0
"""The longest ``--time-limit`` accepted: an hour."""

STARTUP_LIMIT = 120.0
"""Seconds a worker may take to import TensorFlow and start the first check."""

EXIT_LIMIT = 10.0
"""Seconds a worker may take to exit once its pipe is closed or it is killed."""

TICK = 0.25
"""Seconds between two looks at whether the worker is still running, while waiting."""

PROGRESS_SECONDS = 5.0
"""Seconds between two progress calls while a check runs and says nothing."""

CASE_EVERY = 0.2
"""Seconds between two ``case`` events of a worker: progress, not a log."""

MAX_LINE = 64 * 1024
"""Bytes kept of a line of the pipe not ended yet: the worker's lines are far shorter."""


def validate_time_limit(seconds: float, option: str = "--time-limit") -> float:
    """``seconds`` if it is a time limit a check can have: more than 0, at most an hour.

    Raises:
        TfdojoError: nan, inf, zero, negative or more than :data:`MAX_TIME_LIMIT`.
    """
    if not 0 < seconds <= MAX_TIME_LIMIT:  # also false for nan
        raise TfdojoError(
            f"{option}: expected seconds > 0 and at most {MAX_TIME_LIMIT:g}, received {seconds:g}"
        )
    return seconds


class Worker:
    """One worker process, started at once; :meth:`run` sends it its one request."""

    def __init__(self) -> None:
        self.secret = secrets.token_hex(16)
        read, write = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tfdojo.teaching.kata.runner", str(write)],
                stdin=subprocess.PIPE,
                pass_fds=(write,),
                start_new_session=True,  # its own process group: ended whole by stop()
            )
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)  # the worker holds the only writing end
        self.channel = Channel(read, self.secret)
        self.stopped = self.reaping = False

    def run(
        self,
        directory: Path,
        names: list[str],
        time_limit: float,
        strict: bool = False,
        progress: Progress | None = None,
    ) -> Iterator[CheckResult]:
        """Check ``names`` in ``directory``; stop early (killed) if a check overruns.

        ``progress(name, seconds, case)`` is called when a check starts (0 s), at each case
        it reaches, and every :data:`PROGRESS_SECONDS` while it runs.
        """
        request = {"dir": str(Path(directory).resolve()), "names": names, "strict": strict}
        request["secret"] = self.secret
        progress = progress or _quiet
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.proc.stdin.close()
        except OSError:
            pass  # it died while starting: reported below
        left = list(names)
        current: str | None = None
        started = False
        deadline = time.monotonic() + STARTUP_LIMIT
        began = tick = time.monotonic()
        while left:
            event = self.channel.next(min(deadline, tick + PROGRESS_SECONDS), self.exited)
            if event is TIMEOUT and time.monotonic() < deadline:
                tick = time.monotonic()
                if current is not None:
                    progress(current, tick - began, None)
                continue
            if event is TIMEOUT or event is EXITED:
                closed = event is EXITED and not self.exits_within(1.0)  # only its pipe went
                code = self.stop()
                if not started:
                    raise TfdojoError(
                        f"kata: the check process did not start within {STARTUP_LIMIT:g} s"
                        if event is TIMEOUT
                        else f"kata: the check process exited ({code}) before checking"
                    )
                if current is None:
                    return  # it went between two checks: a fresh worker checks the rest
                if event is TIMEOUT:
                    yield overran(current, time_limit)
                else:
                    yield crashed(current, None if closed else code)
                return
            if event.get("start") == left[0] and current is None:
                current, started = left[0], True
                began = tick = time.monotonic()
                deadline = began + time_limit
                progress(current, 0.0, None)
            elif current is not None and isinstance(event.get("case"), str):
                progress(current, time.monotonic() - began, event["case"][:200])
            elif current is not None and _result_of(event, current):
                left.pop(0)
                current = None
                deadline = time.monotonic() + time_limit  # the next check's start
                yield CheckResult.from_dict(event["result"])
        # every verdict is in: nothing more to read, whoever still holds the pipe

    def exited(self) -> bool:
        """Whether the worker has exited (not reaped: its pid, and group, stay ours)."""
        try:
            found = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return found is not None

    def exits_within(self, seconds: float) -> bool:
        """Whether the worker exits within ``seconds`` (its pipe closes just before)."""
        deadline = time.monotonic() + seconds
        while not self.exited():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self, wait: bool = True) -> int | None:
        """End the worker and every process of its group (ours, by its id); its exit code.

        ``wait=False`` (Ctrl-C): killed, not waited for: a process that held TensorFlow
        can take a second to be torn down on a loaded machine; a thread reaps it.
        """
        if not self.stopped:
            self.stopped = True
            with contextlib.suppress(ProcessLookupError, PermissionError):  # gone already
                os.killpg(self.proc.pid, signal.SIGKILL)  # before reaping: the id is still ours
            self.channel.close()
        if not wait:
            if not self.reaping:
                self.reaping = True
                threading.Thread(target=self._reap, daemon=True).start()
            return None
        try:
            return self.proc.wait(timeout=EXIT_LIMIT)
        except subprocess.TimeoutExpired:
            return None  # stuck in the kernel: the system reaps it once it dies

    def _reap(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):  # stuck: the system reaps it
            self.proc.wait(timeout=EXIT_LIMIT)


Progress = Callable[[str, float, "str | None"], None]
"""``progress(kata name, seconds since its check started, case reached or None)``."""


def _quiet(name: str, seconds: float, case: str | None) -> None:
    """No progress shown."""


TIMEOUT: Any = object()
EXITED: Any = object()


class Channel:
    """The worker's pipe, read line by line: only what follows the secret on a line counts."""

    def __init__(self, fd: int, secret: str):
        self.fd = fd
        self.poll = select.poll()  # not select(): any descriptor number
        self.poll.register(fd, select.POLLIN)
        self.secret = secret.encode("ascii") + b" "
        self.buffer = b""
        self.events: deque[dict] = deque()
        self.eof = False

    def next(self, deadline: float, exited) -> dict | Any:
        """The next event; :data:`TIMEOUT` past ``deadline``; :data:`EXITED` if the worker
        has gone (``exited()``) or closed the pipe and said nothing more."""
        while not self.events:
            if self.eof or exited():
                for _ in range(16):  # what it wrote before going, 1 MiB at most
                    if not self._read(0.0):
                        break
                if not self.events:
                    return EXITED
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return TIMEOUT
            self._read(min(remaining, TICK))
        return self.events.popleft()

    def _read(self, timeout: float) -> bool:
        """Read what the pipe holds within ``timeout`` s, 64 KiB at most; whether it held any."""
        if self.eof:
            return False
        if not self.poll.poll(timeout * 1000):
            return False
        data = os.read(self.fd, 65536)
        if not data:
            self.eof = True
            return False
        self._parse(self.buffer + data)
        return True

    def _parse(self, data: bytes) -> None:
        *lines, self.buffer = data.split(b"\n")
        self.buffer = self.buffer[-MAX_LINE:]  # a line of ours is short: its end is kept
        for line in lines:
            start = line.find(self.secret)  # after whatever was written before, unended
            if start < 0:
                continue  # not the worker's: a forged line
            try:
                event = json.loads(line[start + len(self.secret) :])
            except (ValueError, RecursionError):
                continue
            if isinstance(event, dict):
                self.events.append(event)

    def close(self) -> None:
        if self.fd >= 0:
            self.poll.unregister(self.fd)
            os.close(self.fd)
            self.fd = -1
            self.eof = True


RESULT_FIELDS = {f.name for f in dataclasses.fields(CheckResult)}


def _result_of(event: dict, name: str) -> bool:
    """Whether ``event`` is a well-formed verdict on kata ``name``."""
    result = event.get("result")
    return (
        isinstance(result, dict)
        and {"name", "status", "message", "seconds"} <= set(result) <= RESULT_FIELDS
        and result["name"] == name
        and result["status"] in STATUSES
        and isinstance(result["message"], str)
        and isinstance(result["seconds"], int | float)
    )


def crashed(name: str, code: int | None) -> CheckResult:
    """The verdict on a check whose process exited with ``code`` (None: it closed its pipe)."""
    if code is None:
        why = "its process closed its pipe to tfdojo; does your code close files it did not open?"
    else:
        why = (
            f"its process exited ({code}) while checking; does your code end the process "
            "(os._exit, os.kill) or crash Python?"
        )
    return CheckResult(name, "failing", f"the check stopped: {why}")


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
    strict: bool = False,
    progress: Progress | None = None,
) -> Iterator[CheckResult]:
    """Each kata's result, in order, from worker processes (``worker``: one started already).

    ``strict``: ``kata check --strict``; ``progress``: see :meth:`Worker.run`.
    """
    validate_time_limit(time_limit, "time_limit")
    pending = list(names)
    while pending:
        current, worker = worker or Worker(), None
        interrupted = False
        try:
            for result in current.run(directory, pending, time_limit, strict, progress):
                pending.remove(result.name)
                yield result
        except KeyboardInterrupt:
            interrupted = True  # Ctrl-C: end the worker at once, not waited for
            raise
        finally:
            current.stop(wait=not interrupted)


# ---------------------------------------------------------------------------- the worker


def _exit_with_parent() -> None:
    """End the group if the caller has gone: an orphan would loop forever with the learner."""
    parent = os.getppid()
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os.killpg(0, signal.SIGKILL)  # this worker and what the learner's code started


class Answer:
    """The worker's end of the pipe: written by this process only, each line with the secret."""

    def __init__(self, fd: int, secret: str):
        self.fd = fd
        self.secret = secret
        self.pid = os.getpid()
        self.case_sent = 0.0
        os.set_inheritable(fd, False)  # a program the learner's code runs does not get it
        os.register_at_fork(after_in_child=self._close)  # nor a process it forks

    def _close(self) -> None:
        with contextlib.suppress(OSError):  # the learner's code closed it already
            os.close(self.fd)

    def case(self, text: str) -> None:
        """Tell the caller the check reached case ``text`` (at most every CASE_EVERY s)."""
        now = time.monotonic()
        if now - self.case_sent >= CASE_EVERY:
            self.case_sent = now
            self.send({"case": text[:200]})

    def send(self, event: dict) -> None:
        if os.getpid() != self.pid:
            os._exit(0)  # a copy forked by the learner's code, run on to here: not ours to say
        line = f"{self.secret} {json.dumps(event)}\n".encode()
        try:
            os.write(self.fd, line)  # one write of a short line: never mixed with another's
        except OSError:
            os._exit(3)  # the learner's code closed our pipe: the caller reports the exit


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    fd = int(sys.argv[1])
    os.dup2(2, 1)  # the learner's prints go to stderr
    configure_tensorflow()
    line = sys.stdin.readline()
    if not line:
        return
    request = json.loads(line)
    answer = Answer(fd, request.pop("secret"))
    strict = bool(request.get("strict"))
    for name in request["names"]:
        kata = find(name, TRACK)
        answer.send({"start": kata.name})
        seed = secrets.randbits(32) if strict else 0
        path = Path(request["dir"]) / kata.filename
        result = check_file(kata, path, strict, seed, answer.case)
        answer.send({"result": result.to_dict()})


if __name__ == "__main__":
    main()
