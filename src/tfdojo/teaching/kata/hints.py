"""``tfdojo kata hint NAME``: the mistake just made first, then the staged hints, then a reteach.

As okpy counts misconceptions per student and answers the one just shown, a hint answers,
in this order:

1. the cause the kata's last check named (from the ledger): its sentence from the cause
   catalogue (:mod:`~tfdojo.teaching.kata.causes`) and what to look for (the cause's own
   longer explanation, or its concept);
2. the kata's next staged hint, vaguest first (as before: ``hint 2 of 3``);
3. when the last cause's concept has failed in two katas or more, a short paragraph that
   teaches the concept again (:data:`~tfdojo.teaching.kata.causes.CONCEPTS`), since the
   mistake is then no longer about one kata.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tfdojo.teaching.kata import causes, ledger
from tfdojo.teaching.kata.ledger import Ledger
from tfdojo.teaching.kata.registry import Kata
from tfdojo.teaching.kata.workspace import next_hint

RETEACH_KATAS = 2
"""A concept failed in this many katas or more earns the reteach paragraph."""


@dataclasses.dataclass(frozen=True)
class Advice:
    """What ``kata hint`` says: each part may be empty."""

    cause: str  # the last check's cause, and what to look for
    number: int  # the staged hint's number (0: none left)
    total: int
    hint: str
    reteach: str

    def lines(self, kata: Kata) -> list[str]:
        out = [self.cause] if self.cause else []
        if self.number:
            out.append(f"hint {self.number} of {self.total} for {kata.stem}: {self.hint}")
        else:
            out.append(
                f"no more hints for {kata.stem} ({self.total} shown); "
                f"`tfdojo kata solve {kata.name}` writes the solution"
            )
        if self.reteach:
            out.append(self.reteach)
        return out


def failed_katas(book: Ledger, concept: str) -> list[str]:
    """The katas whose checks failed on a cause of ``concept``, in order of first failure."""
    seen: list[str] = []
    for r in book.checks():
        if r["status"] == "failing" and r.get("concept") == concept and r["kata"] not in seen:
            seen.append(r["kata"])
    return seen


def last_cause(book: Ledger, kata: Kata) -> str:
    """The paragraph on the cause the kata's last check named (``""``: none named)."""
    last = book.last_check(kata.name)
    if last is None or last["status"] != "failing" or not last.get("cause"):
        return ""
    cause = causes.get(last["cause"])
    text = cause.text if cause else last.get("cause_text", "")
    concept = (cause.concept if cause else last.get("concept")) or ""
    look = cause.hint if cause and cause.hint else ""
    if not look and concept in causes.CONCEPTS:
        look = f"look at {causes.CONCEPTS[concept][0]} in your code"
    out = f"your last check ({last['time']}) named: {text} [{last['cause']}]"
    return out + (f"\n    what to look for: {look}" if look else "")


def reteach(book: Ledger, concept: str) -> str:
    """The concept's paragraph, if it has failed in :data:`RETEACH_KATAS` katas or more."""
    where = failed_katas(book, concept)
    if len(where) < RETEACH_KATAS or concept not in causes.CONCEPTS:
        return ""
    title, text = causes.CONCEPTS[concept]
    return f"{title}, again (it failed in {', '.join(where)}):\n    {text}"


def advise(directory: str | Path, kata: Kata) -> Advice:
    """The cause first, then the next staged hint (counted as shown), then a reteach."""
    book = ledger.read(directory)
    number, text = next_hint(directory, kata)
    last = book.last_check(kata.name)
    concept = (last or {}).get("concept") or ""
    again = reteach(book, concept) if last and last["status"] == "failing" else ""
    return Advice(last_cause(book, kata), number, len(kata.hints), text, again)
