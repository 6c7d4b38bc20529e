"""The ledger: every check, hint, reset and solution of a kata workspace, one JSON line each.

::

    dojo/.tfdojo/ledger.jsonl
    {"v": 1, "event": "check", "time": "2026-12-02T10:41:07+00:00", "kata": "training_step",
     "sha256": "9f2c...", "status": "failing", "cause": "training_step/assign-not-assign_sub",
     "cause_text": "...", "concept": "tape", "hints": 0, "seconds": 4.1, "source": "cli"}
    {"v": 1, "event": "hint", "time": "...", "kata": "training_step", "number": 1}
    {"v": 1, "event": "redo", "time": "...", "kata": "training_step", "timebox": 10.0}
    {"v": 1, "event": "solve", "time": "...", "kata": "training_step"}

``tfdojo kata check``, ``kata watch`` and a notebook's ``kata.check_here`` each append one
``check`` record (:func:`tfdojo.teaching.kata.verdict.record` is the one place that does);
``status`` is ``pass``, ``failing`` or ``todo``, ``cause`` the stable id of the likely
mistake (``""``: none named), ``sha256`` the checked file's (``null`` for a notebook cell),
``hints`` how many hints were shown before it, ``source`` ``cli``, ``watch`` or ``notebook``.
A training kata's check adds its ``figures`` (steps, seconds, parameters, test accuracy,
the comparison with the reference: :mod:`tfdojo.teaching.kata.figures`).
``stats``, ``hint``, ``redo --due`` and ``list`` read it; nothing rewrites it.

Surviving a crash and a newer tfdojo:

- each record is one ``write`` of one line, then ``fsync`` (:func:`tfdojo.core.atomic.append_line`):
  a crash mid-write leaves at most a torn last line, which :func:`read` skips (and counts);
- ``"v"`` is the format's version. A later version may add fields and events, never change
  what a version-1 field means: unknown fields are kept in the records read, unknown
  events ignored, and a line that is not a record (torn, edited by hand) is skipped, never
  fatal.

The clock is :func:`now`: the environment variable ``TFDOJO_NOW`` (an ISO time) replaces it
(tests, and a teacher trying the schedule), read here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import append_line
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import MissingFile, open_regular, read_bytes
from tfdojo.teaching.kata.checking import STATUSES, CheckResult

LEDGER = Path(".tfdojo") / "ledger.jsonl"
"""The ledger's place in a workspace (beside the room's membership and outbox)."""
VERSION = 1
EVENTS = ("check", "hint", "redo", "solve")
SOURCES = ("cli", "watch", "notebook")
MAX_LEDGER_BYTES = 32 << 20
"""Largest ledger read: 32 MiB, some 100,000 checks of about 300 bytes (years of practice)."""
NOW_VARIABLE = "TFDOJO_NOW"


def now() -> datetime.datetime:
    """The time now, in UTC; ``$TFDOJO_NOW`` (ISO 8601, UTC when it names no zone) if set.

    Raises:
        TfdojoError: ``TFDOJO_NOW`` is set to something that is not an ISO time.
    """
    fixed = os.environ.get(NOW_VARIABLE)
    if not fixed:
        return datetime.datetime.now(datetime.UTC)
    when = parse_time(fixed)
    if when is None:
        raise TfdojoError(
            f"{NOW_VARIABLE}: expected an ISO time such as 2026-12-02T10:00:00+00:00, "
            f"received {fixed!r}"
        )
    return when


def parse_time(text: Any) -> datetime.datetime | None:
    """An ISO time as an aware UTC datetime (naive ones taken as UTC); None if it is not one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when.astimezone(datetime.UTC)


def iso(when: datetime.datetime) -> str:
    return when.isoformat(timespec="seconds")


def path(directory: str | os.PathLike) -> Path:
    return Path(directory) / LEDGER


# ------------------------------------------------------------------------------- writing


def check_record(
    result: CheckResult,
    sha256: str | None,
    hints: int,
    source: str,
    when: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The ledger's record of one check (the fields of the module's docstring)."""
    if source not in SOURCES:
        raise ValueError(f"source: expected one of {', '.join(SOURCES)}, received {source!r}")
    return {
        "v": VERSION,
        "event": "check",
        "time": iso(when or now()),
        "kata": result.name,
        "sha256": sha256,
        "status": result.status,
        "cause": result.cause,
        "cause_text": result.cause_text,
        "concept": result.concept,
        "hints": hints,
        "seconds": round(float(result.seconds), 3),
        "source": source,
        **({"figures": result.figures} if result.figures else {}),
    }


def event_record(event: str, kata: str, **fields: Any) -> dict[str, Any]:
    """A ``hint``, ``redo`` or ``solve`` record of ``kata``, stamped :func:`now`."""
    if event not in EVENTS:
        raise ValueError(f"event: expected one of {', '.join(EVENTS)}, received {event!r}")
    return {"v": VERSION, "event": event, "time": iso(now()), "kata": kata, **fields}


def append(directory: str | os.PathLike, record: dict[str, Any]) -> None:
    """Append ``record`` as one line: one write, then fsync."""
    line = json.dumps(record, sort_keys=True, ensure_ascii=True, allow_nan=False) + "\n"
    if _torn(path(directory)):
        line = "\n" + line  # end the torn line first: it stays skipped, this one reads
    append_line(path(directory), line.encode("ascii"))


def _torn(where: Path) -> bool:
    """Whether the ledger ends in a torn line (a crash mid-write): its last byte is no newline."""
    try:
        with open_regular(where, 1 << 40, "tfdojo's ledger of your checks") as f:
            if f.seek(0, os.SEEK_END) == 0:
                return False
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except MissingFile:
        return False


# ------------------------------------------------------------------------------- reading


@dataclasses.dataclass(frozen=True)
class Ledger:
    """The records read, oldest first, and how many lines were skipped (torn, not a record).

    Each record is a dict as written, with ``"when"`` added: its time as a datetime.
    """

    records: tuple[dict[str, Any], ...]
    skipped: int = 0

    def of(self, kata: str, event: str | None = None) -> list[dict[str, Any]]:
        """The records of ``kata`` (of one ``event`` if given), oldest first."""
        return [
            r for r in self.records if r["kata"] == kata and (event is None or r["event"] == event)
        ]

    def checks(self, kata: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.records if r["event"] == "check" and kata in (None, r["kata"])]

    def last_check(self, kata: str, sha256: str | None = None) -> dict[str, Any] | None:
        """The latest check of ``kata`` (of the file whose hash is ``sha256``, if given)."""
        for r in reversed(self.checks(kata)):
            if sha256 is None or r.get("sha256") == sha256:
                return r
        return None


def read(directory: str | os.PathLike) -> Ledger:
    """The workspace's ledger (empty when there is none yet).

    Raises:
        TfdojoError: the ledger is not a regular file, or is over :data:`MAX_LEDGER_BYTES`.
    """
    try:
        data = read_bytes(path(directory), MAX_LEDGER_BYTES, "tfdojo's ledger of your checks")
    except MissingFile:
        return Ledger(())
    records, skipped = [], 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        record = parse_line(line)
        if record is None:
            skipped += 1
        elif record["event"] in EVENTS:  # a newer version's event: ignored
            records.append(record)
    return Ledger(tuple(records), skipped)


def parse_line(line: bytes) -> dict[str, Any] | None:
    """One line as a record, or None if it is not one (torn, hand-edited, wrong types)."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):  # also bytes that are no UTF-8
        return None
    if not isinstance(record, dict):
        return None
    version, when = record.get("v"), parse_time(record.get("time"))
    if type(version) is not int or version < 1 or when is None:
        return None
    if not isinstance(record.get("kata"), str) or not isinstance(record.get("event"), str):
        return None
    if record["event"] == "check" and not _is_check(record):
        return None
    return {**record, "when": when}


def _is_check(record: dict[str, Any]) -> bool:
    hints, seconds = record.get("hints", 0), record.get("seconds", 0.0)
    return (
        record.get("status") in STATUSES
        and isinstance(record.get("cause", ""), str)
        and isinstance(record.get("concept", ""), str)
        and isinstance(record.get("sha256"), str | None)
        and type(hints) is int
        and hints >= 0
        and isinstance(seconds, int | float)
        and not isinstance(seconds, bool)
        and isinstance(record.get("source", "cli"), str)
    )
