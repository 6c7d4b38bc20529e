"""Is B really better than A? Both models on the same test images, judged two ways.

Scoring both runs on the same images gives, per image, one of four outcomes::

                     B right     B wrong
        A right     both_right   a_only
        A wrong     b_only       both_wrong

The accuracies differ by ``(b_only - a_only) / n``: only the images where the models
disagree move the score. That signed count is what the deck's rule of 30 judges
(``|b_only - a_only| >= 30``), and the exact McNemar test asks whether a split of the
``a_only + b_only`` disagreements this lopsided is plausible for equally good models.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import LETTERS
from tfdojo.core import stats
from tfdojo.core.errors import TfdojoError
from tfdojo.data.importer import load_labelled
from tfdojo.runs import model_class_for, open_run


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Two models scored on the same ``n`` test images (counts only; the rest is derived)."""

    n: int
    a_correct: int
    b_correct: int
    a_only: int
    b_only: int
    alpha: float = 0.05
    a_name: str = "A"
    b_name: str = "B"

    @property
    def a_accuracy(self) -> float:
        return self.a_correct / self.n

    @property
    def b_accuracy(self) -> float:
        return self.b_correct / self.n

    @property
    def a_interval(self) -> tuple[float, float]:
        return stats.wilson_interval(self.a_correct, self.n)

    @property
    def b_interval(self) -> tuple[float, float]:
        return stats.wilson_interval(self.b_correct, self.n)

    @property
    def moved(self) -> int:
        """Net examples the change from A to B moved: ``b_only - a_only`` (signed)."""
        return self.b_only - self.a_only

    @property
    def p_value(self) -> float:
        return stats.mcnemar_exact(self.a_only, self.b_only)

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    @property
    def rule_of_30(self) -> bool:
        return stats.rule_of_30(self.moved)

    def verdicts(self) -> tuple[str, str, str]:
        """``(deck, statistics, relation)``: one sentence each."""
        return verdicts(self)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        deck, statistical, relation = self.verdicts()
        return {
            "a_run": self.a_name,
            "b_run": self.b_name,
            "n": self.n,
            "a_accuracy": self.a_accuracy,
            "a_interval": list(self.a_interval),
            "b_accuracy": self.b_accuracy,
            "b_interval": list(self.b_interval),
            "a_only": self.a_only,
            "b_only": self.b_only,
            "both_right": self.a_correct - self.a_only,
            "both_wrong": self.n - self.a_correct - self.b_only,
            "moved": self.moved,
            "rule_of_30": self.rule_of_30,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "significant": self.significant,
            "verdict_deck": deck,
            "verdict_statistics": statistical,
            "relation": relation,
        }


def compare_predictions(
    labels, pred_a, pred_b, alpha: float = 0.05, names: tuple[str, str] = ("A", "B")
) -> Comparison:
    """Count the four outcomes of two models' predictions on the same labelled images.

    Args:
        labels: true classes, int (N,).
        pred_a, pred_b: predicted classes (N,) or probabilities (N, 10) of models A and B.
        alpha: significance level of the McNemar test.
        names: how A and B are called in messages (their run folders).

    Raises:
        TfdojoError: the predictions do not cover the same ``N`` images as the labels;
            ``alpha`` outside [0.000001, 0.5].
    """
    stats.check_alpha(alpha, "--alpha")

    y = np.asarray(labels).astype(np.int64).ravel()
    if len(y) == 0:
        raise TfdojoError("compare: the test set is empty; nothing to compare")
    hits = []
    for name, pred in zip(names, (pred_a, pred_b)):
        p = np.asarray(pred)
        if p.ndim == 2:
            p = p.argmax(axis=1)
        if p.shape != y.shape:
            raise TfdojoError(
                f"{name}: predictions cover {p.shape[0] if p.ndim else 0} images but the test "
                f"set has {len(y)}; both runs must be scored on the same images"
            )
        hits.append(p == y)
    a, b = hits
    return Comparison(
        n=len(y),
        a_correct=int(a.sum()),
        b_correct=int(b.sum()),
        a_only=int((a & ~b).sum()),
        b_only=int((b & ~a).sum()),
        alpha=alpha,
        a_name=names[0],
        b_name=names[1],
    )


def verdicts(c: Comparison) -> tuple[str, str, str]:
    """The deck's verdict, the statistical one, and one sentence on how they relate."""
    moved, m = c.moved, abs(c.moved)
    better = c.b_name if moved > 0 else c.a_name
    disagree = c.a_only + c.b_only
    if moved == 0:
        deck = f"rule of 30: the change moved 0 examples of {c.n:,}; no change to trust."
    else:
        word = "trustworthy" if c.rule_of_30 else "not trustworthy"
        deck = (
            f"rule of 30: {better} is ahead by {m} example{'s' * (m != 1)} of {c.n:,} "
            f"({m / c.n:.2%}), {'>=' if c.rule_of_30 else '<'} 30: {word}."
        )
    statistical = (
        f"McNemar (exact): p = {_p(c.p_value)} on {disagree} disagreement"
        f"{'s' * (disagree != 1)} ({c.a_only} for {c.a_name}, {c.b_only} for {c.b_name}): "
        + (f"significant at {c.alpha:g}." if c.significant else f"not significant at {c.alpha:g}.")
    )
    if c.rule_of_30 and c.significant:
        relation = (
            f"Both agree: {m} net examples out of {disagree} disagreements is too lopsided "
            "to be chance."
        )
    elif not c.rule_of_30 and not c.significant:
        relation = (
            f"Both agree the test set cannot tell these models apart: {m} net example"
            f"{'s' * (m != 1)} is within what chance moves."
        )
    elif c.rule_of_30:
        relation = (
            f"They disagree: the {m} net examples pass the rule of 30, but they are the balance "
            f"of {disagree} disagreements, and a net {m} out of {disagree} is within chance; "
            "the rule looks at the net count only."
        )
    else:
        relation = (
            f"They disagree: {max(c.a_only, c.b_only)} of the {disagree} disagreements favour "
            f"{better}, too lopsided for chance, but the rule of 30 looks at the net count only "
            "and wants 30: by the deck's standard, more test images should confirm it."
        )
    return deck, statistical, relation


def _p(p: float) -> str:
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def format_comparison(c: Comparison) -> str:
    """The text ``tfdojo compare`` prints."""
    width = max(len(c.a_name), len(c.b_name), 1)
    lines = [f"{c.n:,} test images, 95% Wilson intervals:"]
    for tag, name, acc, (lo, hi) in (
        ("A", c.a_name, c.a_accuracy, c.a_interval),
        ("B", c.b_name, c.b_accuracy, c.b_interval),
    ):
        lines.append(f"  {tag} {name:<{width}}  {acc:7.2%}  [{lo:.2%}, {hi:.2%}]")
    lines.append(
        f"right only by A: {c.a_only}   right only by B: {c.b_only}   "
        f"both right: {c.a_correct - c.a_only}   both wrong: {c.n - c.a_correct - c.b_only}"
    )
    lines += list(c.verdicts())
    return "\n".join(lines)


# --------------------------------------------------------------------------- runs


def compare_runs(
    run_a: str | os.PathLike,
    run_b: str | os.PathLike,
    data: str | os.PathLike | None = None,
    alpha: float = 0.05,
    model_classes: dict[str, type] | None = None,
) -> tuple[Comparison, dict[str, Any]]:
    """Score two finished runs on the same test images and compare them.

    Without ``data``, both runs must have been evaluated on the same test set (the
    same recorded dataset, or test sets with identical images and labels); with
    ``data``, both are scored on it. ``model_classes``: the classes of runs trained on a
    learner's own model, by name (``--model-code``).

    Returns:
        ``(comparison, context)``; the context has ``images``, ``labels``, ``proba_a``,
        ``proba_b`` and ``data`` (where the images came from) for reports.

    Raises:
        TfdojoError: a run folder is missing or unfinished, the runs used different test
            sets, or a model's outputs do not match the data; ``alpha`` outside
            [0.000001, 0.5].
    """
    stats.check_alpha(alpha, "--alpha")  # before the runs load

    classes = model_classes or {}
    a = open_run(run_a, model_class_for(run_a, classes))
    b = open_run(run_b, model_class_for(run_b, classes))
    if data is not None:
        images, labels, _ = load_labelled(data)
        source = Path(data)
    else:
        images, labels, source = a.test_set()
        b_images, b_labels, b_source = b.test_set()
        same = (
            images.shape == b_images.shape
            and np.array_equal(images, b_images)
            and np.array_equal(labels, b_labels)
        )
        if not same:
            raise TfdojoError(
                f"{a.path} and {b.path} were evaluated on different test sets ({source}: "
                f"{len(labels):,} images, {b_source}: {len(b_labels):,}); "
                "pass --data PATH to score both on the same images"
            )
    if len(labels) and int(labels.max()) >= len(LETTERS):
        raise TfdojoError(
            f"{a.path}: the model predicts {len(LETTERS)} classes but the test labels go up to "
            f"{int(labels.max())}; the run does not match this data"
        )
    proba_a, proba_b = a.predict_proba(images), b.predict_proba(images)
    comparison = compare_predictions(
        labels, proba_a, proba_b, alpha, names=(str(a.path), str(b.path))
    )
    context = {
        "images": images,
        "labels": labels,
        "proba_a": proba_a,
        "proba_b": proba_b,
        "data": source,
    }
    return comparison, context
