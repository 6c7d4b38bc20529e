"""Attempts, personal bests, the review schedule (Leitner boxes) and the belt, from the ledger.

An **attempt** at a kata starts at ``tfdojo kata redo`` (the file blanked: *from blank*), or,
for the first time through, at the kata's first record (a check or a hint); it ends at its
first passing check. It counts the failing checks, the hints and whether the reference was
written in (``kata solve``) on the way. An attempt whose pass is recorded before its start (a
clock moved back, or set ahead for the redo) has no time: no personal best, no box up, no
belt. Checks after a pass, until the next redo, belong to
no attempt (the learner is polishing, not learning).

**Leitner boxes.** Each kata that has passed sits in a box 1..5; box ``n`` is due again
``INTERVAL_DAYS[n - 1]`` days (1, 2, 4, 8, 16) after its last pass. After each attempt:

- *clean* (no hint, no ``solve``, at most one failing check and, from blank, within the
  kata's target time: :data:`TARGET_MINUTES`, or the attempt's ``--timebox``): one box up
  (the first clean pass puts a kata in box 2, due in 2 days);
- passed with hints, or after ``solve``: back to box 1 (due tomorrow);
- otherwise (more failures, or over time): the box stays (box 1 at least).

A kata with an attempt under way (redone, not passed yet) is not due: it is being done.

The **belt**: every TensorFlow kata passed at least once from blank, with no hint and within
its target time. ``kata list`` and ``kata stats`` say how far along it is, kata by kata.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from tfdojo.teaching.kata.ledger import Ledger

INTERVAL_DAYS = (1, 2, 4, 8, 16)
"""Days before a kata in box 1, 2, ... 5 is due again."""
MAX_FAILURES_CLEAN = 1

TARGET_MINUTES = {
    "tensors": 5,
    "logistic": 5,
    "softmax_cross_entropy": 5,
    "training_step": 5,
    "minibatch_loop": 8,
    "gd_vs_sgd": 8,
    "relu_network": 8,
    "l2": 5,
    "dropout": 8,
    "lr_decay": 5,
    "overfitting": 10,
    "conv_layer": 8,
    "convnet": 12,
    "keras": 10,
}
"""Minutes a fluent learner needs to write each TensorFlow kata from blank (the check's own
time included); the belt's bar, and the default time box of ``kata redo``."""
DEFAULT_TARGET = 10


def target_minutes(kata: str) -> float:
    return float(TARGET_MINUTES.get(kata, DEFAULT_TARGET))


@dataclasses.dataclass
class Attempt:
    """One attempt at ``kata``: from ``start`` to its first pass (``end``; None: under way)."""

    kata: str
    start: datetime.datetime
    from_blank: bool
    timebox: float | None = None  # minutes, from `kata redo --timebox`
    end: datetime.datetime | None = None
    failures: int = 0
    hints: int = 0
    solved: bool = False  # `kata solve` wrote the reference during it

    @property
    def untimed(self) -> bool:
        """Its pass is recorded before it began: a clock moved back (or was set ahead)."""
        return self.end is not None and self.end < self.start

    @property
    def seconds(self) -> float | None:
        if self.end is None or self.untimed:
            return None
        return (self.end - self.start).total_seconds()

    @property
    def limit_minutes(self) -> float:
        return self.timebox or target_minutes(self.kata)

    def in_time(self) -> bool:
        return self.seconds is not None and self.seconds <= self.limit_minutes * 60

    def clean(self) -> bool:
        """Passed with no hint, no solve, at most one failure and, from blank, in time."""
        if self.end is None or self.hints or self.solved:
            return False
        return self.failures <= MAX_FAILURES_CLEAN and (not self.from_blank or self.in_time())

    def belt(self) -> bool:
        """Counts towards the belt: from blank, no hint, no solve, within the target time."""
        within = self.seconds is not None and self.seconds <= target_minutes(self.kata) * 60
        return self.from_blank and not self.hints and not self.solved and within


def attempts(ledger: Ledger, kata: str) -> list[Attempt]:
    """Every attempt at ``kata``, oldest first (the last may be under way)."""
    out: list[Attempt] = []
    current: Attempt | None = None
    passed = False  # since the last redo: later checks belong to no attempt
    for r in ledger.of(kata):
        event = r["event"]
        if event == "redo":
            timebox = r.get("timebox")
            timebox = float(timebox) if isinstance(timebox, int | float) and timebox > 0 else None
            current = Attempt(kata, r["when"], True, timebox)
            out.append(current)
            passed = False
            continue
        if passed:
            continue
        if current is None:
            current = Attempt(kata, r["when"], False)
            out.append(current)
        if event == "hint":
            current.hints += 1
        elif event == "solve":
            current.solved = True
        elif event == "check" and r["status"] == "failing":
            current.failures += 1
        elif event == "check" and r["status"] == "pass":
            current.end = r["when"]
            current, passed = None, True
    return out


def personal_best(tries: list[Attempt]) -> float | None:
    """Fewest seconds of a finished attempt from blank, with no hint and no solve."""
    times = [
        a.seconds
        for a in tries
        if a.from_blank and a.seconds is not None and not a.hints and not a.solved
    ]
    return min(times) if times else None


@dataclasses.dataclass(frozen=True)
class Review:
    """Where a kata stands in the schedule."""

    kata: str
    box: int  # 0: never passed
    last_pass: datetime.datetime | None
    due: datetime.datetime | None  # None: not scheduled (never passed, or under way)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.kata,
            "box": self.box,
            "last_pass": _iso(self.last_pass),
            "due": _iso(self.due),
        }


def _iso(when: datetime.datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when else None


def review(ledger: Ledger, kata: str) -> Review:
    """The kata's Leitner box and when it is due (rule: the module's docstring)."""
    box, last = 0, None
    tries = attempts(ledger, kata)
    for a in tries:
        if a.end is None:
            continue
        if a.hints or a.solved:
            box = 1
        elif a.clean():
            box = min(max(box, 1) + 1, len(INTERVAL_DAYS))
        else:
            box = max(box, 1)
        last = a.end
    under_way = bool(tries) and tries[-1].end is None
    due = None
    if last is not None and not under_way:
        due = last + datetime.timedelta(days=INTERVAL_DAYS[box - 1])
    return Review(kata, box, last, due)


def due(ledger: Ledger, names: list[str], now: datetime.datetime) -> list[Review]:
    """The katas of ``names`` due for review at ``now``, in the course's order."""
    found = [review(ledger, name) for name in names]
    return [r for r in found if r.due is not None and r.due <= now]


@dataclasses.dataclass(frozen=True)
class Belt:
    """Which katas have been passed from blank, with no hint, within their target time."""

    earned: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    def line(self) -> str:
        total = len(self.earned) + len(self.missing)
        if self.complete:
            return (
                f"belt: all {total} katas passed from blank, with no hint, within their "
                "target times"
            )
        return (
            f"belt: {len(self.earned)} of {total} katas passed from blank with no hint "
            "within the target time (`tfdojo kata redo NAME` to try one)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "earned": list(self.earned),
            "missing": list(self.missing),
        }


def belt(ledger: Ledger, names: list[str]) -> Belt:
    earned = [n for n in names if any(a.belt() for a in attempts(ledger, n))]
    return Belt(tuple(earned), tuple(n for n in names if n not in earned))
