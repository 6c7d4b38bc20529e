"""``tfdojo kata watch``: check the kata being written at every save; move on when it passes.

As rustlings' ``watch`` does: the workspace is polled twice a second (no dependency, and
it sees editors that save by renaming a temporary file); a saved kata file is checked in
a worker process started in advance, so TensorFlow is already imported; the verdict is
printed and, when the current kata passes, the next one is named. Ctrl-C stops it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path

from tfdojo.teaching.kata.debrief import after_check
from tfdojo.teaching.kata.display import format_result
from tfdojo.teaching.kata.registry import katas
from tfdojo.teaching.kata.runner import TIME_LIMIT, Worker, run_checks, validate_time_limit
from tfdojo.teaching.kata.workspace import TRACK, KataStatus, current, record, require

POLL_SECONDS = 0.5


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """``{file name: (mtime in ns, size)}`` of the workspace's kata files."""
    out = {}
    for kata in katas(TRACK):
        path = directory / kata.filename
        if path.exists():
            stat = path.stat()
            out[kata.filename] = (stat.st_mtime_ns, stat.st_size)
    return out


def announce(status: KataStatus | None) -> str:
    if status is None:
        return "every kata passes: well done! Edit any of them to check it again."
    return f"now: {status.path}, {status.kata.title}\n    write its TODOs and save it"


def watch(
    directory: str | Path,
    time_limit: float = TIME_LIMIT,
    out: Callable[[str], None] | None = None,
    poll: float = POLL_SECONDS,
) -> None:
    """Watch ``directory`` until Ctrl-C, printing each check's verdict with ``out``."""
    out = out or functools.partial(print, flush=True)
    validate_time_limit(time_limit, "time_limit")
    d = require(directory)
    worker = Worker()
    try:
        now = current(d)
        out(f"watching {d} for saves (Ctrl-C to stop)")
        out(announce(now))
        seen = {} if now is not None and now.stale else snapshot(d)
        while True:
            latest = snapshot(d)
            changed = [k for k in katas(TRACK) if latest.get(k.filename) != seen.get(k.filename)]
            seen = latest
            if not changed:
                time.sleep(poll)
                continue
            kata = now.kata if now is not None and now.kata in changed else changed[0]
            (result,) = run_checks(d, [kata.name], time_limit, worker)
            worker = Worker()  # ready, TensorFlow imported, for the next save
            (recorded,) = record(d, [result], source="watch")
            out(format_result(result, d))
            for line in after_check(d, recorded):  # the debrief, the attempt's time, the room
                out(line)
            if result.passed and (now is None or kata == now.kata):
                now = current(d)
                out(announce(now))
    except KeyboardInterrupt:
        out("stopped watching")
    finally:
        worker.stop()
