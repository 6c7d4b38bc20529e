"""Lesson 4: convolutions (the course's assignment 4, the deck's stride/depth/padding table).

The deck's table of output sizes, the course's reference convnet (two 5x5 stride-2
convolutions of depth 16), the same with stride 1 and 2x2 max-pooling instead, and a
LeNet-style best model; each against the best model of the earlier lessons.
"""

from __future__ import annotations

import time

from tfdojo.models.shapes import format_table
from tfdojo.teaching.deck import deck_table
from tfdojo.teaching.lessons import lesson3
from tfdojo.teaching.lessons.outputs import LessonResult
from tfdojo.teaching.lessons.tables import train_rows
from tfdojo.teaching.lessons.variants import Context, Variant, reuse_row, train_variant
from tfdojo.training.train import make_config

NUMBER = 4
TITLE = "Convolutions: strides, pooling, a LeNet-style model"
POOLED = [
    "model.conv_strides=1",
    "model.pools=2",
]


def variants(ctx: Context) -> list[Variant]:
    q = ctx.quick
    return [
        Variant(
            "cnn-course",
            "course convnet: 5x5 stride 2, depth 16",
            "cnn_course",
            [],
            1 if q else 10,
            course="90–96%",
        ),
        Variant(
            "cnn-course-pool",
            "same, stride 1 + 2x2 max-pool",
            "cnn_course",
            POOLED,
            1 if q else 8,
            course="90–96%",
        ),
        Variant(
            "lenet5",
            "LeNet-5 (6, 16; 120, 84)",
            "lenet5",
            [],
            1 if q else 10,
            course="≈98% (tuned)",
        ),
        Variant(
            "cnn",
            "best: 3x3 convs 16, 32 + pools, dropout",
            "cnn",
            [],
            1 if q else 3,
            course="≈98% (tuned)",
        ),
    ]


def reference(ctx: Context):
    """The best earlier model by validation accuracy: lesson 3's runs here, else its last recipe."""
    row = reuse_row(ctx, 3)
    if row is None:
        row = train_variant(ctx, lesson3.variants(ctx)[-1])
    row.label = f"best earlier: {row.label.lstrip('+ ')}"
    return row


def run(ctx: Context) -> LessonResult:

    start = time.perf_counter()
    notes = [
        ("The deck's table: stride, depth, padding", deck_table()),
        ("The course's convnet", format_table(make_config("cnn_course").model)),
        (
            "With max-pooling instead of strides",
            format_table(make_config("cnn_course", sets=POOLED).model),
        ),
    ]
    rows = train_rows(ctx, variants(ctx), reference(ctx))
    return LessonResult(NUMBER, TITLE, rows, notes, [], time.perf_counter() - start)
