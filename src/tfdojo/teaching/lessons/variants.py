"""Training a lesson's variants: one run folder and one results row each.

A lesson trains a few *variants* (a model and its settings, on some training images),
each into its own run folder (``tfdojo train``'s outputs and report), and collects one
:class:`Row` per variant, from what the run returns (:class:`tfdojo.training.loop.FitResult`:
its test set is predicted once). A row of an earlier lesson is reused from its folder.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import runs
from tfdojo.core.atomic import ensure_dir
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import read_json
from tfdojo.core.safe_write import Output, inside, is_marked, mark, prepare
from tfdojo.core.text import plural
from tfdojo.core.tf_setup import quiet_tensorflow
from tfdojo.data.dataset import Dataset
from tfdojo.results.report import WriteReport
from tfdojo.teaching.lessons.data import subsample
from tfdojo.teaching.lessons.real import RealSet, real_score
from tfdojo.training.train import make_config, train


@dataclasses.dataclass
class Context:
    """One lesson run: its data, its output folder, quick or full, where to print."""

    data: Dataset
    out: Path
    quick: bool = False
    log: Callable[[str], None] = print
    root: Path | None = None  # the folder of every lesson (to reuse earlier lessons' runs)
    threads: int | None = None  # TensorFlow's threads (None: every core)
    real: RealSet | None = None  # images every row is also scored on (--real)


LESSON = Output(
    "lesson",
    "a lesson folder",
    names=frozenset({"runs", "results.json", "results.md", "index.html"}),
)
"""``OUT/lessonN``: its ``.tfdojo`` marker, or (written before markers) only a lesson's files."""


def lesson_folder(ctx: Context) -> Path:
    """``ctx.out`` made ready: new or empty (then marked as a lesson's), or a lesson folder
    tfdojo wrote, which each run of the lesson updates; never another folder, nor a link.

    Raises:
        TfdojoError: ``ctx.out`` holds something else.
    """
    out = prepare(ctx.out, LESSON, overwrite=True)
    if not is_marked(out, LESSON.kind):
        mark(ensure_dir(out), LESSON.kind)
    return out


@dataclasses.dataclass
class Variant:
    """One thing to train: a preset model with ``--set`` overrides, on ``train_n`` images."""

    key: str  # run folder name, e.g. "logistic-1000"
    label: str  # shown in the table
    model: str
    sets: list[str] = dataclasses.field(default_factory=list)
    epochs: int = 1
    train_n: int | None = None  # None: every training image
    course: str = ""  # the course's published result, "" when it has none
    model_class: type | None = None  # the learner's own class; then model is "FILE:NAME"
    draws: int = 1  # subsets of train_n images drawn and trained; the median one is shown


@dataclasses.dataclass
class Row:
    """One line of a lesson's results table."""

    key: str
    label: str
    model: str
    params: int
    train_n: int
    epochs: int
    train_accuracy: float
    valid_accuracy: float
    test_accuracy: float
    test_ci95: tuple[float, float]
    seconds: float
    run: str
    course: str = ""
    versus: str = ""  # vs the reference: net examples moved and McNemar p
    versus_detail: str = ""  # the full verdict sentences
    real_accuracy: float | None = None  # on ctx.real, when given
    real_ci95: tuple[float, float] | None = None
    predictions: np.ndarray | None = dataclasses.field(default=None, repr=False)
    trained: Any = dataclasses.field(default=None, repr=False)  # the trained model
    variant: Variant | None = dataclasses.field(default=None, repr=False)  # what was trained
    seed: int = dataclasses.field(default=0, repr=False)  # its config's seed

    def to_dict(self) -> dict[str, Any]:
        """The row as ``results.json`` keeps it (without the predictions, the model, the
        variant and the seed)."""
        d = {k: v for k, v in vars(self).items() if k not in NOT_SAVED}
        return json.loads(json.dumps(d))


NOT_SAVED = ("predictions", "trained", "variant", "seed")


def train_variant(ctx: Context, v: Variant) -> Row:
    """Train ``v`` into ``ctx.out/runs/<key>`` (replacing it); score it on the test split.

    The batch size is cut to the training set's size when that is smaller. With
    ``v.draws > 1`` (a few images: which ones you draw matters), each draw trains into
    ``<key>-draw<i>`` and the row is the median draw's, its label giving the range.
    """
    if v.draws > 1:
        rows = [
            _train_one(
                ctx,
                dataclasses.replace(
                    v,
                    key=f"{v.key}-draw{d}",
                    draws=1,
                    label=f"{v.label}, draw {d + 1} of {v.draws}",
                ),
                seed=d,
            )
            for d in range(v.draws)
        ]
        rows.sort(key=lambda r: r.test_accuracy)
        median = rows[len(rows) // 2]
        median.label = (
            f"{v.label} (median of {v.draws} draws: "
            f"{rows[0].test_accuracy:.1%}–{rows[-1].test_accuracy:.1%})"
        )
        return median
    return _train_one(ctx, v)


def progress_words(label: str, model: str, n: int, epochs: int) -> list[str]:
    """What the progress line adds to ``label``: the model, the images (each unless the label
    names it already) and the epochs, without repeating the label."""
    said = label.replace("all ", "")
    parts = [] if model in said else [model]
    if plural(n, "image") not in said:
        parts.append(plural(n, "image"))
    return [*parts, plural(epochs, "epoch")]


def _train_one(ctx: Context, v: Variant, seed: int = 0) -> Row:
    data = ctx.data
    if v.train_n is not None and v.train_n < len(data.train):
        data = dataclasses.replace(data, train=subsample(data.train, v.train_n, seed))
    n = len(data.train)
    cfg = make_config(v.model, sets=[*v.sets, f"epochs={v.epochs}"])
    if cfg.batch_size > n:
        cfg = make_config(v.model, sets=[*v.sets, f"epochs={v.epochs}", f"batch_size={n}"])
    run_dir = inside(lesson_folder(ctx), "runs", v.key)
    runs.prepare(run_dir, overwrite=True)
    words = progress_words(v.label, v.model, n, cfg.epochs)
    ctx.log(f"  training {v.label}: {', '.join(words)} ...")
    start = time.perf_counter()
    with quiet_tensorflow():  # one model after another: TensorFlow's "retracing" warnings
        result = train(
            cfg,
            data,
            run_dir,
            progress=False,
            threads=ctx.threads,
            model_class=v.model_class,
            # The learner's own run gets its report; a variant's is drawn when asked for
            # (`tfdojo report RUN`): six figures a variant were 70% of lesson 1's time.
            callbacks=[WriteReport()] if v.model_class is not None else [],
            checkpoints=False,  # trained afresh each time: nothing to resume
        )
        seconds = time.perf_counter() - start
        real_accuracy, real_ci95 = real_score(ctx.real, result.model)
    metrics, history = result.metrics, result.history
    row = Row(
        key=v.key,
        label=v.label,
        model=v.model,
        params=int(metrics["params"]),
        train_n=n,
        epochs=int(metrics["epochs"]),
        train_accuracy=float(history[-1]["train_accuracy"]) if history else float("nan"),
        valid_accuracy=float(metrics["valid_accuracy"]),
        test_accuracy=float(metrics["test_accuracy"]),
        test_ci95=(float(metrics["test_ci95"][0]), float(metrics["test_ci95"][1])),
        seconds=seconds,
        run=str(run_dir.relative_to(ctx.out)),
        course=v.course,
        real_accuracy=real_accuracy,
        real_ci95=real_ci95,
        predictions=result.test_predictions,
        trained=result.model,
        variant=v,
        seed=cfg.seed,
    )
    real = f", real {row.real_accuracy:.2%}" if row.real_accuracy is not None else ""
    ctx.log(
        f"    test {row.test_accuracy:.2%}{real}, valid {row.valid_accuracy:.2%}, "
        f"train {row.train_accuracy:.2%} ({seconds:.0f} s)"
    )
    return row


RESULTS_MAX_BYTES = 16 << 20
"""Largest ``results.json`` of an earlier lesson read (a lesson writes a few KB)."""


def _reusable(row) -> bool:
    """Whether a saved row has what reusing it needs: its run folder's name and its
    validation accuracy."""
    valid = row.get("valid_accuracy") if isinstance(row, dict) else None
    run = row.get("run") if isinstance(row, dict) else None
    return isinstance(run, str) and isinstance(valid, int | float) and not isinstance(valid, bool)


def reuse_row(ctx: Context, lesson: int, key: str | None = None) -> Row | None:
    """A row of an earlier lesson's results in the same root folder, if it fits this run.

    It fits when that lesson ran on the same dataset in the same mode (quick or full)
    and its run folder still holds a model. ``key=None`` picks the row with the best
    validation accuracy (never the test accuracy: that would pick by the test set).
    """
    if ctx.root is None:
        return None
    folder = ctx.root / f"lesson{lesson}"
    try:
        saved = read_json(folder / "results.json", RESULTS_MAX_BYTES, "a lesson's results")
    except TfdojoError:  # none, or not a regular file of JSON: the row is trained again
        return None
    if saved.get("data") != str(ctx.data.path) or saved.get("quick") != ctx.quick:
        return None
    rows = saved.get("rows", [])
    if not isinstance(rows, list) or not all(_reusable(r) for r in rows):
        return None
    if key is not None:
        rows = [r for r in rows if r.get("key") == key]
    if not rows:
        return None
    best = max(rows, key=lambda r: r["valid_accuracy"])
    run_dir = folder / best["run"]
    try:
        model = runs.load_model(run_dir)
    except TfdojoError:
        return None
    fields = {f.name for f in dataclasses.fields(Row)}
    row = Row(**{k: v for k, v in best.items() if k in fields - set(NOT_SAVED)})
    row.trained = model
    row.test_ci95 = tuple(row.test_ci95)
    row.run = str(Path("..") / f"lesson{lesson}" / best["run"])
    with quiet_tensorflow():
        row.predictions = model.predict(ctx.data.test.images)
        row.real_accuracy, row.real_ci95 = real_score(ctx.real, model)
    row.versus = row.versus_detail = ""
    ctx.log(f"  reusing lesson {lesson}'s {row.label} from {run_dir}")
    return row
