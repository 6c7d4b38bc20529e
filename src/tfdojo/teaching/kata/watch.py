"""``tfdojo kata watch``: check the kata being written at every save; move on when it passes.

As rustlings' ``watch`` does: the workspace is polled twice a second (no dependency, and
it sees editors that save by renaming a temporary file); a saved kata file is checked in
a worker process started in advance, so TensorFlow is already imported; the verdict is
printed with how many katas pass ("3/14 passed") and, when the current kata passes, the
next one is named. While a check runs, watch says so (``checking 04_training_step ...``)
and shows its progress: each case the check reaches, and the seconds every few seconds.
On a terminal the screen is cleared before each check. Ctrl-C stops it at once: the
worker is killed with its process group, whatever it is doing.
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
from tfdojo.teaching.kata.workspace import TRACK, KataStatus, current, record, require, statuses

POLL_SECONDS = 0.5

CLEAR = "\033[2J\033[H"
"""The terminal's escape codes: clear the screen, cursor to the top left."""


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


def tally(directory: Path) -> str:
    """``"3/14 passed"``: the workspace's katas that pass."""
    found = statuses(directory)
    return f"{sum(s.status == 'pass' for s in found)}/{len(found)} passed"


def progress_printer(out: Callable[[str], None], stems: dict[str, str]) -> Callable:
    """The ``progress`` of :func:`~tfdojo.teaching.kata.runner.run_checks` for watch: a line
    when the check starts, one for each new case, and the seconds while none comes."""
    last = {"case": None}

    def progress(name: str, seconds: float, case: str | None) -> None:
        if seconds == 0.0 and case is None:
            out(f"checking {stems.get(name, name)} ...")
        elif case is not None and case != last["case"]:
            out(f"  {seconds:4.0f} s  {case}")
        elif case is None:
            out(f"  {seconds:4.0f} s  still checking")
        last["case"] = case if case is not None else last["case"]

    return progress


def watch(
    directory: str | Path,
    time_limit: float = TIME_LIMIT,
    out: Callable[[str], None] | None = None,
    poll: float = POLL_SECONDS,
    clear: bool = False,
) -> None:
    """Watch ``directory`` until Ctrl-C, printing each check's verdict with ``out``.

    Args:
        clear: clear the screen before each check (a terminal; never when piped).
    """
    out = out or functools.partial(print, flush=True)
    validate_time_limit(time_limit, "time_limit")
    d = require(directory)
    worker = Worker()
    interrupted = False
    try:
        now = current(d)
        # the files as they are before watch says it watches: a save after that is seen
        seen = {} if now is not None and now.stale else snapshot(d)
        out(f"watching {d} for saves (Ctrl-C to stop)")
        out(f"{tally(d)}; {announce(now)}")
        stems = {k.name: k.stem for k in katas(TRACK)}
        while True:
            latest = snapshot(d)
            changed = [k for k in katas(TRACK) if latest.get(k.filename) != seen.get(k.filename)]
            seen = latest
            if not changed:
                time.sleep(poll)
                continue
            kata = now.kata if now is not None and now.kata in changed else changed[0]
            if clear:
                out(CLEAR + f"watching {d} for saves (Ctrl-C to stop)")
            progress = progress_printer(out, stems)
            (result,) = run_checks(d, [kata.name], time_limit, worker, progress=progress)
            worker = Worker()  # ready, TensorFlow imported, for the next save
            (recorded,) = record(d, [result], source="watch")
            out(format_result(result, d))
            for line in after_check(d, recorded):  # the debrief, the attempt's time, the room
                out(line)
            out(tally(d))
            if result.passed and (now is None or kata == now.kata):
                now = current(d)
                out(announce(now))
    except KeyboardInterrupt:
        interrupted = True
        out("stopped watching")
    finally:
        worker.stop(wait=not interrupted)  # Ctrl-C: at once, whatever the worker is doing
