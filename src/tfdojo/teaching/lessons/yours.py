"""Your model in a lesson: trained as one of tfdojo's variants was, and compared with it.

A lesson notebook has the learner write a model class (its katas: ``Logistic``, ``MLP``,
``DropoutMLP``, ``ConvNet``). :func:`train_yours` trains that class through tfdojo as one
of the lesson's variants (its preset's training settings, its overrides, images, epochs
and seed; the initial weights are your class's own) into a run folder with its report, and
returns its :class:`Row` for the table; :func:`against` compares it with the preset's row on
the same test images, and says what differs when the starts do (:mod:`.starts`)::

    like = lesson1.variants(ctx)[-1]                 # tfdojo's logistic, all images
    yours = lessons.train_yours(ctx, Logistic, "01-notmnist-logistic.ipynb", like)
    if yours:                                        # None while Logistic has a TODO
        print(lessons.against(ctx, rows[-1], yours))
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tfdojo import models
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.results.compare import compare_predictions, verdicts
from tfdojo.results.output import REPORT_DIR, REPORT_NAME
from tfdojo.teaching.lessons.starts import Starts, compare_starts, from_tfdojo_start
from tfdojo.teaching.lessons.variants import Context, Row, Variant, train_variant


def your_variant(like: Variant, model_class: type, notebook: str, label: str = "") -> Variant:
    """``like`` with ``model_class`` in place of its preset: the same training, your model.

    The preset's training settings and ``like``'s overrides are kept (its ``model.*``
    settings describe tfdojo's architecture, and are dropped); the run records
    ``NOTEBOOK:ClassName`` as its model's source.
    """

    preset = models.get(like.model)
    settings = [f"{key}={value}" for key, value in preset.train.items()]
    overrides = [s for s in like.sets if not s.startswith("model.")]
    return dataclasses.replace(
        like,
        key=f"yours-{like.key}",
        label=label or f"your {model_class.__name__} ({like.label})",
        model=f"{notebook}:{model_class.__name__}",
        sets=[*settings, *overrides],
        course="",
        model_class=model_class,
    )


def has_todo(model_class: type) -> bool:
    """Whether ``model_class(seed=0)`` still stops at a TODO when built and called on 2 images.

    Any other error is left for the training to report, at the learner's line.
    """

    tf = configure_tensorflow()
    try:
        model_class(seed=0)(tf.zeros([2, 28, 28]))
    except NotImplementedError:
        return True
    except Exception:  # noqa: BLE001 - the learner's code may raise anything
        return False
    return False


def train_yours(
    ctx: Context, model_class: type, notebook: str, like: Variant, label: str = ""
) -> Row | None:
    """Train ``model_class`` as variant ``like`` was trained (:func:`your_variant`).

    Returns:
        Its row (run folder ``ctx.out/runs/yours-<key>``, with its report), or ``None``
        while the class still raises ``NotImplementedError`` (a learner notebook's TODO).
    """
    if has_todo(model_class):
        ctx.log(
            f"  your {model_class.__name__} is not trained yet: it still has a TODO. "
            "Write it, check it, then run this cell again."
        )
        return None
    return train_variant(ctx, your_variant(like, model_class, notebook, label))


def against(ctx: Context, preset: Row, yours: Row, alpha: float = 0.05) -> str:
    """Your model's row against the preset's on the same test images: the rule of 30 and
    the exact McNemar test, in sentences; then what differs between the two runs.

    The two runs share their images, epochs, learning rate, batches and seed; their initial
    weights are each class's own (:mod:`.starts`). When those differ, a sentence says how
    (measured); when the rule of 30 or the test calls the difference real, your class is trained
    again from tfdojo's initial weights and compared, like for like, with tfdojo's model.
    """

    names = (f"tfdojo's {preset.model}", f"your {yours.model.rpartition(':')[2]}")
    c = compare_predictions(
        ctx.data.test.labels, preset.predictions, yours.predictions, alpha, names=names
    )
    head = (
        f"test accuracy on the same {c.n:,} images: {names[1]} {yours.test_accuracy:.2%}, "
        f"{names[0]} {preset.test_accuracy:.2%} ({preset.label})"
    )
    lines = [head, *verdicts(c)]
    v = yours.variant
    if v is None or v.model_class is None or preset.trained is None:
        return "\n".join(lines)
    starts = compare_starts(preset.trained.cfg, preset.seed, v.model_class, yours.seed)
    real = c.significant or c.rule_of_30  # a verdict calls the difference real
    if starts.pairs is None and real:
        lines.append(
            f"Your {v.model_class.__name__}'s variables do not pair one to one, by shape, with "
            f"tfdojo's {preset.model}'s: its initial weights and its layers may both differ "
            "from tfdojo's, and tfdojo cannot start yours from its own weights to tell which."
        )
    elif starts.differ:
        lines.append(starts.sentence())
        if real:
            lines += _like_for_like(ctx, preset, v, starts, alpha)
    return "\n".join(lines)


def _like_for_like(ctx: Context, preset: Row, v: Variant, starts: Starts, alpha: float):
    """Your class trained again from tfdojo's initial weights, compared with tfdojo's model."""

    name = v.model_class.__name__
    again = dataclasses.replace(
        v,
        key=f"{v.key}-tfdojo-start",
        label=f"your {name} from tfdojo's initial weights",
        model_class=from_tfdojo_start(v.model_class, starts.initial),
        draws=1,
    )
    row = train_variant(ctx, again)
    names = (f"tfdojo's {preset.model}", f"your {name} from tfdojo's start")
    c = compare_predictions(
        ctx.data.test.labels, preset.predictions, row.predictions, alpha, names=names
    )
    then = (
        "So the start does not explain it all: look for another difference in your code."
        if c.significant
        else "So the difference above is the initial weights', not your code's."
    )
    return [
        f"Like for like, {names[1]} (the same run otherwise): {row.test_accuracy:.2%}, "
        f"{names[0]} {preset.test_accuracy:.2%}. {verdicts(c)[1]} {then}"
    ]


def report_path(ctx: Context, row: Row) -> Path:
    """The HTML report of ``row``'s run (written when its training ended)."""

    return ctx.out / row.run / REPORT_DIR / REPORT_NAME
