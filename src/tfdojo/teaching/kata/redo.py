"""``tfdojo kata redo``: randori from a blank file, timed, and the review schedule's due katas.

``redo NAME`` copies kata NAME's exercise over the learner's file, keeping theirs as
``NAME.py.bak`` (``.bak2``, ``.bak3``, ... when that is taken: nothing is ever lost), and
appends a ``redo`` record to the ledger: the attempt's start. The next passing check ends it,
and ``kata check`` prints its time and the personal best
(:mod:`~tfdojo.teaching.kata.schedule`). ``redo --due`` does the same for every kata the
Leitner schedule says is due now (:func:`tfdojo.teaching.kata.ledger.now`, which
``TFDOJO_NOW`` may set).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from tfdojo.core.errors import TfdojoError
from tfdojo.teaching.kata import ledger, schedule, workspace
from tfdojo.teaching.kata.registry import Kata, katas

MAX_TIMEBOX = 24 * 60


@dataclasses.dataclass(frozen=True)
class Redone:
    """One kata blanked: its file, the learner's backup (None: it was the exercise already),
    and the attempt's time box in minutes."""

    kata: Kata
    path: Path
    backup: Path | None
    timebox: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.kata.name,
            "file": str(self.path),
            "backup": str(self.backup) if self.backup else None,
            "timebox_minutes": self.timebox,
        }


def check_timebox(minutes: float | None) -> float | None:
    """``--timebox``: minutes, more than 0 and at most a day."""
    if minutes is not None and not 0 < minutes <= MAX_TIMEBOX:
        raise TfdojoError(
            f"--timebox: expected minutes, more than 0 and at most {MAX_TIMEBOX}, "
            f"received {minutes:g}"
        )
    return minutes


def due(directory: str | Path) -> list[schedule.Review]:
    """The workspace's katas due for review now."""
    d = workspace.require(directory)
    names = [k.name for k in katas(workspace.TRACK)]
    return schedule.due(ledger.read(d), names, ledger.now())


def redo(directory: str | Path, chosen: list[Kata], timebox: float | None = None) -> list[Redone]:
    """Blank each kata of ``chosen`` (the learner's file kept), and start its timed attempt."""
    d = workspace.require(directory)
    check_timebox(timebox)
    done = [c for c in workspace.start(d, chosen) if c.action != "kept"]
    out = []
    for c in done:
        box = timebox or schedule.target_minutes(c.kata.name)
        ledger.append(d, ledger.event_record("redo", c.kata.name, timebox=box))
        out.append(Redone(c.kata, d / c.kata.filename, c.backup, box))
    return out
