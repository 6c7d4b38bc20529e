"""Write the lesson notebooks, learner and solution versions, from one source each.

Sources are ``lessons/source/NN-name.py`` in the "percent" format (comments before the
first cell are the source's own, for its readers and linters): ``# %%`` starts a code
cell, ``# %% [markdown]`` a Markdown cell (its lines start with ``# ``), and
``# %% kata NAME`` a cell holding a kata of either track: the code of its source
(``src/tfdojo/teaching/kata/sources/NN_name.py``, or ``np_name.py`` for a NumPy kata,
without the docstring) followed by its check, ``kata.check_here("NAME", globals())``.
An import from ``tfdojo.teaching.kata.given`` of a name
that an earlier kata cell of the notebook defines is left out: the notebook uses the
learner's own. In a code cell, the lines between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` are the answer: the solution notebook
(``lessons/solutions/NN-name.ipynb``) keeps them, the learner notebook
(``lessons/NN-name.ipynb``) replaces them by ``raise NotImplementedError(...)``.

    python scripts/make_notebooks.py          # (re)write every notebook
    python scripts/make_notebooks.py --check  # exit 1 if a notebook differs from its source

Notebooks are written without outputs and with stable cell ids, so the same source always
gives the same bytes (``tests/test_notebooks.py`` checks that they do not drift).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat

from tfdojo.teaching.kata.given import GIVEN
from tfdojo.teaching.kata.registry import find

# The katas' markers and the functions that apply them: one definition for both.
from tfdojo.teaching.kata.sources import (
    TODO,  # noqa: F401 - the line a learner cell holds
    read,
    solution,
)
from tfdojo.teaching.kata.sources import exercise as learner

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
SOURCES = LESSONS / "source"


KATA_CELL = re.compile(r"^# %% kata (?P<name>\w+)$")
GIVEN_IMPORT = re.compile(r"^from tfdojo\.teaching\.kata\.given import (?P<names>.+)$")


def split_cells(text: str) -> list[tuple[str, str]]:
    """``[(kind, source)]`` of a percent-format file; kind is ``code`` or ``markdown``.

    A ``# %% kata NAME`` cell becomes the code of kata NAME and its check
    (:func:`kata_cell`); it holds nothing else.
    """
    cells: list[tuple[str, list[str]]] = []
    katas: list[str] = []  # the katas of the cells so far, for kata_cell
    for line in text.splitlines():
        kata = KATA_CELL.match(line)
        if kata:
            cells.append(("kata", [kata_cell(kata["name"], katas)]))
            katas.append(find(kata["name"]).stem)
        elif line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells and cells[-1][0] == "kata":
            if line.strip():
                raise ValueError(f"a '# %% kata' cell holds nothing else; found {line!r}")
        elif cells:
            cells[-1][1].append(line)
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"text before the first '# %%' cell marker: {line!r}")
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [re.sub(r"^# ?", "", ln) for ln in lines]
        out.append(("markdown" if kind == "markdown" else "code", "\n".join(lines).strip("\n")))
    return out


def kata_cell(name: str, earlier: list[str]) -> str:
    """Kata ``name``'s code (its file without the docstring), then its check.

    ``earlier``: the stems of the katas of the notebook's cells above; a name they define
    is not imported from ``tfdojo.teaching.kata.given``, so the learner's own is used.
    """
    kata = find(name)
    text = read(kata.stem)
    body = text.splitlines()[ast.parse(text).body[0].end_lineno :]  # after the docstring
    mine = {given for given, stem in GIVEN.items() if stem in earlier}
    lines = []
    for line in body:
        found = GIVEN_IMPORT.match(line)
        if found:
            names = [n for n in found["names"].split(", ") if n not in mine]
            if not names:
                if lines and not lines[-1].strip():
                    lines.pop()  # and the blank line before it
                continue
            line = f"from tfdojo.teaching.kata.given import {', '.join(names)}"
        lines.append(line)
    code = "\n".join(lines).strip("\n")
    return f'{code}\n\n\nkata.check_here("{kata.name}", globals())'


def notebook(cells: list[tuple[str, str]], version: str) -> str:
    """The notebook's JSON text for ``version`` ``learner`` or ``solution``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, src) in enumerate(cells):
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell(
                learner(src) if version == "learner" else solution(src)
            )
        cell.id = f"cell-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def targets() -> dict[Path, str]:
    """Every notebook path and the text it should hold."""
    out = {}
    for src in sorted(SOURCES.glob("[0-9][0-9]-*.py")):
        cells = split_cells(src.read_text(encoding="utf-8"))
        name = src.with_suffix(".ipynb").name
        out[LESSONS / name] = notebook(cells, "learner")
        out[LESSONS / "solutions" / name] = notebook(cells, "solution")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 on drift")
    args = parser.parse_args(argv)
    stale = []
    for path, text in targets().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if args.check and stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"out of date: {names}; run python scripts/make_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
