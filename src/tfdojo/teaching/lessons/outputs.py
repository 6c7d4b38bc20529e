"""What a lesson leaves: ``results.json``, ``results.md`` and its page ``index.html``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tfdojo.core.atomic import write_json, write_text
from tfdojo.core.safe_write import inside
from tfdojo.results.output import REPORT_DIR, REPORT_NAME
from tfdojo.results.page import e, img, page, text_section
from tfdojo.results.plots import figure_png
from tfdojo.teaching.lessons.tables import _notes, format_table, header, markdown_table, table_rows
from tfdojo.teaching.lessons.variants import Context, Row, lesson_folder
from tfdojo.teaching.lessons.yours import report_path


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
    """Write ``results.json``, ``results.md`` and ``index.html`` into ``ctx.out`` (a lesson
    folder: :func:`~tfdojo.teaching.lessons.variants.lesson_folder`)."""
    out = lesson_folder(ctx)
    write_json(
        inside(out, "results.json"),
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
    write_text(inside(out, "results.md"), "\n".join(md) + "\n")
    return write_text(inside(out, "index.html"), render_page(ctx, result))


def render_page(ctx: Context, result: LessonResult) -> str:
    """The lesson's summary page: notes, figures, the table, with a link to each run's report
    that has been drawn (your own run's is; a variant's when ``tfdojo report RUN`` drew it)."""
    body = []
    titles = header(result.rows)
    head = "".join(f"<th>{e(h)}</th>" for h in titles)
    numeric = len(titles) - 2  # the vs reference and course columns are text
    trs = []
    for r, cells in zip(result.rows, table_rows(result.rows)):
        report = report_path(ctx, r)  # drawn for your own run; a variant's when asked for
        href = f"{r.run}/{REPORT_DIR}/{REPORT_NAME}"  # the same file, from the lesson's page
        link = f'<a href="{e(href)}">{e(cells[0])}</a>' if report.is_file() else e(cells[0])
        tds = [link] + [f'<td class="num">{e(c)}</td>' for c in cells[1:numeric]]
        tds += [f"<td>{e(c)}</td>" for c in cells[numeric:]]
        trs.append("<tr><td>" + tds[0] + "</td>" + "".join(tds[1:]) + "</tr>")
    notes = e(_notes(result.rows, False, result.real, "*", "\n")).replace("\n", "<br>")
    body.append(
        "<section><h2>Results</h2><table><tr>" + head + "</tr>" + "".join(trs) + "</table>"
        f'<p class="caption">{notes}</p>'
        f'<p class="caption">Each variant\'s run is in {e(str(ctx.out / "runs"))}/NAME; '
        "<code>tfdojo report RUN</code> draws its report (its curves, confusion matrix, "
        "mistakes and weights) into RUN/report/report.html; the lesson's next run links "
        "it here.</p>"
        + "".join(
            f"<p>{e(r.label)}: {e(r.versus_detail)}</p>" for r in result.rows if r.versus_detail
        )
        + "</section>"
    )
    body += [text_section(heading, text) for heading, text in result.notes]
    body += [
        f"<section><h2>{e(caption)}</h2><figure>{img(png, caption)}</figure></section>"
        for caption, png in result.figures
    ]
    mode = "quick" if ctx.quick else "full"
    subtitle = f"{e(ctx.data.path)} · {mode} · {result.seconds:.0f} s"
    return page(f"Lesson {result.number}: {result.title}", subtitle, "".join(body))


def show(fig):
    """A matplotlib figure as an inline PNG in a notebook.

    tfdojo's plotting functions return figures (never through pyplot, so nothing shows
    twice and the notebook's backend is left alone); in a notebook,
    ``lessons.show(plots.training_curves(history))`` draws one whatever the backend.
    """
    from IPython.display import Image  # in a notebook only: IPython is not a dependency

    return Image(data=figure_png(fig), format="png")
