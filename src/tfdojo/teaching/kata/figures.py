"""A training kata's figures in words: what the learner's training cost, and how it compares.

A training check hands back ``CheckResult.figures``, a dict of plain numbers::

    {"steps": 200, "seconds": 2.7, "parameters": 814090, "test_accuracy": 0.93,
     "reference": {"test_accuracy": 0.925, "mcnemar_p": 0.61, "only_yours": 12,
                   "only_reference": 9, "verdict": "yours 93.0%, the reference ..."}}

The comparison scores both models on the same ``n`` test images. Only the images where
they disagree move the score, and the exact McNemar test asks whether a split of those
``only_yours + only_reference`` disagreements this lopsided is plausible for two equally
good models: ``p = P(split at least this uneven | each disagreement a fair coin)``. Below
``p < 0.05`` a difference is called significant; above it, "not significantly different",
never "worse" (the deck's rule of 30: a change must move 30 test images or so to be more
than noise on a test set this size). The comparison is information; it never fails a check.
"""

from __future__ import annotations

from typing import Any

ALPHA = 0.05
"""The significance level of the comparison."""


def verdict(
    yours: float, reference: float, n: int, only_yours: int, only_reference: int, p: float
) -> str:
    """The comparison in one sentence, e.g. ``"yours 91.2%, the reference 91.9% on the same
    1,000 test images: 12 only yours right, 19 only the reference's; McNemar p = 0.28: not
    significantly different"``. "better" or "worse" only when ``p < ALPHA``."""
    if p < ALPHA:
        judged = "yours is significantly " + ("better" if only_yours > only_reference else "worse")
    else:
        judged = "not significantly different"
    moved = abs(only_yours - only_reference)
    noise = f" ({moved} images moved, under the rule of 30's 30)" if moved < 30 else ""
    if only_yours == only_reference == 0:
        noise = " (the same answer on every image)"
    return (
        f"yours {yours:.1%}, the reference {reference:.1%} on the same {n:,} test images: "
        f"{only_yours} only yours right, {only_reference} only the reference's; "
        f"McNemar p = {p_text(p)}: {judged}{noise}"
    )


def p_text(p: float) -> str:
    """A p-value in two decimals, or one significant digit below 0.01 (``"0.0007"``)."""
    return f"{p:.2f}" if p >= 0.01 else f"{p:.1g}"


def format_figures(figures: dict[str, Any]) -> str:
    """The ``figures:`` lines ``kata check`` and ``watch`` print after a training kata's
    pass (``""`` when the check measured no training)."""
    parts = []
    if "steps" in figures:
        parts.append(f"{figures['steps']:,} steps")
    if "seconds" in figures:
        parts.append(f"{figures['seconds']:.1f} s of training")
    if "parameters" in figures:
        parts.append(f"{figures['parameters']:,} parameters")
    if "test_accuracy" in figures:
        parts.append(f"test accuracy {figures['test_accuracy']:.1%}")
    if not parts:
        return ""
    lines = ["figures:   " + ", ".join(parts)]
    reference = figures.get("reference")
    if isinstance(reference, dict) and reference.get("verdict"):
        lines.append(f"reference: {reference['verdict']}")
    return "\n".join(lines)
