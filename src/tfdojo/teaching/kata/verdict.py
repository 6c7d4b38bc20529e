"""One verdict remembered: the ledger's line, the attempt's time, the room's copy.

:func:`tfdojo.teaching.kata.workspace.record` (which ``kata check``, ``kata watch`` and a
notebook's ``kata.check_here`` all call) updates the state file, then calls :func:`record`
here, which

1. appends the check to the ledger (:mod:`~tfdojo.teaching.kata.ledger`);
2. says whether it is the first pass of this version of the file (then the CLI shows the
   debrief) and, when it ends an attempt begun by ``kata redo``, its time and the personal
   best;
3. sends the verdict's metadata (kata, status, cause id, seconds, hints; never code) to the
   room when the workspace has joined one (:func:`tfdojo.room.client.send_verdict`): offline,
   it is queued in the workspace's outbox and sent with a later check, and a one-line note
   says so. Nothing about the room ever fails a check.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.room.client import send_verdict
from tfdojo.room.rules import RoomError
from tfdojo.teaching.kata import ledger, schedule
from tfdojo.teaching.kata.checking import CheckResult


@dataclasses.dataclass(frozen=True)
class Recorded:
    """What :func:`record` did with one verdict.

    Attributes:
        result: the verdict.
        record: the ledger's line, as written.
        first_pass: it passes, and it ends an attempt (the first time through, or a redo)
            or no earlier check of this file's version (same sha256) passed: time for the
            debrief.
        attempt: the attempt it ended (a pass), or None.
        best_seconds: the personal best from blank before this attempt (None: none yet).
        room_note: one line about the room (queued, sent later), or None.
    """

    result: CheckResult
    record: dict[str, Any]
    first_pass: bool = False
    attempt: schedule.Attempt | None = None
    best_seconds: float | None = None
    room_note: str | None = None

    def notes(self) -> list[str]:
        """The lines to print after the verdict: the attempt's time, the room's note."""
        out = []
        a = self.attempt
        if a is not None and a.from_blank and a.seconds is not None:
            line = f"from blank in {clock(a.seconds)} ({a.failures} failing checks, {a.hints} hints"
            line += f"; target {a.limit_minutes:g} min)"
            if not a.hints and not a.solved:
                if self.best_seconds is None or a.seconds < self.best_seconds:
                    line += ": a personal best"
                else:
                    line += f"; your best: {clock(self.best_seconds)}"
            out.append(line)
        elif a is not None and a.from_blank and a.untimed:
            out.append(
                "from blank: not timed (the clock is behind the redo's): no personal best, "
                "no box up"
            )
        if self.room_note:
            out.append(self.room_note)
        return out


def clock(seconds: float) -> str:
    """``"4 min 05 s"``; ``"42 s"`` under a minute."""
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def record(
    directory: str | Path,
    result: CheckResult,
    sha256: str | None,
    hints: int,
    source: str,
    track: str,
) -> Recorded:
    """Append ``result`` to the workspace's ledger and send it to the room (if joined).

    Args:
        sha256: the checked file's hash (None: a notebook's cell).
        hints: the hints shown for this kata before the check (the state file's count; the
            ledger's, of the attempt under way, when larger).
        source: ``"cli"``, ``"watch"`` or ``"notebook"``.
        track: the kata's track, for the room.

    Raises:
        TfdojoError: the ledger cannot be written (disk full, a folder in its place).
    """
    d = Path(directory)
    before = ledger.read(d)
    tries = schedule.attempts(before, result.name)
    under_way = tries[-1] if tries and tries[-1].end is None else None
    if under_way is not None:  # the notebook's hints too (the state file counts the CLI's)
        hints = max(hints, under_way.hints)
    line = ledger.check_record(result, sha256, hints, source)
    first_pass = result.passed and (
        under_way is not None  # the pass that ends an attempt, a redo's too
        or not any(
            r["status"] == "pass" and r.get("sha256") == sha256 for r in before.checks(result.name)
        )
    )
    attempt = best = None
    if result.passed:
        best = schedule.personal_best(tries)
        if under_way is not None:
            attempt = under_way
            attempt.end = ledger.parse_time(line["time"])
    ledger.append(d, line)
    return Recorded(result, line, first_pass, attempt, best, send(d, line, track))


def send(directory: Path, line: dict[str, Any], track: str) -> str | None:
    """Send one ledger line's metadata to the room; the note to show, if any. Never raises."""
    verdict = {
        "kata": line["kata"],
        "track": track,
        "status": line["status"],
        "cause": (line["cause"] or None) if line["status"] != "pass" else None,
        "cause_text": _one_line(line["cause_text"], 400),
        "concept": _one_line(line["concept"], 60),
        "seconds": line["seconds"],
        "hints": line["hints"],
        "source": line["source"],
        "time": line["time"],
    }
    try:
        return send_verdict(directory, verdict).note
    except (RoomError, TfdojoError, OSError) as exc:  # the kata works whatever the room does
        return f"room: verdict not sent ({first_line(exc)})"


def _one_line(text: str, limit: int) -> str | None:
    """``text`` as the room takes it: one line of printable text, at most ``limit``; None
    for none."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat[:limit] or None
