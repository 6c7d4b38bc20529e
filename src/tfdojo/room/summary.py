"""The room's retrospective: time per kata, the most common causes, the hints used.

:func:`summarize` reads the verdicts as stored (server times), so it gives the same
answer on the night (``GET /api/summary``) and afterwards (``tfdojo dojo export``).
:func:`summary_page` is the same as a self-contained HTML page, every value escaped.

*Minutes to pass* a kata: from a learner's first verdict on it to their first pass; the
median over the learners who passed. *Hints*: the most hints a learner had seen on a
kata (hints only add up), summed over learners.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

from tfdojo.results.page import e, page

TOP = 20


def summarize(
    learners: list[dict[str, Any]], verdicts: list[dict[str, Any]], katas: list[str]
) -> dict[str, Any]:
    """``{"learners", "verdicts", "katas": [...], "causes": [...], "concepts": [...]}``.

    Args:
        learners: the store's learners (``id``, ``name``).
        verdicts: the store's verdicts in the order received (``learner``, ``received``,
            the verdict's fields).
        katas: the room's katas, in order (katas met only in verdicts follow).
    """
    first: dict[tuple[int, str], float] = {}
    passed: dict[tuple[int, str], float] = {}
    hints: dict[tuple[int, str], int] = defaultdict(int)
    per_kata: Counter[str] = Counter()
    cause_verdicts: Counter[str] = Counter()
    cause_learners: dict[str, set[int]] = defaultdict(set)
    cause_info: dict[str, dict[str, Any]] = {}
    concept_verdicts: Counter[str] = Counter()
    concept_learners: dict[str, set[int]] = defaultdict(set)
    order = list(katas)
    for v in verdicts:
        key = (v["learner"], v["kata"])
        if v["kata"] not in order:
            order.append(v["kata"])
        per_kata[v["kata"]] += 1
        first.setdefault(key, v["received"])
        hints[key] = max(hints[key], v["hints"])
        if v["status"] == "pass":
            passed.setdefault(key, v["received"])
        if v["status"] == "failing" and v["cause"]:
            cause_verdicts[v["cause"]] += 1
            cause_learners[v["cause"]].add(v["learner"])
            info = cause_info.setdefault(v["cause"], {"kata": v["kata"]})
            for field in ("cause_text", "concept"):
                info[field] = v[field] or info.get(field)
            if v["concept"]:
                concept_verdicts[v["concept"]] += 1
                concept_learners[v["concept"]].add(v["learner"])
    rows = []
    for kata in order:
        tried = [k for k in first if k[1] == kata]
        took = [(passed[k] - first[k]) / 60 for k in tried if k in passed]
        rows.append(
            {
                "kata": kata,
                "learners": len(tried),
                "passed": len(took),
                "median_minutes": round(statistics.median(took), 1) if took else None,
                "hints": sum(hints[k] for k in tried),
                "learners_with_hints": sum(hints[k] > 0 for k in tried),
                "verdicts": per_kata[kata],
            }
        )
    causes = sorted(cause_verdicts, key=lambda c: (-len(cause_learners[c]), -cause_verdicts[c], c))
    concepts = sorted(
        concept_verdicts, key=lambda c: (-len(concept_learners[c]), -concept_verdicts[c], c)
    )
    return {
        "learners": len(learners),
        "verdicts": len(verdicts),
        "katas": rows,
        "causes": [
            {
                "cause": c,
                **cause_info[c],
                "learners": len(cause_learners[c]),
                "verdicts": cause_verdicts[c],
            }
            for c in causes[:TOP]
        ],
        "concepts": [
            {"concept": c, "learners": len(concept_learners[c]), "verdicts": concept_verdicts[c]}
            for c in concepts[:TOP]
        ],
    }


def _table(headers: list[str], rows: list[list[Any]], numeric: set[int]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{e(c)}</td>' if i in numeric else f"<td>{e(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def summary_page(summary: dict[str, Any], title: str = "tfdojo room: the retrospective") -> str:
    """:func:`summarize`'s answer as a whole HTML page (every value escaped)."""
    katas = _table(
        ["kata", "learners", "passed", "median minutes to pass", "hints", "verdicts"],
        [
            [
                k["kata"],
                k["learners"],
                k["passed"],
                "-" if k["median_minutes"] is None else f"{k['median_minutes']:.1f}",
                f"{k['hints']} ({k['learners_with_hints']} learners)",
                k["verdicts"],
            ]
            for k in summary["katas"]
        ],
        {1, 2, 3, 5},
    )
    causes = _table(
        ["learners", "verdicts", "kata", "concept", "cause"],
        [
            [
                c["learners"],
                c["verdicts"],
                c["kata"],
                c["concept"] or "-",
                c["cause_text"] or c["cause"],
            ]
            for c in summary["causes"]
        ],
        {0, 1},
    )
    concepts = _table(
        ["concept", "learners", "verdicts"],
        [[c["concept"], c["learners"], c["verdicts"]] for c in summary["concepts"]],
        {1, 2},
    )
    body = (
        f"<section><h2>Time per kata</h2>{katas}</section>"
        f"<section><h2>The most common causes</h2>{causes}</section>"
        f"<section><h2>Concepts behind the causes</h2>{concepts}</section>"
    )
    subtitle = e(f"{summary['learners']} learners, {summary['verdicts']} verdicts")
    footer = (
        "Minutes to pass: from a learner's first verdict on a kata to their first pass, the "
        "median over those who passed. Hints: the most a learner saw on a kata, summed."
    )
    return page(title, subtitle, body, footer)
