"""The lesson notebooks: generated from their sources, and every solution executes.

CI runs each solution notebook top to bottom with nbclient in quick mode
(``TFDOJO_QUICK=1``) on the tiny dataset: every check passes, and the learner's own model
is trained, reported and compared with tfdojo's. The learner versions run up to their
last check and must reach every one and get "not done yet" rather than an error.
"""

from __future__ import annotations

import importlib.util
import os
import re
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


def test_a_kata_cell_is_the_katas_code_then_its_check():
    mk = make_notebooks()
    cell = mk.kata_cell("minibatch_loop", [])
    assert cell.endswith('\n\n\nkata.check_here("minibatch_loop", globals())')
    assert '"""Kata 5' not in cell and "from tfdojo.teaching.kata.given import train_step" in cell
    assert mk.solution(cell).startswith(
        "import tensorflow as tf\n\nfrom tfdojo.teaching.kata.given"
    )
    # after kata 4's cell, the notebook's own train_step is used: no import of it
    mine = mk.kata_cell("minibatch_loop", ["04_training_step"])
    assert "tfdojo.teaching.kata.given" not in mine
    assert mine.startswith("import tensorflow as tf\n\nBATCH_SIZE = 128\n")
    # only the names defined above are left out
    assert "from tfdojo.teaching.kata.given import Logistic, accuracy\n" in mk.kata_cell(
        "gd_vs_sgd", ["04_training_step"]
    )
    # a NumPy kata's cell is made the same way, from its source
    cell = mk.kata_cell("np_dropout", [])
    assert cell.startswith("def np_dropout(x, rate, rng):\n")
    assert cell.endswith('\n\n\nkata.check_here("np_dropout", globals())')
    assert mk.learner(cell).count(mk.TODO) == 1


def test_a_kata_cell_holds_nothing_else():
    mk = make_notebooks()
    with pytest.raises(ValueError, match="a '# %% kata' cell holds nothing else"):
        mk.split_cells("# %% kata tensors\nx = 1\n")


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


def text_of(*cells) -> str:
    parts = []
    for cell in cells:
        for o in cell.get("outputs", []):
            parts.append(o.get("text", "") + o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def is_check(cell) -> bool:
    return cell.cell_type == "code" and "kata.check_" in cell.source


KATA_CHECKS = {  # the katas each notebook checks inline: NumPy by hand, then TensorFlow
    "01-notmnist-logistic": [
        "np_softmax",
        "np_cross_entropy",
        "tensors",
        "logistic",
        "softmax_cross_entropy",
        "training_step",
        "minibatch_loop",
    ],
    "02-fully-connected": ["np_relu_backward", "np_affine_backward", "gd_vs_sgd", "relu_network"],
    "03-regularisation": ["np_dropout", "l2", "dropout", "lr_decay", "overfitting"],
    "04-convolutions": ["conv_layer", "convnet", "keras"],
}


def test_every_kata_of_both_tracks_is_checked_inline_once_in_order():
    from tfdojo.teaching.kata import find, names

    checked = []
    for solution in SOLUTIONS:
        source = "\n".join(c.source for c in nbformat.read(solution, as_version=4).cells)
        here = re.findall(r'kata\.check_here\("(\w+)", globals\(\)\)', source)
        assert here == KATA_CHECKS[solution.stem]
        checked += here
    for track in ("tensorflow", "numpy"):
        assert [name for name in checked if find(name).track == track] == names(track)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_runs_top_to_bottom(path, tmp_path, tiny_dataset):
    nb = nbformat.read(path, as_version=4)
    execute(nb, tmp_path, tiny_dataset)
    for cell in filter(is_check, nb.cells):
        assert text_of(cell).startswith("well done: "), text_of(cell)
    text = text_of(*nb.cells)
    assert "not yet" not in text
    noise = [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    logged = "".join(o.get("text", "") for o in noise)
    assert "INFO:tensorflow" not in logged and "retracing" not in logged, logged[:500]
    assert "test acc (95% CI)" in text  # the results table
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "plots are shown inline"
    # the learner's own model: trained, in the table, reported, compared with tfdojo's
    report = Path(re.search(r"your run's report: (\S+)", text)[1])
    assert report.is_file() and report.parent.parent.name.startswith("yours-")
    assert re.search(r"^your \w+ \(.*\) +[\d,]+ ", text, re.M), "a row of your model"
    assert re.search(r"McNemar \(exact\): p = .* for tfdojo's \w+, .* for your \w+\)", text)


def test_learner_notebooks_reach_every_check(tmp_path, tiny_dataset):
    """The four learner notebooks up to their last check, in one kernel: no error, and each
    check says "not done yet"."""
    cells = []
    for solution in SOLUTIONS:
        learner = nbformat.read(LESSONS / solution.name, as_version=4).cells
        last = max(i for i, c in enumerate(learner) if is_check(c))
        cells += [c for c in learner[: last + 1] if c.cell_type == "code"]
    for i, cell in enumerate(cells):
        cell.id = f"combined-{i}"  # ids must be unique within one notebook
    nb = nbformat.v4.new_notebook(cells=cells)
    execute(nb, tmp_path, tiny_dataset)
    checks = [c for c in nb.cells if is_check(c)]
    assert len(checks) == sum(map(len, KATA_CHECKS.values())) == 19
    for cell in checks:
        assert text_of(cell).startswith("not done yet: "), (cell.source, text_of(cell))
