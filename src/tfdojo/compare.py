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
import json
import os
from pathlib import Path
from typing import Any

from tfdojo import stats
from tfdojo.errors import TfdojoError


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
        TfdojoError: the predictions do not cover the same ``N`` images as the labels.
    """
    import numpy as np

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


def load_test_images(path: str | os.PathLike):
    """Labelled test images from ``path``: a dataset folder's test split, or anything
    :func:`tfdojo.data.importer.load_images` reads (notMNIST tarball/folder, IDX files).

    Returns:
        ``(images uint8 (N, 28, 28), labels uint8 (N,))``.
    """
    from tfdojo.data.importer import load_labelled

    images, labels, _source = load_labelled(path)
    return images, labels


def run_test_set(run_dir: str | os.PathLike):
    """The test images a run was evaluated on: the test split of the dataset it recorded."""
    from tfdojo.data import dataset

    run_dir = Path(run_dir)
    data = run_data_path(run_dir)
    split = dataset.load(data).test
    return split.images, split.labels, data


def read_json(path: Path) -> dict[str, Any]:
    """A run file as a dict; a clear error when it is missing or malformed."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TfdojoError(
            f"{path}: missing; expected a finished run folder made by `tfdojo train`"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TfdojoError(f"{path}: not valid JSON ({exc})") from None


def check_run(run_dir: str | os.PathLike) -> Path:
    """``run_dir`` as a Path if it looks like a finished run folder; a clear error otherwise."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise TfdojoError(
            f"{run_dir}: no such run folder; expected a folder made by `tfdojo train`"
        )
    for name in ("config.json", "metrics.json"):
        if not (run_dir / name).is_file():
            raise TfdojoError(
                f"{run_dir}: no {name}; expected a finished run folder made by `tfdojo train`"
            )
    return run_dir


def run_data_path(run_dir: Path) -> Path:
    """The dataset folder a run was tested on: ``data`` in ``RUN/metrics.json``.

    Raises:
        TfdojoError: the run does not record its dataset (pass ``--data``).
    """
    from tfdojo.data import dataset

    value = read_json(run_dir / "metrics.json").get("data")
    if not isinstance(value, str) or not value:
        raise TfdojoError(
            f"{run_dir}/metrics.json: records no dataset path; pass --data PATH "
            "to choose the test images"
        )
    return dataset.resolve(value)


def predict_proba(run_dir: Path, images):
    """Class probabilities (N, 10) of the run's saved model on ``images``."""
    import numpy as np

    from tfdojo.runs import load_model

    proba = np.asarray(load_model(run_dir).predict_proba(images))
    if proba.ndim != 2 or proba.shape[0] != len(images):
        raise TfdojoError(
            f"{run_dir}: the model returned shape {proba.shape} for {len(images)} images; "
            f"expected ({len(images)}, 10)"
        )
    return proba


def _check_labels(name: str, labels, classes: int) -> None:
    if len(labels) and int(labels.max()) >= classes:
        raise TfdojoError(
            f"{name}: the model predicts {classes} classes but the test labels go up to "
            f"{int(labels.max())}; the run does not match this data"
        )


def compare_runs(
    run_a: str | os.PathLike,
    run_b: str | os.PathLike,
    data: str | os.PathLike | None = None,
    alpha: float = 0.05,
) -> tuple[Comparison, dict[str, Any]]:
    """Score two finished runs on the same test images and compare them.

    Without ``data``, both runs must have been evaluated on the same test set (the
    same recorded dataset, or test sets with identical images and labels); with
    ``data``, both are scored on it.

    Returns:
        ``(comparison, context)``; the context has ``images``, ``labels``, ``proba_a``,
        ``proba_b`` and ``data`` (where the images came from) for reports.

    Raises:
        TfdojoError: a run folder is missing or unfinished, the runs used different test
            sets, or a model's outputs do not match the data.
    """
    import numpy as np

    a, b = check_run(run_a), check_run(run_b)
    if data is not None:
        images, labels = load_test_images(data)
        source = Path(data)
    else:
        images, labels, source = run_test_set(a)
        b_images, b_labels, b_source = run_test_set(b)
        same = (
            images.shape == b_images.shape
            and np.array_equal(images, b_images)
            and np.array_equal(labels, b_labels)
        )
        if not same:
            raise TfdojoError(
                f"{a} and {b} were evaluated on different test sets ({source}: "
                f"{len(labels):,} images, {b_source}: {len(b_labels):,}); "
                "pass --data PATH to score both on the same images"
            )
        for run in (a, b):
            test_n = read_json(run / "metrics.json").get("test_n")
            if test_n is not None and int(test_n) != len(labels):
                raise TfdojoError(
                    f"{run}/metrics.json: test_n={test_n} but {source} now has "
                    f"{len(labels):,} test images (the dataset changed since this run); "
                    "pass --data PATH to compare on it anyway"
                )
    proba_a = predict_proba(a, images)
    proba_b = predict_proba(b, images)
    if proba_a.shape[1] != proba_b.shape[1]:
        raise TfdojoError(
            f"{a} predicts {proba_a.shape[1]} classes but {b} predicts {proba_b.shape[1]}; "
            "their label sets differ"
        )
    _check_labels(str(a), labels, proba_a.shape[1])
    comparison = compare_predictions(labels, proba_a, proba_b, alpha, names=(str(a), str(b)))
    context = {
        "images": images,
        "labels": labels,
        "proba_a": proba_a,
        "proba_b": proba_b,
        "data": source,
    }
    return comparison, context
