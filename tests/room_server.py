"""A real ``tfdojo dojo serve`` in a child process, and simulated learners, for the room's tests."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CAUSES = {
    "softmax_cross_entropy/integer-labels": (
        "softmax_cross_entropy",
        "labels",
        "integer labels where one-hot was expected",
    ),
    "training_step/assign-not-assign_sub": (
        "training_step",
        "tape",
        "v.assign(...) replaces the weights: v.assign_sub(lr * g) moves them",
    ),
    "training_step/loss-outside-tape": (
        "training_step",
        "tape",
        "the loss was computed outside the GradientTape, so every gradient is None",
    ),
    "logistic/bias-shape": ("logistic", "shapes", "the bias has shape (784,); expected (10,)"),
    "minibatch_loop/same-batch": (
        "minibatch_loop",
        "batches",
        "every step trains on the first batch: the offset never moves",
    ),
}
"""Causes as the kata checks will name them: id -> (kata, concept, sentence)."""


def verdict(
    kata: str, status: str = "failing", cause: str | None = None, seconds=3.5, hints=0, **extra
) -> dict[str, Any]:
    """A verdict as ``tfdojo kata check`` sends it; a failing one with ``cause`` gets the
    cause's concept and sentence."""
    concept = text = None
    if cause is not None:
        _, concept, text = CAUSES[cause]
    return {
        "kata": kata,
        "track": "tensorflow",
        "status": status,
        "cause": cause,
        "cause_text": text,
        "concept": concept,
        "seconds": seconds,
        "hints": hints,
        "source": "cli",
        "time": "2026-11-27T19:42:03+01:00",
        **extra,
    }


def http(
    url: str,
    body: Any = None,
    token: str | None = None,
    key: str | None = None,
    method: str | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """One request straight to the room (no client library): ``(status, JSON)``."""
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    if key is not None:
        all_headers["X-Tfdojo-Learner"] = key
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with opener.open(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


class RoomServer:
    """``tfdojo dojo serve --port PORT --db DB --ready-file ...`` in a child process."""

    def __init__(self, db: Path, port: int = 0, extra: tuple[str, ...] = ()):
        self.db = db
        ready = db.with_suffix(".ready.json")
        ready.unlink(missing_ok=True)
        self.log = db.with_suffix(".log")
        # its own cache, never the user's (module fixtures start before conftest's autouse)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TFDOJO_DATA": str(db.parent / "cache")}
        with open(self.log, "a") as err:  # the child keeps its own copy of the file
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tfdojo", "dojo", "serve", "--port", str(port)]
                + ["--db", str(db), "--ready-file", str(ready), *extra],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=env,
            )
        self.lines = [self.readline(timeout=60)]
        self.first_line = self.lines[0]
        assert self.first_line.startswith("tfdojo dojo: "), (self.first_line, self.log.read_text())
        while not self.lines[-1].startswith("  only this machine can join"):  # the last line
            self.lines.append(self.proc.stdout.readline().rstrip("\n"))
        info = json.loads(ready.read_text())  # written before the first line
        self.url, self.token, self.board_token = info["url"], info["token"], info["board_token"]
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def readline(self, timeout: float) -> str:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, f"tfdojo dojo serve printed nothing in {timeout} s; see {self.log}"
        return self.proc.stdout.readline().rstrip("\n")

    def stop(self) -> tuple[int, str]:
        """Ctrl-C (SIGINT); the exit status and the rest of stdout."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, _ = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return self.proc.returncode, out

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=30)
