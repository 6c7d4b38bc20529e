"""`tfdojo kata watch`: it says what it checks while it checks, counts the katas that pass,
clears a terminal's screen (never a pipe's), and stops within 2 s of Ctrl-C whatever its
worker is doing.

The Ctrl-C test waits on events (the lines watch prints), never on sleeps: it saves a kata
whose check computes forever in TensorFlow (a training that never ends), waits until the
check has reached the learner's code, sends SIGINT and measures until watch has exited.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.test_kata_cli import dojo  # noqa: F401 (the fixture)
from tests.test_kata_hostile import wait_until_gone
from tests.test_kata_tf import learner_file
from tfdojo.teaching import kata
from tfdojo.teaching.kata import watch as watching
from tfdojo.teaching.kata import workspace

STOP_SECONDS = 2.0
"""Ctrl-C to exit, at most."""

START_SECONDS = 180.0
"""What a loaded machine may take to start watch and its worker (TensorFlow imported)."""

FOREVER = """\
import tensorflow as tf


def flatten(images):
    x = tf.random.stateless_normal([200, 200], seed=[1, 2])
    while True:  # a training that never ends: the worker is busy in TensorFlow's kernels
        x = tf.tanh(tf.matmul(x, x))


def scale(images):
    return tf.cast(images, tf.float32) / 255.0 - 0.5


def one_hot(labels, num_classes=10):
    return tf.one_hot(labels, num_classes)
"""


class Lines:
    """A process's output, read by a thread; :meth:`wait_for` waits on a line, bounded."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.queue.put(line)
        self.queue.put(None)

    def wait_for(self, text: str, timeout: float = START_SECONDS, since: int = 0) -> str:
        """The first line from line ``since`` on that holds ``text``, waited for."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((line for line in self.seen[since:] if text in line), None)
            if found is not None:
                return found
            left = deadline - time.monotonic()
            try:
                line = self.queue.get(timeout=max(0.01, left))
            except queue.Empty:
                pytest.fail(f"watch printed no {text!r} within {timeout:g} s: {self.text()}")
            assert line is not None, f"watch exited before {text!r}: {self.text()}"
            self.seen.append(line)

    def text(self) -> str:
        return "".join(self.seen)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_watch_stops_within_two_seconds_of_ctrl_c_while_a_check_computes(dojo):  # noqa: F811
    env = dict(os.environ, PYTHONUNBUFFERED="1", TFDOJO_THREADS="1")
    src = str(Path(kata.__file__).parents[3])  # this tfdojo, for watch and its workers
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    argv = [sys.executable, "-m", "tfdojo", "kata", "watch", "--dir", str(dojo)]
    proc = subprocess.Popen(
        [*argv, "--time-limit", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env=env,
    )
    lines = Lines(proc)
    try:
        lines.wait_for("0/14 passed; now: dojo/01_tensors.py")
        learner_file(dojo, kata.find("tensors"), [("/ 255.0 - 0.5", "/ 255.0")])
        lines.wait_for("checking 01_tensors ...")
        lines.wait_for("✗ 01_tensors (dojo/01_tensors.py): not yet")
        lines.wait_for("your tensors on that case")  # the trace, in watch too
        lines.wait_for("0/14 passed\n")
        (dojo / "01_tensors.py").write_text(FOREVER)
        n = len(lines.seen)
        lines.wait_for("checking 01_tensors ...", since=n)
        lines.wait_for("flatten(images)", since=n)  # the check is in the learner's loop
        workers = children(proc.pid)
        assert workers, "no worker process is running the check"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"watch still runs 30 s after Ctrl-C: {lines.text()}")
        took = time.monotonic() - sent
        assert code == 0, lines.text()
        assert took < STOP_SECONDS, f"watch took {took:.2f} s to stop after Ctrl-C"
        assert all(wait_until_gone(pid) for pid in workers), "a worker outlived watch"
        lines.wait_for("stopped watching", timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert "\033[2J" not in lines.text()  # piped: the screen is never cleared
    print(f"watch stopped {took:.2f} s after Ctrl-C")


def test_watch_clears_a_terminal_counts_passes_and_shows_progress(tmp_path):
    """In this process: ``out`` stops watch (KeyboardInterrupt) once the tally is printed."""
    d = tmp_path / "dojo"
    assert workspace.start(d)
    learner_file(d, kata.find("tensors"))  # edited, not checked: watch checks it at once
    printed: list[str] = []
    interrupted: list[float] = []

    def out(text: str) -> None:
        printed.append(text)
        if text == "1/14 passed":  # the spare worker is starting: Ctrl-C ends it at once
            interrupted.append(time.monotonic())
            raise KeyboardInterrupt

    started = time.monotonic()
    watching.watch(d, time_limit=120, out=out, poll=0.05, clear=True)
    assert time.monotonic() - started < START_SECONDS
    took = time.monotonic() - interrupted[0]
    assert took < STOP_SECONDS, f"watch took {took:.2f} s to stop after Ctrl-C"
    assert printed[0] == f"watching {d} for saves (Ctrl-C to stop)"
    assert printed[1].startswith("0/14 passed; now: ")
    assert printed[2] == watching.CLEAR + f"watching {d} for saves (Ctrl-C to stop)"
    assert printed[3] == "checking 01_tensors ..."
    verdict = next(i for i, t in enumerate(printed) if t.startswith("✓ 01_tensors"))
    assert all(t.startswith("  ") and " s  " in t for t in printed[4:verdict])  # its cases
    assert printed[verdict + 1].startswith("debrief of 01_tensors: ")  # after a first pass
    assert printed[verdict + 2 :] == ["1/14 passed", "stopped watching"]
