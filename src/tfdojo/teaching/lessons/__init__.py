"""The dojo's four lessons, each runnable end to end (``tfdojo lesson N``) or from a notebook.

::

    from tfdojo.teaching import lessons
    result = lessons.run_lesson(1, quick=True)   # trains, writes runs/lessons/lesson1/
    print(result.table())

Each lesson module has ``NUMBER``, ``TITLE``, ``variants(ctx)`` (what it trains) and
``run(ctx) -> LessonResult``; :mod:`tfdojo.teaching.lessons.common` holds what they share, and
:mod:`tfdojo.teaching.lessons.yours` trains a notebook learner's own model next to tfdojo's.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from tfdojo.core.errors import TfdojoError
from tfdojo.teaching.lessons.data import load_data, subsample
from tfdojo.teaching.lessons.outputs import LessonResult, show, write_outputs
from tfdojo.teaching.lessons.real import RealSet, load_real
from tfdojo.teaching.lessons.tables import format_table, markdown_table, versus
from tfdojo.teaching.lessons.variants import Context, Row, Variant, train_variant
from tfdojo.teaching.lessons.yours import against, report_path, train_yours, your_variant

__all__ = [
    "NUMBERS",
    "Context",
    "LessonResult",
    "RealSet",
    "Row",
    "Variant",
    "against",
    "format_table",
    "lesson_module",
    "load_data",
    "load_real",
    "markdown_table",
    "notebooks_dir",
    "report_path",
    "run_lesson",
    "show",
    "subsample",
    "train_variant",
    "train_yours",
    "versus",
    "your_variant",
]

NUMBERS = (1, 2, 3, 4)
DEFAULT_OUT = Path("runs") / "lessons"


def lesson_module(number: int | str):
    """The module of lesson ``number``.

    Raises:
        TfdojoError: not one of 1..4 (the message lists them).
    """
    try:
        n = int(number)
    except (TypeError, ValueError):
        n = 0
    if n not in NUMBERS or str(number).strip() != str(n):
        raise TfdojoError(
            f"lesson: expected one of {', '.join(map(str, NUMBERS))}, received {number!r}"
        )
    return importlib.import_module(f"tfdojo.teaching.lessons.lesson{n}")


def run_lesson(
    number: int,
    data: str | Path | None = None,
    out: str | Path | None = None,
    quick: bool = False,
    log=print,
    threads: int | None = None,
    real: str | Path | None = None,
    real_labels: str | Path | None = None,
) -> LessonResult:
    """Run lesson ``number`` end to end and write its outputs into ``out/lesson<N>/``.

    Args:
        number: 1..4.
        data: a dataset folder (default: the cache's, from ``tfdojo data build``).
        out: the lessons' folder (default ``runs/lessons``); lessons 3 and 4 reuse the
            runs of the lessons before them found there (same data and mode).
        quick: a small version: at most 5,000 training images and 1-2 epochs.
        log: where progress lines go.
        threads: TensorFlow's threads (default: ``--threads``, every core).
        real: labelled images every row is also scored on (``--real``): anything
            ``tfdojo evaluate --data`` reads, e.g. a download of the real notMNIST.
        real_labels: their IDX labels file, when MNIST naming does not find it.

    Returns:
        The result; ``result.out`` is the summary page ``index.html``.
    """
    module = lesson_module(number)
    root = Path(out) if out is not None else DEFAULT_OUT
    real_set = load_real(real, real_labels) if real is not None else None
    ctx = Context(
        data=load_data(data, quick=quick),
        out=root / f"lesson{module.NUMBER}",
        quick=quick,
        log=log,
        root=root,
        threads=threads,
        real=real_set,
    )
    start = time.perf_counter()
    log(f"Lesson {module.NUMBER}: {module.TITLE} ({'quick' if quick else 'full'})\n")
    result = module.run(ctx)
    result.seconds = time.perf_counter() - start
    result.quick = quick
    result.real = real_set.note() if real_set is not None else ""
    result.out = write_outputs(ctx, result)
    return result


def notebooks_dir() -> Path | None:
    """The ``lessons/`` folder of notebooks next to the source tree, if this is a checkout."""
    folder = Path(__file__).resolve().parents[4] / "lessons"  # src/tfdojo/teaching/lessons/
    return folder if folder.is_dir() else None
