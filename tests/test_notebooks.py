"""The lesson notebooks: generated from their sources, and every solution executes.

CI runs each solution notebook top to bottom with nbclient in quick mode
(``TFDOJO_QUICK=1``) on the tiny dataset; the learner versions must reach every kata check
and get "not done yet" rather than an error.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
SOLUTIONS = sorted((LESSONS / "solutions").glob("0*.ipynb"))

pytestmark = pytest.mark.slow


def make_notebooks():
    spec = importlib.util.spec_from_file_location(
        "make_notebooks", ROOT / "scripts" / "make_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notebooks_match_their_sources():
    """A notebook edited by hand, or a source changed without regenerating, fails here."""
    expected = make_notebooks().targets()
    assert len(expected) == 8  # four lessons, learner and solution
    for path, text in expected.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is out of date: run python scripts/make_notebooks.py"
        )


def test_learner_versions_hold_todos_where_the_solutions_hold_answers():
    mk = make_notebooks()
    for solution in SOLUTIONS:
        learner = nbformat.read(LESSONS / solution.name, as_version=4)
        nb = nbformat.read(solution, as_version=4)
        todos = [c for c in learner.cells if "NotImplementedError" in c.source]
        assert todos, f"{solution.name}: no exercise"
        for cell in todos:
            assert "kata.check_" in cell.source, "each exercise is followed by its check"
        assert all(not c.get("outputs") for c in nb.cells + learner.cells), "no stored outputs"
        assert len(learner.cells) == len(nb.cells)
    assert mk.learner("x = 1\n    # BEGIN SOLUTION\n    y = 2\n    # END SOLUTION") == (
        f"x = 1\n    {mk.TODO}"
    )


def execute(nb, tmp_path: Path, data: Path) -> None:
    env = {
        "TFDOJO_QUICK": "1",
        "TFDOJO_LESSON_DATA": str(data),
        "TFDOJO_LESSON_RUNS": str(tmp_path / "runs"),
        "TFDOJO_THREADS": os.environ.get("TFDOJO_THREADS", "1"),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits them
    try:
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def text_of(nb) -> str:
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            parts.append(o.get("text", "") + o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_runs_top_to_bottom(path, tmp_path, tiny_dataset):
    nb = nbformat.read(path, as_version=4)
    execute(nb, tmp_path, tiny_dataset)
    text = text_of(nb)
    assert "not yet" not in text
    assert text.count("well done") == sum("kata.check_" in c.source for c in nb.cells)
    assert "test acc (95% CI)" in text  # the results table
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "plots are shown inline"


def test_learner_notebooks_reach_every_check(tmp_path, tiny_dataset):
    """The set-up and exercise cells of the four learner notebooks, in one kernel."""
    cells = []
    for solution in SOLUTIONS:
        learner = nbformat.read(LESSONS / solution.name, as_version=4)
        cells += [c for c in learner.cells if "QUICK =" in c.source or "kata.check_" in c.source]
    for i, cell in enumerate(cells):
        cell.id = f"combined-{i}"  # ids must be unique within one notebook
    nb = nbformat.v4.new_notebook(cells=cells)
    execute(nb, tmp_path, tiny_dataset)
    text = text_of(nb)
    checks = sum("kata.check_" in c.source for c in cells)
    assert checks >= 7
    assert text.count("not done yet") == checks
