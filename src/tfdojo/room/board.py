"""What the board shows, kept up to date verdict by verdict.

The store holds every verdict; the board needs only where each learner stands, so
:class:`Board` folds each verdict into a small state per learner as it arrives (and, on a
restart, replays the store's verdicts in order, so the board is the same as before the
restart). :meth:`Board.snapshot` then answers in time proportional to the learners, not
the verdicts, however long the evening has been.

Per learner: the best status on each kata (a pass stays a pass), the kata of the latest
verdict (the *current* kata) and since when the learner has been on it, and the cause of
the latest verdict with the time that cause first came in an unbroken run on that kata
(a learner *stuck* on it for more than N minutes is named). The room's *top causes* are
the causes of the learners' latest verdicts, counted in learners.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
from collections import Counter
from typing import Any

RANK = {"todo": 0, "failing": 1, "pass": 2}
TOP_CAUSES = 8


def iso(t: float) -> str:
    """Server time ``t`` (seconds since the epoch) as ISO-8601 UTC, to the second."""
    return datetime.datetime.fromtimestamp(t, datetime.UTC).isoformat(timespec="seconds")


@dataclasses.dataclass
class Learner:
    """Where one learner stands."""

    id: int
    name: str
    cells: dict[str, str] = dataclasses.field(default_factory=dict)
    hints: dict[str, int] = dataclasses.field(default_factory=dict)
    current: str | None = None
    current_since: float = 0.0
    last: dict[str, Any] | None = None
    cause_since: float = 0.0
    verdicts: int = 0

    def add(self, v: dict[str, Any]) -> None:
        kata, t = v["kata"], v["received"]
        best = self.cells.get(kata)
        if best is None or RANK[v["status"]] > RANK[best]:
            self.cells[kata] = v["status"]
        self.hints[kata] = max(self.hints.get(kata, 0), v["hints"])
        if kata != self.current:
            self.current, self.current_since = kata, t
        same_cause = (
            self.last is not None
            and self.last["kata"] == kata
            and self.last["status"] == "failing"
            and self.last["cause"] == v["cause"]
        )
        if not same_cause:
            self.cause_since = t
        self.last = v
        self.verdicts += 1

    def row(self, now: float) -> dict[str, Any]:
        last = self.last or {}
        return {
            "id": self.id,
            "name": self.name,
            "current": self.current,
            "status": last.get("status"),
            "minutes": round((now - self.current_since) / 60, 1) if self.last else None,
            "cause": last.get("cause"),
            "cause_text": last.get("cause_text"),
            "concept": last.get("concept"),
            "cells": dict(self.cells),
            "hints": sum(self.hints.values()),
            "verdicts": self.verdicts,
            "last_seen": round(now - last["received"]) if self.last else None,
        }

    def stuck_minutes(self, now: float) -> float | None:
        """Minutes on the same failing cause of the current kata (``None``: not failing on
        a named cause)."""
        if self.last is None or self.last["status"] != "failing" or not self.last["cause"]:
            return None
        return (now - self.cause_since) / 60


class Board:
    """The room's board: learners' states, fed verdict rows (``received`` = server time)."""

    def __init__(self, katas: list[str]):
        self.katas = list(katas)
        self._learners: dict[int, Learner] = {}
        self._lock = threading.Lock()

    def add_learner(self, learner_id: int, name: str) -> None:
        with self._lock:
            self._learners.setdefault(learner_id, Learner(learner_id, name))

    def add(self, learner_id: int, verdict: dict[str, Any]) -> None:
        """Fold one stored verdict (its fields, ``received``) into the learner's state."""
        with self._lock:
            self._learners[learner_id].add(verdict)
            if verdict["kata"] not in self.katas:
                self.katas.append(verdict["kata"])

    def learner(self, learner_id: int) -> dict[str, Any] | None:
        """The latest verdict of one learner (``None``: none yet)."""
        with self._lock:
            found = self._learners.get(learner_id)
            return dict(found.last) if found and found.last else None

    def snapshot(self, now: float, stuck_after: float) -> dict[str, Any]:
        """The board as JSON-ready data: ``katas``, ``learners`` (in the order they joined),
        ``top_causes`` (counted in learners, most first), ``stuck`` (learners on one cause
        for more than ``stuck_after`` minutes, longest first)."""
        with self._lock:
            learners = list(self._learners.values())
            rows = [learner.row(now) for learner in learners]
            stuck = [(learner, learner.stuck_minutes(now)) for learner in learners]
            katas = list(self.katas)
        causes: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            if row["status"] == "failing" and row["cause"]:
                causes.setdefault(row["cause"], []).append(row)
        top = sorted(causes.items(), key=lambda item: (-len(item[1]), item[0]))[:TOP_CAUSES]
        return {
            "now": iso(now),
            "katas": katas,
            "stuck_minutes": stuck_after,
            "learners": rows,
            "top_causes": [
                {
                    "cause": cause,
                    "kata": Counter(r["current"] for r in who).most_common(1)[0][0],
                    "cause_text": next((r["cause_text"] for r in who if r["cause_text"]), None),
                    "concept": next((r["concept"] for r in who if r["concept"]), None),
                    "learners": len(who),
                    "names": [r["name"] for r in who],
                }
                for cause, who in top
            ],
            "stuck": [
                {
                    "name": learner.name,
                    "kata": learner.current,
                    "cause": learner.last["cause"],
                    "cause_text": learner.last["cause_text"],
                    "minutes": round(minutes, 1),
                }
                for learner, minutes in sorted(stuck, key=lambda s: -(s[1] or 0))
                if minutes is not None and minutes > stuck_after
            ],
        }


SYMBOLS = {"pass": "+", "failing": "x", "todo": "."}


def format_board(board: dict[str, Any]) -> str:
    """The board as text for a terminal (``tfdojo dojo board``): one row per learner (a
    column per kata: ``+`` pass, ``x`` failing, ``.`` todo, blank: not tried; the minutes on
    the current kata), then the top causes, the stuck learners and the randori."""
    katas = board["katas"]
    width = max([len("learner"), *(len(r["name"]) for r in board["learners"])])
    numbers = " ".join(f"{i + 1:>2}" for i in range(len(katas)))
    lines = [f"{'learner':<{width}}  {numbers}  min  current"]
    for r in board["learners"]:
        cells = " ".join(f"{SYMBOLS.get(r['cells'].get(k, ''), ' '):>2}" for k in katas)
        minutes = "" if r["minutes"] is None else f"{r['minutes']:.0f}"
        lines.append(f"{r['name']:<{width}}  {cells}  {minutes:>3}  {r['current'] or '-'}")
    lines.append("katas: " + ", ".join(f"{i + 1} {k}" for i, k in enumerate(katas)))
    lines.append("")
    lines.append("top causes:" if board["top_causes"] else "top causes: none yet")
    for c in board["top_causes"]:
        who = "1 learner" if c["learners"] == 1 else f"{c['learners']} learners"
        lines.append(f"  {who}: {c['cause_text'] or c['cause']} ({c['kata']})")
    if board["stuck"]:
        lines.append(f"stuck for more than {board['stuck_minutes']:g} minutes on one cause:")
        for s in board["stuck"]:
            lines.append(f"  {s['name']}: {s['minutes']:.0f} min on {s['kata']}: {s['cause']}")
    randori = board.get("randori")
    if randori:
        left = int(randori["seconds_left"])
        lines.append(
            f"randori: pilot {randori['pilot']}, co-pilot {randori['copilot']}, "
            f"{left // 60}:{left % 60:02d} left in turn {randori['turn']}"
        )
    return "\n".join(lines)
