"""What every lesson shares: its data, training one variant, the results table, the outputs.

A lesson trains a few *variants* (a model and its settings, on some training images),
each into its own run folder (``tfdojo train``'s outputs and report), and collects one
:class:`Row` per variant. Rows compare themselves with a reference variant on the same
test images (exact McNemar, rule of 30, :mod:`tfdojo.results.compare`), and sit next to the
result the Udacity course published on the *real* notMNIST test set, a different test
set, so only the order of magnitude compares. Given real images (:class:`RealSet`,
``tfdojo lesson N --real PATH``), every row is also scored on them.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo.core.atomic import ensure_dir, write_json, write_text
from tfdojo.core.errors import TfdojoError
from tfdojo.core.text import aligned
from tfdojo.data.dataset import Dataset, Split

# Training images a --quick lesson keeps at most (and evaluation uses every image).
QUICK_TRAIN = 5000
QUICK_NOTE = (
    f"a quick lesson: at most {QUICK_TRAIN:,} training images and a few epochs, so its "
    "numbers are lower than the full lesson's (run it without --quick)"
)
VERSUS_NOTE = (
    "vs reference: test images the variant gets right net of those it loses against the "
    "lesson's reference (its first row; lessons 1 and 2: the row above), and the exact "
    "McNemar p-value"
)
REAL_NOTE = (
    "real: accuracy on {source} ({n:,} labelled images that no font on this machine drew), "
    "beside the test split's (fonts of families the training never saw)"
)
COURSE_NOTE = (
    "course: accuracy the Udacity Deep Learning course published on the real notMNIST "
    "test set (measured on a different test set: compare orders of magnitude, not digits)"
)


@dataclasses.dataclass
class RealSet:
    """Labelled images from elsewhere (a download of the real notMNIST, say) that every row
    is also scored on: ``images`` uint8 (N, 28, 28), ``labels`` (N,) 0..9, ``source``."""

    images: np.ndarray
    labels: np.ndarray
    source: str

    def note(self) -> str:
        """The table's footnote naming these images."""
        return REAL_NOTE.format(source=self.source, n=len(self.labels))


def load_real(path: str | Path, labels: str | Path | None = None) -> RealSet:
    """Any labelled set ``tfdojo evaluate --data PATH [--labels FILE]`` reads, as a RealSet.

    Raises:
        TfdojoError: not readable as labelled images (the message names the path).
    """
    from tfdojo.data.importer import load_labelled

    images, y, source = load_labelled(path, labels)
    return RealSet(images, y, source)


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

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("predictions")
        return d


def load_data(path: str | Path | None = None, quick: bool = False, seed: int = 0) -> Dataset:
    """The lesson's dataset; ``quick`` keeps at most :data:`QUICK_TRAIN` training images.

    Raises:
        TfdojoError: no dataset (the message says to run ``tfdojo data build``).
    """
    from tfdojo.data import dataset

    data = dataset.load(path)
    if quick and len(data.train) > QUICK_TRAIN:
        data = dataclasses.replace(data, train=subsample(data.train, QUICK_TRAIN, seed))
    return data


def subsample(split: Split, n: int, seed: int = 0) -> Split:
    """``n`` images of ``split``, as balanced across the ten letters as it allows.

    Draws ``n // 10`` per letter (letters with fewer give what they have), then fills
    up at random; the order is shuffled. ``n >= len(split)`` returns the whole split.
    """
    if n >= len(split):
        return split
    rng = np.random.default_rng([seed, n])
    per_class = n // 10
    picked = []
    for c in range(10):
        members = np.flatnonzero(split.labels == c)
        picked.append(rng.choice(members, size=min(per_class, len(members)), replace=False))
    chosen = np.concatenate(picked)
    rest = np.setdiff1d(np.arange(len(split)), chosen)
    chosen = np.concatenate([chosen, rng.choice(rest, size=n - len(chosen), replace=False)])
    chosen = rng.permutation(chosen)
    return Split(split.images[chosen], split.labels[chosen], split.font_ids[chosen])


def epochs_for_steps(n: int, batch_size: int, steps: int, cap: int = 200) -> int:
    """Epochs that give about ``steps`` training steps on ``n`` images (1..cap)."""
    per_epoch = max(n // min(batch_size, n), 1)
    return int(min(max(math.ceil(steps / per_epoch), 1), cap))


def train_variant(ctx: Context, v: Variant) -> Row:
    """Train ``v`` into ``ctx.out/runs/<key>`` (replacing it); score it on the test split.

    The batch size is cut to the training set's size when that is smaller. With
    ``v.draws > 1`` (a few images: which ones you draw matters), each draw trains into
    ``<key>-draw<i>`` and the row is the median draw's, its label giving the range.
    """
    if v.draws > 1:
        rows = [
            _train_one(ctx, dataclasses.replace(v, key=f"{v.key}-draw{d}", draws=1), seed=d)
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


def _train_one(ctx: Context, v: Variant, seed: int = 0) -> Row:
    from tfdojo import runs
    from tfdojo.training.run import make_config, train

    data = ctx.data
    if v.train_n is not None and v.train_n < len(data.train):
        data = dataclasses.replace(data, train=subsample(data.train, v.train_n, seed))
    n = len(data.train)
    cfg = make_config(v.model, sets=[*v.sets, f"epochs={v.epochs}"])
    if cfg.batch_size > n:
        cfg = make_config(v.model, sets=[*v.sets, f"epochs={v.epochs}", f"batch_size={n}"])
    run_dir = ctx.out / "runs" / v.key
    runs.prepare(run_dir, overwrite=True)
    ctx.log(f"  training {v.label}: {v.model}, {n:,} images, {cfg.epochs} epochs ...")
    start = time.perf_counter()
    from tfdojo.core.tf_setup import quiet_tensorflow

    with quiet_tensorflow():  # one model after another: TensorFlow's "retracing" warnings
        metrics = train(
            cfg, data, run_dir, progress=False, threads=ctx.threads, model_class=v.model_class
        )
        seconds = time.perf_counter() - start
        model = runs.load_model(run_dir, v.model_class)
        predictions = model.predict(ctx.data.test.images)
        real_accuracy, real_ci95 = real_score(ctx, model)
    history = runs.read_history(run_dir)
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
        predictions=predictions,
    )
    real = f", real {row.real_accuracy:.2%}" if row.real_accuracy is not None else ""
    ctx.log(
        f"    test {row.test_accuracy:.2%}{real}, valid {row.valid_accuracy:.2%}, "
        f"train {row.train_accuracy:.2%} ({seconds:.0f} s)"
    )
    return row


def real_score(ctx: Context, model) -> tuple[float | None, tuple[float, float] | None]:
    """``model``'s accuracy on ``ctx.real`` and its Wilson interval; (None, None) without."""
    from tfdojo.core.stats import wilson_interval

    if ctx.real is None:
        return None, None
    correct = int((model.predict(ctx.real.images) == ctx.real.labels).sum())
    return correct / len(ctx.real.labels), wilson_interval(correct, len(ctx.real.labels))


def reuse_row(ctx: Context, lesson: int, key: str | None = None) -> Row | None:
    """A row of an earlier lesson's results in the same root folder, if it fits this run.

    It fits when that lesson ran on the same dataset in the same mode (quick or full)
    and its run folder still holds a model. ``key=None`` picks the row with the best
    validation accuracy (never the test accuracy: that would pick by the test set).
    """
    from tfdojo import runs

    if ctx.root is None:
        return None
    folder = ctx.root / f"lesson{lesson}"
    try:
        saved = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if saved.get("data") != str(ctx.data.path) or saved.get("quick") != ctx.quick:
        return None
    rows = saved.get("rows", [])
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
    row = Row(**{k: v for k, v in best.items() if k in fields and k != "predictions"})
    row.test_ci95 = tuple(row.test_ci95)
    row.run = str(Path("..") / f"lesson{lesson}" / best["run"])
    from tfdojo.core.tf_setup import quiet_tensorflow

    with quiet_tensorflow():
        row.predictions = model.predict(ctx.data.test.images)
        row.real_accuracy, row.real_ci95 = real_score(ctx, model)
    row.versus = row.versus_detail = ""
    ctx.log(f"  reusing lesson {lesson}'s {row.label} from {run_dir}")
    return row


def versus(ctx: Context, reference: Row, row: Row, alpha: float = 0.05) -> None:
    """Fill ``row.versus`` with its comparison to ``reference`` on the same test images."""
    from tfdojo.results.compare import compare_predictions, verdicts

    c = compare_predictions(
        ctx.data.test.labels,
        reference.predictions,
        row.predictions,
        alpha,
        names=(reference.label, row.label),
    )
    row.versus = f"{c.moved:+d}, p = {_p(c.p_value)}" + (" (significant)" if c.significant else "")
    row.versus_detail = " ".join(verdicts(c))


def _p(p: float) -> str:
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


# --------------------------------------------------------------------------------- output


HEADER = (
    "variant",
    "train images",
    "epochs",
    "params",
    "train acc",
    "valid acc",
    "test acc (95% CI)",
    "vs reference**",
    "course*",
)
REAL_HEADER = "real acc (95% CI)***"
"""The column after the test accuracy when the rows were scored on real images."""


def has_real(rows: list[Row]) -> bool:
    """Whether the table shows a real-accuracy column (any row scored on real images)."""
    return any(r.real_accuracy is not None for r in rows)


def header(rows: list[Row]) -> tuple[str, ...]:
    """The table's column titles: :data:`HEADER`, with :data:`REAL_HEADER` when real."""
    if not has_real(rows):
        return HEADER
    at = HEADER.index("test acc (95% CI)") + 1
    return (*HEADER[:at], REAL_HEADER, *HEADER[at:])


def _accuracy_cell(accuracy: float | None, ci95: tuple[float, float] | None) -> str:
    if accuracy is None or ci95 is None:
        return "–"
    lo, hi = ci95
    return f"{accuracy:.2%} ({lo:.1%}–{hi:.1%})"


def table_rows(rows: list[Row]) -> list[tuple[str, ...]]:
    """The table's cells, as strings, in the order of :func:`header`."""
    real = has_real(rows)
    out = []
    for r in rows:
        test = _accuracy_cell(r.test_accuracy, r.test_ci95)
        accuracies = (test, _accuracy_cell(r.real_accuracy, r.real_ci95)) if real else (test,)
        out.append(
            (
                r.label,
                f"{r.train_n:,}",
                str(r.epochs),
                f"{r.params:,}",
                f"{r.train_accuracy:.2%}",
                f"{r.valid_accuracy:.2%}",
                *accuracies,
                r.versus or "–",
                r.course or "–",
            )
        )
    return out


def _notes(rows: list[Row], quick: bool, real: str, star: str, sep: str) -> str:
    """The table's footnotes: course, versus, real (when shown), quick (when quick)."""
    notes = [f"{star} {COURSE_NOTE}", f"{star * 2} {VERSUS_NOTE}"]
    if has_real(rows):
        notes.append(f"{star * 3} {real or 'real: accuracy on the labelled images given (--real)'}")
    if quick:
        notes.append(f"quick: {QUICK_NOTE}")
    return sep.join(notes)


def format_table(rows: list[Row], quick: bool = False, real: str = "") -> str:
    """The results table as aligned text (what ``tfdojo lesson N`` prints).

    ``real``: the footnote of the real-accuracy column (:meth:`RealSet.note`), shown when
    a row was scored on real images.
    """
    return aligned([header(rows), *table_rows(rows)]) + "\n" + _notes(rows, quick, real, "*", "\n")


def markdown_table(rows: list[Row], quick: bool = False, real: str = "") -> str:
    """The results table in Markdown (for ``results.md`` and the README)."""
    head = [h.replace("*", "\\*") for h in header(rows)]
    numeric = len(head) - 3  # every column but the variant, vs reference and course
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * numeric + "---|---|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(rows)]
    return "\n".join(lines) + "\n\n" + _notes(rows, quick, real, "\\*", "  \n")


@dataclasses.dataclass
class LessonResult:
    """What a lesson leaves: its rows, its notes (text sections) and figures, its outputs."""

    number: int
    title: str
    rows: list[Row]
    notes: list[tuple[str, str]]  # (heading, preformatted text)
    figures: list[tuple[str, bytes]]  # (caption, PNG)
    seconds: float = 0.0
    out: Path | None = None
    quick: bool = False
    real: str = ""  # the real-accuracy column's footnote, "" without real images

    def table(self) -> str:
        return format_table(self.rows, self.quick, self.real)


def write_outputs(ctx: Context, result: LessonResult) -> Path:
    """Write ``results.json``, ``results.md`` and ``index.html`` into ``ctx.out``."""
    ensure_dir(ctx.out)
    write_json(
        ctx.out / "results.json",
        {
            "lesson": result.number,
            "title": result.title,
            "quick": ctx.quick,
            "data": str(ctx.data.path),
            "real": None if ctx.real is None else ctx.real.source,
            "seconds": result.seconds,
            "rows": [r.to_dict() for r in result.rows],
        },
    )
    md = [f"# Lesson {result.number}: {result.title}", ""]
    for heading, text in result.notes:
        md += [f"## {heading}", "", "```text", text, "```", ""]
    md += ["## Results", "", markdown_table(result.rows, ctx.quick, result.real), ""]
    md += [f"- {r.label}: {r.versus_detail}" for r in result.rows if r.versus_detail]
    md += ["", f"Total time: {result.seconds:.0f} s ({'quick' if ctx.quick else 'full'} lesson)."]
    write_text(ctx.out / "results.md", "\n".join(md) + "\n")
    page = ctx.out / "index.html"
    write_text(page, render_page(ctx, result))
    return page


def render_page(ctx: Context, result: LessonResult) -> str:
    """The lesson's summary page: notes, figures, the table with links to each run's report."""
    import base64

    from tfdojo.results.report import CSS

    e = html.escape
    body = []
    titles = header(result.rows)
    head = "".join(f"<th>{e(h)}</th>" for h in titles)
    numeric = len(titles) - 2  # the vs reference and course columns are text
    trs = []
    for r, cells in zip(result.rows, table_rows(result.rows)):
        link = f'<a href="{e(r.run)}/report/report.html">{e(cells[0])}</a>'
        tds = [link] + [f'<td class="num">{e(c)}</td>' for c in cells[1:numeric]]
        tds += [f"<td>{e(c)}</td>" for c in cells[numeric:]]
        trs.append("<tr><td>" + tds[0] + "</td>" + "".join(tds[1:]) + "</tr>")
    notes = e(_notes(result.rows, False, result.real, "*", "\n")).replace("\n", "<br>")
    body.append(
        "<section><h2>Results</h2><table><tr>" + head + "</tr>" + "".join(trs) + "</table>"
        f'<p class="caption">{notes}</p>'
        + "".join(
            f"<p>{e(r.label)}: {e(r.versus_detail)}</p>" for r in result.rows if r.versus_detail
        )
        + "</section>"
    )
    for heading, text in result.notes:
        body.append(f"<section><h2>{e(heading)}</h2><pre><code>{e(text)}</code></pre></section>")
    for caption, png in result.figures:
        data = base64.b64encode(png).decode("ascii")
        body.append(
            f"<section><h2>{e(caption)}</h2><figure>"
            f'<img src="data:image/png;base64,{data}" alt="{e(caption)}"></figure></section>'
        )
    mode = "quick" if ctx.quick else "full"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Lesson {result.number}: {e(result.title)}</title><style>{CSS}</style></head>"
        f'<body><header><div class="wrap"><h1>Lesson {result.number}: {e(result.title)}</h1>'
        f'<div class="sub">{e(str(ctx.data.path))} · {mode} · {result.seconds:.0f} s</div>'
        f'</div></header><main><div class="wrap">{"".join(body)}</div></main></body></html>\n'
    )


def show(fig):
    """A matplotlib figure as an inline PNG in a notebook.

    tfdojo's plotting functions return figures (never through pyplot, so nothing shows
    twice and the notebook's backend is left alone); in a notebook,
    ``lessons.show(plots.training_curves(history))`` draws one whatever the backend.
    """
    from IPython.display import Image

    from tfdojo.results.plots import figure_png

    return Image(data=figure_png(fig), format="png")
