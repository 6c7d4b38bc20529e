"""A lesson's results table: each row against the reference (McNemar, the rule of 30), as
aligned text (``tfdojo lesson N``) and as Markdown (``results.md``).

Rows compare themselves with a reference variant on the same test images (exact McNemar,
rule of 30, :mod:`tfdojo.results.compare`), and sit next to the result the Udacity course
published on the *real* notMNIST test set, a different test set, so only the order of
magnitude compares.
"""

from __future__ import annotations

from tfdojo.core.text import aligned
from tfdojo.results.compare import compare_predictions, verdicts
from tfdojo.teaching.lessons.data import QUICK_NOTE
from tfdojo.teaching.lessons.variants import Context, Row, Variant, train_variant

VERSUS_NOTE = (
    "vs reference: test images the variant gets right net of those it loses against the "
    "lesson's reference (its first row; lessons 1 and 2: the row above), and the exact "
    "McNemar p-value"
)
TRAIN_NOTE = (
    "train acc: the mean over the last epoch's batches, each scored while the model was "
    "still learning (the weights moving between batches, dropout on when the model has it); "
    "valid and test acc score the finished model after the epoch, so train acc can sit "
    "below them"
)
COURSE_NOTE = (
    "course: accuracy the Udacity Deep Learning course published on the real notMNIST "
    "test set (measured on a different test set: compare orders of magnitude, not digits)"
)


def versus(ctx: Context, reference: Row, row: Row, alpha: float = 0.05) -> None:
    """Fill ``row.versus`` with its comparison to ``reference`` on the same test images.

    ``row.versus_detail`` calls the row "this variant" (it is shown after the row's label)
    and the reference by its label without the range of its draws."""
    c = compare_predictions(
        ctx.data.test.labels,
        reference.predictions,
        row.predictions,
        alpha,
        names=(short(reference.label), "this variant"),
    )
    row.versus = f"{c.moved:+d}, p = {_p(c.p_value)}" + (" (significant)" if c.significant else "")
    row.versus_detail = " ".join(verdicts(c))


def short(label: str) -> str:
    """``label`` without the range of its draws: ``"logistic, 50 images"``."""
    return label.split(" (median of ")[0]


def train_rows(ctx: Context, variants: list[Variant], reference: Row | None = None) -> list[Row]:
    """Train each variant (:func:`~tfdojo.teaching.lessons.variants.train_variant`) and compare
    it with ``reference`` on the same test images, or, without one, with the row above.

    Returns:
        The rows, ``reference`` first when given.
    """
    rows = [reference] if reference is not None else []
    for v in variants:
        row = train_variant(ctx, v)
        if rows:
            versus(ctx, reference or rows[-1], row)
        rows.append(row)
    return rows


def _p(p: float) -> str:
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


HEADER = (
    "variant",
    "train images",
    "epochs",
    "params",
    "train acc†",
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
    """The table's footnotes: train, course, versus, real (when shown), quick (when quick)."""
    notes = [f"† {TRAIN_NOTE}", f"{star} {COURSE_NOTE}", f"{star * 2} {VERSUS_NOTE}"]
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
    """The results table in Markdown (for ``results.md`` and docs/results/lessons.md)."""
    head = [h.replace("*", "\\*") for h in header(rows)]
    numeric = len(head) - 3  # every column but the variant, vs reference and course
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * numeric + "---|---|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(rows)]
    return "\n".join(lines) + "\n\n" + _notes(rows, quick, real, "\\*", "  \n")
