"""Lesson 3: regularisation (the course's assignment 3).

On lesson 2's network (1,024 ReLU units): L2 on the weights, overfitting on a few
batches (and what dropout does there), dropout, learning-rate decay, and all of them
together; every variant against lesson 2's network on the same test images.
"""

from __future__ import annotations

import time

from tfdojo.teaching.lessons import lesson2
from tfdojo.teaching.lessons.outputs import LessonResult
from tfdojo.teaching.lessons.tables import train_rows
from tfdojo.teaching.lessons.variants import Context, Variant, reuse_row, train_variant

NUMBER = 3
TITLE = "Regularisation: L2, overfitting, dropout, learning-rate decay"
FEW_BATCHES = 3  # the course's "restrict your training data to just a few batches"
L2 = "weight_decay=0.001"
DECAY = ["lr_schedule=exponential", "lr_decay=0.5", "lr_decay_epochs=2"]


def variants(ctx: Context) -> list[Variant]:
    epochs = 2 if ctx.quick else 5
    few = FEW_BATCHES * 128
    base = lesson2.MLP_SETS
    return [
        Variant("l2", "+ L2 (weight_decay 1e-3)", "mlp", [*base, L2], epochs, course="≈93%"),
        Variant(
            "overfit",
            f"overfit: {FEW_BATCHES} batches only",
            "mlp",
            base,
            10 if ctx.quick else 60,
            train_n=few,
        ),
        Variant(
            "overfit-dropout",
            f"{FEW_BATCHES} batches + dropout 0.5",
            "mlp",
            [*base, "dropout=0.5"],
            10 if ctx.quick else 60,
            train_n=few,
        ),
        Variant("dropout", "+ dropout 0.5", "mlp", [*base, "dropout=0.5"], epochs),
        Variant("decay", "+ lr decay (x0.5 / 2 epochs)", "mlp", [*base, *DECAY], epochs),
        Variant(
            "all",
            "+ L2 + dropout 0.3 + lr decay",
            "mlp",
            [*base, L2, "dropout=0.3", *DECAY],
            epochs + (0 if ctx.quick else 3),
            course="≈93%",
        ),
    ]


def reference(ctx: Context):
    """Lesson 2's network: its run when lesson 2 ran here on the same data, else trained now."""
    row = reuse_row(ctx, 2, key="mlp")
    if row is None:
        v = lesson2.variants(ctx)[-1]
        row = train_variant(ctx, v)
    row.label = "lesson 2's network"
    return row


def run(ctx: Context) -> LessonResult:
    start = time.perf_counter()
    rows = train_rows(ctx, variants(ctx), reference(ctx))
    over = [r for r in rows if r.key.startswith("overfit")]
    text = "\n".join(
        f"{r.label}: train accuracy {r.train_accuracy:.2%}, test {r.test_accuracy:.2%} "
        f"(gap {r.train_accuracy - r.test_accuracy:+.2%})"
        for r in over
    )
    notes = [
        (
            "Overfitting on a few batches",
            text + "\nWith so few images the network learns them by heart: training "
            "accuracy near 100%, test accuracy far below (compare the gap with dropout).",
        )
    ]
    return LessonResult(NUMBER, TITLE, rows, notes, [], time.perf_counter() - start)
