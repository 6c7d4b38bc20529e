"""``tfdojo kata stats``: attempts, time to pass and hints per kata; mistakes by concept.

Read from the ledger alone (no check is run)::

    {"causes": {"training_step/assign-not-assign_sub":
                    {"count": 1, "kata": "training_step", "concept": "tape"}},
     "concepts": {"tape": {"title": "the tape", "count": 1, "katas": ["training_step"],
                           "causes": ["training_step/assign-not-assign_sub"]}},
     "katas": {"training_step": {"checks": 3, "failing": 2, "attempts": 1, "passed": true,
                                 "seconds_to_first_pass": 312.0, "hints": 1,
                                 "best_seconds": null, "box": 2, "due": "...",
                                 "sources": {"cli": 3}}},
     "belt": {"complete": false, "earned": [], "missing": [...]},
     "due": ["tensors"], "skipped_lines": 0}

A cause's ``count`` is the number of versions of a file that failed on it: the same file
checked twice counts once (a notebook cell, which has no file, counts at each check); its
``kata`` is the kata it was met in (the one met most often, for an ``any/...`` cause).
``seconds_to_first_pass`` runs from the kata's first record (a check or a hint) to its first
pass; ``attempts`` counts the first time through and each ``kata redo``.
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

from tfdojo.teaching.kata import causes, ledger, schedule
from tfdojo.teaching.kata.ledger import Ledger
from tfdojo.teaching.kata.registry import katas
from tfdojo.teaching.kata.workspace import TRACK, require


def cause_counts(book: Ledger) -> dict[str, dict[str, Any]]:
    """``{cause id: {"count", "kata", "concept"}}``, most counted first."""
    seen: set[tuple[str, str, str]] = set()
    counts: collections.Counter[str] = collections.Counter()
    where: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    concept: dict[str, str] = {}
    for r in book.checks():
        cause = r.get("cause")
        if r["status"] != "failing" or not cause:
            continue
        sha = r.get("sha256")
        if sha is not None:
            if (r["kata"], sha, cause) in seen:
                continue
            seen.add((r["kata"], sha, cause))
        counts[cause] += 1
        where[cause][r["kata"]] += 1
        known = causes.get(cause)
        concept[cause] = known.concept if known else r.get("concept") or ""
    return {
        c: {"count": n, "kata": where[c].most_common(1)[0][0], "concept": concept[c]}
        for c, n in counts.most_common()
    }


def concepts(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The causes grouped by concept: count, katas, causes; most counted first."""
    out: dict[str, dict[str, Any]] = {}
    for cause, entry in found.items():
        key = entry["concept"]
        title = causes.CONCEPTS.get(key, (key or "other", ""))[0]
        group = out.setdefault(key, {"title": title, "count": 0, "katas": [], "causes": []})
        group["count"] += entry["count"]
        group["causes"].append(cause)
        if entry["kata"] not in group["katas"]:
            group["katas"].append(entry["kata"])
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["count"]))


def kata_stats(book: Ledger, name: str) -> dict[str, Any]:
    checks = book.checks(name)
    tries = schedule.attempts(book, name)
    first = book.of(name)
    passes = [r for r in checks if r["status"] == "pass"]
    to_pass = None
    if passes and first:
        to_pass = round((passes[0]["when"] - first[0]["when"]).total_seconds(), 1)
        to_pass = to_pass if to_pass >= 0 else None  # records from clocks that disagree
    review = schedule.review(book, name)
    return {
        "checks": len(checks),
        "failing": sum(r["status"] == "failing" for r in checks),
        "attempts": len(tries),
        "passed": bool(passes),
        "seconds_to_first_pass": to_pass,
        "hints": len(book.of(name, "hint")),
        "best_seconds": schedule.personal_best(tries),
        "box": review.box,
        "due": review.to_dict()["due"],
        "sources": dict(collections.Counter(r.get("source", "cli") for r in checks)),
    }


def stats(directory: str | Path) -> dict[str, Any]:
    """The workspace's statistics (the form of the module's docstring)."""
    d = require(directory)
    book = ledger.read(d)
    names = [k.name for k in katas(TRACK)]
    names += sorted({r["kata"] for r in book.records} - set(names))  # the NumPy katas
    found = cause_counts(book)
    per_kata = {n: kata_stats(book, n) for n in names if book.of(n)}
    tf_names = [k.name for k in katas(TRACK)]
    return {
        "causes": found,
        "concepts": concepts(found),
        "katas": per_kata,
        "belt": schedule.belt(book, tf_names).to_dict(),
        "due": [r.kata for r in schedule.due(book, tf_names, ledger.now())],
        "skipped_lines": book.skipped,
    }


def format_stats(found: dict[str, Any]) -> str:
    """``kata stats`` as text: one line per kata, then the concepts, then the belt."""
    if not found["katas"]:
        empty = "no checks yet: `tfdojo kata check` or `tfdojo kata watch` starts the ledger"
        if found["skipped_lines"]:  # a ledger whose every line is damaged is not empty
            empty = f"no readable checks: {found['skipped_lines']} unreadable ledger lines skipped"
        return empty
    width = max(len(n) for n in found["katas"])
    lines = [f"{'kata':<{width}}  checks  failing  hints  first pass in  best from blank"]
    for name, k in found["katas"].items():
        first = _minutes(k["seconds_to_first_pass"]) if k["passed"] else "not yet"
        best = _minutes(k["best_seconds"]) if k["best_seconds"] is not None else "-"
        lines.append(
            f"{name:<{width}}  {k['checks']:>6}  {k['failing']:>7}  {k['hints']:>5}  "
            f"{first:>13}  {best:>15}"
        )
    if found["concepts"]:
        lines.append("mistakes by concept:")
        for group in found["concepts"].values():
            lines.append(f"  {group['count']:>3}  {group['title']} ({', '.join(group['katas'])})")
            for cause in group["causes"]:
                lines.append(f"         {found['causes'][cause]['count']} x {cause}")
    if found["due"]:
        lines.append(f"due for review: {', '.join(found['due'])} (`tfdojo kata redo --due`)")
    belt = schedule.Belt(tuple(found["belt"]["earned"]), tuple(found["belt"]["missing"]))
    lines.append(belt.line())
    if found["skipped_lines"]:
        lines.append(f"({found['skipped_lines']} unreadable ledger lines skipped)")
    return "\n".join(lines)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 60:.1f} min"
