"""What a room accepts: a verdict's fields, a learner's name, a shared file, and the limits.

A verdict is what a learner's ``tfdojo kata check`` sends after each check (the learner is
named by the join, not in the body)::

    {"kata": "training_step", "track": "tensorflow", "status": "failing",
     "cause": "training_step/assign-not-assign_sub", "cause_text": "v.assign(...) replaces
     the weights: v.assign_sub(lr * g) moves them", "concept": "tape", "seconds": 12.5,
     "hints": 1, "source": "cli", "time": "2026-11-27T19:42:03+01:00"}

:func:`check_verdict` is the one reader of that format, on the client (before a verdict is
queued) and on the server (before it is stored): every field's type, range and length,
one line naming the field and echoing what was received otherwise. Fields it does not
know are ignored (a newer client may send more). Texts are kept as sent and shown
escaped everywhere.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from typing import Any

from tfdojo.core.errors import TfdojoError

MAX_LEARNERS = 200
"""Learners a room takes; the 201st join is refused."""
MAX_BODY_BYTES = 256 * 1024
"""Largest request body the room reads (a verdict is ~400 bytes, a shared kata ~6 KB)."""
MAX_SHARE_BYTES = 64 * 1024
"""Largest kata file a learner may share (the longest kata is ~8 KB)."""
VERDICTS_PER_MINUTE = 60
"""Verdicts a learner may send per minute, on average (``watch`` checks at most each save)."""
VERDICT_BURST = 120
"""Verdicts a learner may send at once (an outbox emptied after a stretch offline)."""

STATUSES = ("pass", "failing", "todo")
SOURCES = ("cli", "watch", "notebook")
IDENTIFIER = re.compile(r"[a-z0-9_]{1,60}")
CAUSE_ID = re.compile(r"[A-Za-z0-9_./:+-]{1,120}")
MAX_NAME = 40
MAX_CAUSE_TEXT = 400
MAX_CONCEPT = 60
MAX_SECONDS = 24 * 3600
MAX_HINTS = 100
UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Unicode categories refused in names and texts: control and format characters (a
right-to-left override would turn the board around), surrogates, unassigned."""


class RoomError(TfdojoError):
    """A request the room refuses, with the HTTP status it answers with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _text(value: Any, field: str, limit: int, *, nullable: bool = True) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise RoomError(f"{field}: expected text, received {_show(value)}")
    if not value.strip() or len(value) > limit:
        raise RoomError(f"{field}: expected 1 to {limit} characters, received {len(value)}")
    bad = [c for c in value if unicodedata.category(c) in UNPRINTABLE]
    if bad:
        raise RoomError(
            f"{field}: expected printable text, received control character U+{ord(bad[0]):04X}"
        )
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_name(name: Any) -> str:
    """A learner's name as shown on the board: 1 to 40 printable characters, trimmed."""
    if isinstance(name, str):
        name = " ".join(name.split())
    return _text(name, "name", MAX_NAME, nullable=False)


def name_key(name: str) -> str:
    """What two names must differ in: ``"Ada  Lovelace"`` and ``"ada lovelace"`` are one."""
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


def check_kata(kata: Any, field: str = "kata") -> str:
    """A kata's name as the registry spells it: ``training_step``."""
    if not isinstance(kata, str) or not IDENTIFIER.fullmatch(kata):
        raise RoomError(
            f"{field}: expected a kata's name (lowercase letters, digits, _), "
            f"received {_show(kata)}"
        )
    return kata


def _number(value: Any, field: str, high: float, whole: bool = False) -> float | int:
    kind = int if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
        what = "a whole number" if whole else "a number"
        raise RoomError(f"{field}: expected {what} from 0 to {high:g}, received {_show(value)}")
    if not 0 <= value <= high:
        raise RoomError(f"{field}: expected 0 to {high:g}, received {value:g}")
    return value


def _choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise RoomError(f"{field}: expected one of {', '.join(choices)}, received {_show(value)}")
    return value


def check_time(value: Any) -> str:
    """An ISO-8601 time as the client's clock gave it."""
    if isinstance(value, str) and len(value) <= 40:
        try:
            datetime.datetime.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise RoomError(f"time: expected an ISO-8601 time, received {_show(value)}")


def check_verdict(verdict: Any) -> dict[str, Any]:
    """The verdict with exactly the fields of the format, checked; unknown fields dropped.

    Raises:
        RoomError: (400) a field missing, of the wrong type, out of range or too long.
    """
    if not isinstance(verdict, dict):
        raise RoomError(f"verdict: expected a JSON object, received {type(verdict).__name__}")
    required = ("kata", "track", "status", "seconds", "hints", "source", "time")
    missing = [k for k in required if k not in verdict]
    if missing:
        raise RoomError(f"verdict: missing {', '.join(missing)}")
    status = _choice(verdict["status"], "status", STATUSES)
    cause = verdict.get("cause")
    if cause is not None and (not isinstance(cause, str) or not CAUSE_ID.fullmatch(cause)):
        raise RoomError(
            "cause: expected null or an id such as 'training_step/assign-not-assign_sub' "
            f"(letters, digits, _ . / : + -, at most 120), received {_show(cause)}"
        )
    if status == "pass" and cause is not None:
        raise RoomError(f"cause: expected null when status is 'pass', received {_show(cause)}")
    return {
        "kata": check_kata(verdict["kata"]),
        "track": check_kata(verdict["track"], "track"),
        "status": status,
        "cause": cause,
        "cause_text": _text(verdict.get("cause_text"), "cause_text", MAX_CAUSE_TEXT),
        "concept": _text(verdict.get("concept"), "concept", MAX_CONCEPT),
        "seconds": float(_number(verdict["seconds"], "seconds", MAX_SECONDS)),
        "hints": int(_number(verdict["hints"], "hints", MAX_HINTS, whole=True)),
        "source": _choice(verdict["source"], "source", SOURCES),
        "time": check_time(verdict["time"]),
    }


def check_share(share: Any) -> dict[str, str]:
    """A shared kata file: ``{"kata", "filename", "text"}``, the text at most 64 KiB."""
    if not isinstance(share, dict):
        raise RoomError(f"share: expected a JSON object, received {type(share).__name__}")
    filename = share.get("filename")
    if not isinstance(filename, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}\.py", filename):
        raise RoomError(f"filename: expected a kata's file name, received {_show(filename)}")
    text = share.get("text")
    if not isinstance(text, str):
        raise RoomError(f"text: expected the file's text, received {_show(text)}")
    size = len(text.encode("utf-8"))
    if size > MAX_SHARE_BYTES:
        raise RoomError(
            f"text: {size:,} bytes; expected a kata file of at most {MAX_SHARE_BYTES:,}", 413
        )
    if "\0" in text:
        raise RoomError("text: expected a Python file, received NUL bytes")
    return {"kata": check_kata(share.get("kata")), "filename": filename, "text": text}
