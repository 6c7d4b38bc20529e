"""Lesson 1: notMNIST and the logistic classifier (the course's assignment 1, the deck's lesson).

The data (images per letter, balance, what curation removed across splits), softmax and
cross-entropy, then ``logits = XW + b`` (7,850 parameters) trained on 50, 100, 1,000,
5,000 and then every training image: how much does more data buy, and is the last step
a significant gain?
"""

from __future__ import annotations

import time

from tfdojo import models
from tfdojo.data.dataset import LETTERS
from tfdojo.models import shapes
from tfdojo.results.plots import figure_png, sample_grid
from tfdojo.teaching.explain import explain_cross_entropy, explain_softmax
from tfdojo.teaching.lessons.data import epochs_for_steps
from tfdojo.teaching.lessons.outputs import LessonResult
from tfdojo.teaching.lessons.tables import train_rows
from tfdojo.teaching.lessons.variants import Context, Variant

NUMBER = 1
TITLE = "notMNIST and the logistic classifier"
SIZES = (50, 100, 1000, 5000)
QUICK_SIZES = (50, 100, 500)  # then all: the quick lesson's 5,000
FEW = 100  # at most this many images: which ones are drawn matters, so 3 draws


def data_summary(data) -> str:
    """Images per letter in each split, their balance, and what curation removed."""

    lines = ["split   " + "".join(f"{c:>7}" for c in LETTERS) + "    total  balance (min/max)"]
    for name in ("train", "valid", "test"):
        counts = data.split(name).class_counts()
        balance = min(counts) / max(counts) if max(counts) else 0.0
        lines.append(
            f"{name:<8}"
            + "".join(f"{c:>7,}" for c in counts)
            + f"  {sum(counts):>7,}  {balance:.3f}"
        )
    cur = data.manifest.get("curation", {})
    near = cur.get("near_duplicates_removed", {})
    fams = cur.get("families_per_split", {})
    lines += [
        "",
        "duplicates found by curation (manifest.json):",
        f"  exact duplicates removed:             {cur.get('exact_duplicates', 0):,}",
        "  near-duplicates of a training image removed from valid/test (RMS < "
        f"{cur.get('near_duplicate_rms', '?')}/255): "
        + ", ".join(f"{k} {v:,}" for k, v in near.items()),
        "  font families per split (a family never spans two splits): "
        + ", ".join(f"{k} {v:,}" for k, v in fams.items()),
        "so no test image is a copy, or a near-copy, of a training image.",
    ]
    return "\n".join(lines)


def variants(ctx: Context) -> list[Variant]:
    """Logistic regression on 50, 100, 1,000, 5,000 images (quick: 50, 100, 500), then all
    of them; the smallest subsets are drawn three times (one draw can be lucky)."""
    n_all = len(ctx.data.train)
    steps, cap = (30, 30) if ctx.quick else (300, 200)
    out = [
        Variant(
            key=f"logistic-{n}",
            label=f"logistic, {n:,} images",
            model="logistic",
            epochs=epochs_for_steps(min(n, n_all), 128, steps, cap),
            train_n=n,
            draws=3 if n <= FEW else 1,
        )
        for n in (QUICK_SIZES if ctx.quick else SIZES)
        if n < n_all
    ]
    out.append(
        Variant(
            key="logistic-all",
            label=f"logistic, all {n_all:,} images",
            model="logistic",
            epochs=epochs_for_steps(n_all, 128, 30, 30) if ctx.quick else 10,
            course="82.9–86.1% (GD/SGD, 200k)",
        )
    )
    return out


def run(ctx: Context) -> LessonResult:
    """Run the lesson: notes, the five trainings, each compared with the one before."""

    start = time.perf_counter()
    notes = [
        ("The data", data_summary(ctx.data)),
        ("Softmax", explain_softmax()),
        ("Cross-entropy", explain_cross_entropy(right=2)),
        (
            "The logistic classifier: logits = XW + b",
            shapes.format_table(models.get("logistic").model),
        ),
    ]
    figures = [("A sample of the training images", figure_png(sample_grid(ctx.data)))]
    rows = train_rows(ctx, variants(ctx))
    last = rows[-1]
    step = f"{rows[-2].train_n:,} images -> all {last.train_n:,}"
    notes.append((f"Is the last step ({step}) a real gain?", last.versus_detail))
    return LessonResult(NUMBER, TITLE, rows, notes, figures, time.perf_counter() - start)
