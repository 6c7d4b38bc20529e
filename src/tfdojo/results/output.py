"""Where a page and its figures go: a run's report in ``RUN/report/``, or a page where the user
said with its PNG files in a folder named after it.

::

    tfdojo report RUN                      RUN/report/report.html, RUN/report/curves.png, ...
    tfdojo report RUN --out DIR/page.html  DIR/page.html, DIR/page_files/curves.png, ...

so that a page written from another folder leaves nothing in the working folder. A page or
a figures folder that exists is replaced only with ``--overwrite``, and only if tfdojo wrote
it (:mod:`tfdojo.core.safe_write`); a link in ``RUN/report`` is refused, never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from tfdojo.core.atomic import ensure_dir, write_bytes, write_text
from tfdojo.core.safe_write import PAGE, Output, inside, new_folder, prepare

REPORT_DIR = "report"
REPORT_NAME = "report.html"
FIGURES = Output("figures", "a folder of figures")
"""A page's ``<stem>_files/`` folder of PNG figures (it carries tfdojo's marker)."""


def figures_dir(page: str | os.PathLike) -> Path:
    """The folder of a page's figures: ``DIR/page.html`` -> ``DIR/page_files``."""
    page = Path(page)
    return page.with_name(f"{page.stem}_files")


def is_run_report(out: str | os.PathLike | None, run_dir: str | os.PathLike | None) -> bool:
    """Whether ``out`` is the run's own page, ``RUN/report/report.html`` (``None`` is)."""
    if run_dir is None:
        return False
    if out is None:
        return True
    own = Path(run_dir) / REPORT_DIR / REPORT_NAME
    return os.path.abspath(out) == os.path.abspath(own)


def check_page(
    out: str | os.PathLike | None,
    run_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
    option: str = "--out",
) -> None:
    """Refuse, before any work, a page :func:`write_page` would refuse to write."""
    if is_run_report(out, run_dir):
        inside(run_dir, REPORT_DIR, REPORT_NAME)
    else:
        prepare(figures_dir(prepare(out, PAGE, overwrite, option)), FIGURES, overwrite, option)


def write_page(
    html: str,
    figures: dict[str, bytes],
    out: str | os.PathLike | None = None,
    run_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
    option: str = "--out",
) -> tuple[Path, Path]:
    """Write a page and its figures (``{name: PNG bytes}``, one ``name.png`` each).

    Args:
        out: the page; ``None``: the run's own, ``RUN/report/report.html``.
        run_dir: the run the page is of (``None`` for a page of two runs).
        overwrite: replace a page (and figures folder) tfdojo wrote at ``out``.
        option: the option that named ``out``, for messages.

    Returns:
        ``(page, figures folder)``.

    Raises:
        TfdojoError: ``out`` or its figures folder exists (without ``overwrite``, or not
            tfdojo's), a link in the run's ``report/``, an unwritable destination.
    """
    if is_run_report(out, run_dir):  # the run's own report: rewritten, inside the run folder
        folder = ensure_dir(inside(run_dir, REPORT_DIR))
        for name, png in figures.items():
            write_bytes(inside(run_dir, REPORT_DIR, f"{name}.png"), png)
        return write_text(inside(run_dir, REPORT_DIR, REPORT_NAME), html), folder
    check_page(out, run_dir, overwrite, option)  # both checked before either is written
    page, folder = Path(out), figures_dir(out)
    with new_folder(folder, FIGURES, overwrite, option) as tmp:
        for name, png in figures.items():
            write_bytes(tmp / f"{name}.png", png)
    return write_text(page, html), folder
