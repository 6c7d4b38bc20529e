"""``tfdojo kata selftest``: the checks checked, by the reference solutions and the catalogue
of deliberate mistakes (:mod:`tfdojo.teaching.kata.mutants`).

Each case is a kata file written as a learner would have it, checked as ``kata check`` does
(:func:`~tfdojo.teaching.kata.checking.check_file`), in this process, each in a folder of
its own (TensorFlow is imported once; the catalogue is tfdojo's own code, not a learner's):

- a **reference** solution and a **variant** (a right solution written differently) must
  pass: one that does not is a *false failure*;
- a **mutant** (one deliberate mistake) must fail: it is *caught* when it fails with the
  cause it names (any cause when it names none); failing with another cause is a *wrong
  cause*, passing a *false pass*, "not done yet" *not failing*; a mutant whose text is no
  longer in the reference is *broken* (the catalogue must follow the reference).

The report, for programs (``--json``)::

    {"mutants_total": 82, "mutants_caught": 82, "false_passes": 0, "false_failures": 0,
     "wrong_cause": 0, "not_failing": 0, "broken": 0, "references_total": 19,
     "variants_total": 10, "seconds": 301.2, "cases": [{...}, ...]}
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import ensure_dir, write_text
from tfdojo.core.errors import TfdojoError
from tfdojo.teaching.kata import causes
from tfdojo.teaching.kata.checking import CheckResult, check_file
from tfdojo.teaching.kata.mutants import MUTANTS, VARIANTS, Mutant, Variant
from tfdojo.teaching.kata.registry import Kata, find, katas

VERDICTS = ("ok", "false_pass", "false_failure", "wrong_cause", "not_failing", "broken")

TIME_LIMIT = 120.0
"""Seconds one case may run (a mutant that loops forever fails, as under ``kata check``)."""


class Overran(BaseException):
    """Raised by the alarm in a case that runs longer than its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Overran` in this (main) thread after ``seconds`` (SIGALRM's timer): a
    loop of Python ends there; one TensorFlow op runs to its end first."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are the main thread's: no limit here
        return

    def ring(signum, frame):
        raise Overran

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclasses.dataclass(frozen=True)
class Case:
    """One replayed solution and what became of it.

    Attributes:
        kind: ``"reference"``, ``"variant"`` or ``"mutant"``.
        kata, id, description: which solution (a reference's id is ``"reference"``).
        cause: the cause id a mutant names (``""``: none).
        status: the check's status (``""`` when broken).
        received_cause: the cause id the check named.
        verdict: one of :data:`VERDICTS`.
        message: the check's message (or why the mutant is broken).
        seconds: how long its check took.
    """

    kind: str
    kata: str
    id: str
    description: str
    cause: str
    status: str
    received_cause: str
    verdict: str
    message: str
    seconds: float

    def __str__(self) -> str:
        name = f"{self.kata}/{self.id}" if self.kind != "reference" else self.kata
        line = f"{MARKS[self.verdict]} {self.kind:<9} {name}: {self.verdict}"
        if self.verdict == "wrong_cause":
            line += f" (expected {self.cause}, received {self.received_cause or 'none'})"
        elif self.verdict != "ok":
            line += f" ({self.status or 'broken'}: {self.message.splitlines()[0][:120]})"
        return line


MARKS = {"ok": "✓", "broken": "!"} | {v: "✗" for v in VERDICTS[1:-1]}


def judge(kind: str, expected_cause: str, result: CheckResult) -> str:
    """The verdict on one case from its check's result."""
    if kind != "mutant":
        return "ok" if result.passed else "false_failure"
    if result.passed:
        return "false_pass"
    if result.status != "failing":
        return "not_failing"
    if expected_cause and result.cause != expected_cause:
        return "wrong_cause"
    return "ok"


@dataclasses.dataclass(frozen=True)
class Report:
    """Every case, and the counts."""

    cases: tuple[Case, ...]
    seconds: float

    def count(self, kind: str, verdict: str | None = None) -> int:
        return sum(c.kind == kind and verdict in (None, c.verdict) for c in self.cases)

    @property
    def clean(self) -> bool:
        """Every mutant caught, every reference and variant passed."""
        return all(c.verdict == "ok" for c in self.cases)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mutants_total": self.count("mutant"),
            "mutants_caught": self.count("mutant", "ok"),
            "false_passes": self.count("mutant", "false_pass"),
            "false_failures": self.count("reference", "false_failure")
            + self.count("variant", "false_failure"),
            "wrong_cause": self.count("mutant", "wrong_cause"),
            "not_failing": self.count("mutant", "not_failing"),
            "broken": sum(c.verdict == "broken" for c in self.cases),
            "references_total": self.count("reference"),
            "variants_total": self.count("variant"),
            "seconds": round(self.seconds, 1),
            "cases": [dataclasses.asdict(c) for c in self.cases],
        }

    def summary(self) -> str:
        d = self.to_dict()
        return (
            f"{d['references_total']} references and {d['variants_total']} variants: "
            f"{d['false_failures']} false failures; {d['mutants_caught']} of "
            f"{d['mutants_total']} mutants caught, {d['false_passes']} false passes, "
            f"{d['wrong_cause']} wrong causes, {d['not_failing']} not failing, "
            f"{d['broken']} broken ({d['seconds']:g} s)"
        )


def catalogue_problems(
    mutants: Iterable[Mutant] | None = None, variants: Iterable[Variant] | None = None
) -> list[str]:
    """What is wrong with the catalogue, without running a check (``[]``: nothing): a kata
    that does not exist, an id given twice in a kata, a text not found exactly once in the
    reference solution, a change that changes nothing, a cause id no cause has."""
    mutants = MUTANTS if mutants is None else list(mutants)
    variants = VARIANTS if variants is None else list(variants)
    problems, seen = [], set()
    for m in [*mutants, *variants]:
        kind = "variant" if isinstance(m, Variant) else "mutant"
        name = f"{kind} {m.kata}/{m.id}"
        if (kind, m.kata, m.id) in seen:
            problems.append(f"{name}: its id is given twice")
        seen.add((kind, m.kata, m.id))
        try:
            m.apply(find(m.kata).solution())
        except TfdojoError as exc:
            problems.append(f"{name}: {exc}")
        if m.old == m.new:
            problems.append(f"{name}: its new text is its old text")
        if kind == "mutant" and m.cause and causes.get(m.cause) is None:
            problems.append(f"{name}: no cause has the id {m.cause!r}")
    return problems


def plan(
    names: Iterable[str] | None = None,
    mutants: Iterable[Mutant] = (),
    variants: Iterable[Variant] = (),
) -> list[tuple[str, Kata, Mutant | None]]:
    """The cases to replay: each kata's reference, then its variants, then its mutants."""
    chosen = [find(n) for n in names] if names else katas()
    for m in [*mutants, *variants]:
        find(m.kata)  # an unknown kata in the catalogue: one line naming it
    out: list[tuple[str, Kata, Mutant | None]] = []
    for k in chosen:
        out.append(("reference", k, None))
        out += [("variant", k, v) for v in variants if v.kata == k.name]
        out += [("mutant", k, m) for m in mutants if m.kata == k.name]
    return out


def run(
    names: Iterable[str] | None = None,
    mutants: Iterable[Mutant] | None = None,
    variants: Iterable[Variant] | None = None,
    strict: bool = False,
    progress: Callable[[Case], None] | None = None,
    limit: float = TIME_LIMIT,
) -> Report:
    """Replay the references, ``variants`` and ``mutants`` (the catalogue by default) of
    the katas ``names`` (every kata by default) through their checks.

    Args:
        strict: check as ``kata check --strict`` does (the kata's rules too; seed 0).
        progress: called with each case once checked.
        limit: seconds each case may run (in the main thread; none in another).

    Raises:
        TfdojoError: an unknown kata name, here or in the catalogue.
    """
    mutants = MUTANTS if mutants is None else list(mutants)
    variants = VARIANTS if variants is None else list(variants)
    t0 = time.perf_counter()
    cases = []
    with tempfile.TemporaryDirectory(prefix="tfdojo-selftest-") as tmp:
        for n, (kind, kata, edit) in enumerate(plan(names, mutants, variants)):
            case = _replay(Path(tmp) / str(n), kind, kata, edit, strict, limit)
            cases.append(case)
            if progress is not None:
                progress(case)
    return Report(tuple(cases), time.perf_counter() - t0)


def _replay(
    folder: Path, kind: str, kata: Kata, edit: Mutant | None, strict: bool, limit: float
) -> Case:
    """Write one case's file into ``folder`` and check it."""
    ident, description, cause = "reference", "the reference solution", ""
    if edit is not None:
        ident, description = edit.id, edit.description
        cause = edit.cause if kind == "mutant" else ""
    try:
        text = edit.apply(kata.solution()) if edit is not None else kata.solution()
    except TfdojoError as exc:
        return Case(kind, kata.name, ident, description, cause, "", "", "broken", str(exc), 0.0)
    path = write_text(ensure_dir(folder) / kata.filename, text)
    t0 = time.perf_counter()
    try:
        with time_limit(limit):
            result = check_file(kata, path, strict=strict, trace=False)
    except Overran:
        message = f"the check ran longer than {limit:g} s and was stopped"
        result = CheckResult(kata.name, "failing", message, time.perf_counter() - t0)
    verdict = judge(kind, cause, result)
    return Case(
        kind,
        kata.name,
        ident,
        description,
        cause,
        result.status,
        result.cause,
        verdict,
        result.message,
        round(result.seconds, 3),
    )
