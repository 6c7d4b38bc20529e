"""The TensorFlow katas inside a notebook: ``kata.check_here`` on a notebook's globals, and
the learner's model trained by a lesson (``lessons.train_yours``).

A cell is run as IPython runs one: compiled under a kernel's file name, its lines in
``linecache``, with the notebook's globals; it holds a kata's code, as a notebook's kata
cell does (``tests/test_notebooks.py`` runs the notebooks themselves).
"""

from __future__ import annotations

import linecache
import re
from pathlib import Path

import pytest
from IPython.lib.pretty import pretty

from tfdojo.core.errors import TfdojoError
from tfdojo.teaching import kata, lessons
from tfdojo.teaching.lessons import lesson1, lesson4

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow(1)


def kata_code(name: str, version: str, edits: list[tuple[str, str]] = ()) -> str:
    """Kata ``name``'s code, ``learner`` (TODOs) or ``solution``, with ``edits`` applied."""
    k = kata.find(name)
    code = k.exercise() if version == "learner" else k.solution()
    for old, new in edits:
        assert code.count(old) == 1, old
        code = code.replace(old, new)
    return code


def run_cell(code: str, namespace: dict) -> None:
    """Run ``code`` in ``namespace`` as a notebook cell."""
    filename = f"/tmp/ipykernel_0/{abs(hash(code))}.py"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), namespace)


def check_cell(name: str, version: str, edits: list[tuple[str, str]] = ()):
    """``(code, result)``: kata ``name``'s code run as a cell, then checked on its globals."""
    code = kata_code(name, version, edits)
    namespace: dict = {}
    run_cell(code, namespace)
    return code, kata.check_here(name, namespace)


def line_of(code: str, text: str) -> int:
    return next(i for i, line in enumerate(code.splitlines(), 1) if text in line)


def test_the_reference_passes_and_shows_its_message():
    _, result = check_cell("logistic", "solution")
    assert result.status == "pass" and result.passed
    assert result.message.startswith("well done: W (784, 10) and b (10,)")
    assert pretty(result) == str(result) == result.message  # what a notebook displays


def test_an_untouched_cell_is_not_done_yet_at_its_line():
    code, result = check_cell("04", "learner")
    line = line_of(code, "raise NotImplementedError")  # loss_fn's, the first called
    assert result.status == "todo"
    assert result.message == (
        f"not done yet: loss_fn, line {line} of its cell: write the TODO there "
        "(it still raises NotImplementedError)"
    )


def test_a_typical_mistake_is_named_with_a_hint():
    _, result = check_cell(
        "training_step", "solution", [("v.assign_sub(lr * g)  #", "v.assign(lr * g)  #")]
    )
    assert result.status == "failing"
    lines = result.message.splitlines()
    assert lines[0] == "not yet: one training step: GradientTape, gradients, W.assign_sub(lr * dW)"
    assert lines[1].startswith("    case:     train_step(model, X, y, lr=0.5)")
    assert "    cause:    assign() replaced W by lr * gradient" in result.message
    assert lines[-1] == "    hint:     kata.hint('training_step')"
    assert result.message == documented_example()  # the lessons' tutorial shows this output


def documented_example() -> str:
    """The output the notebooks' section of the lessons' tutorial shows."""
    text = (ROOT / "docs" / "tutorials" / "lessons.md").read_text(encoding="utf-8")
    section = text[text.index("## The notebooks") :]
    return re.search(r"^```text\n(.*?)\n```$", section, re.M | re.S)[1]


def test_an_error_in_a_method_points_at_the_cell_line_and_names_the_cause():
    code, result = check_cell(
        "logistic", "solution", [("tf.matmul(X, self.W) + self.b", "tf.matmul(self.W, X) + self.b")]
    )
    line = line_of(code, "tf.matmul(self.W, X)")
    assert result.status == "failing"
    assert f"error:    InvalidArgumentError at Logistic.__call__, line {line} of its cell" in (
        result.message
    )
    assert "return tf.matmul(self.W, X) + self.b" in result.message  # the cell's line
    assert "is a weight matrix transposed" in result.message
    assert "site-packages" not in result.message and "tfdojo/" not in result.message


def test_the_spy_on_the_step_works_in_the_notebooks_globals():
    """gd_vs_sgd's check counts the calls of ``train_step`` by swapping it in the globals."""
    namespace: dict = {}
    run_cell(kata_code("gd_vs_sgd", "solution"), namespace)
    step = namespace["train_step"]
    result = kata.check_here("gd_vs_sgd", namespace)
    assert result.status == "pass", result.message
    assert namespace["train_step"] is step  # put back

    wrong = kata_code(
        "gd_vs_sgd",
        "solution",
        [("train_step(model, X, y, lr))", "train_step(model, X[:32], y[:32], lr))")],
    )
    run_cell(wrong, namespace)
    result = kata.check_here("gd_vs_sgd", namespace)
    assert "received: steps on [32, 32, 32] images" in result.message


def test_a_missing_name_is_named():
    result = kata.check_here("tensors", {})
    assert result.status == "failing"
    assert "expected: a definition named flatten in your code" in result.message


def test_an_unknown_kata_lists_the_valid_ones():
    with pytest.raises(TfdojoError, match="unknown kata 'logistik'.*did you mean 'logistic'"):
        kata.check_here("logistik", {})


def test_hints_come_one_by_one():
    k = kata.find("logistic")
    assert kata.hint("logistic") == (
        f"hint 1 of 3 for logistic; the next: kata.hint('logistic', 2)\n{k.hints[0]}"
    )
    assert kata.hint("02", 3) == f"hint 3 of 3 for logistic\n{k.hints[2]}"
    assert kata.hint("logistic", 4) == "logistic has hints 1 to 3; received number=4"


# ----------------------------------------------------------------- the learner's model


class ConvNet:
    """A learner's class with its TODO still in place."""

    def __init__(self, seed=0):
        raise NotImplementedError("your code here: see the TODO above")


def test_your_variant_is_the_presets_training_with_your_class(tmp_path):
    ctx = lessons.Context(data=None, out=tmp_path, quick=True)
    like = next(v for v in lesson4.variants(ctx) if v.key == "cnn-course-pool")
    v = lessons.your_variant(like, ConvNet, "04-convolutions.ipynb")
    assert v.key == "yours-cnn-course-pool" and v.label == f"your ConvNet ({like.label})"
    assert v.model == "04-convolutions.ipynb:ConvNet" and v.model_class is ConvNet
    assert (v.epochs, v.train_n, v.course) == (like.epochs, like.train_n, "")
    # cnn_course's training settings; its model.* overrides describe tfdojo's architecture
    assert v.sets == ["epochs=10", "dropout=0.0", "jitter=0.0"]
    assert like.sets == ["model.conv_strides=1", "model.pools=2"]


class _Data:
    """What lesson 1's variants read of a dataset: the number of training images."""

    train = range(640)


def test_a_model_with_a_todo_is_not_trained(tmp_path):
    logged = []
    ctx = lessons.Context(data=_Data(), out=tmp_path, quick=True, log=logged.append)
    like = lesson1.variants(ctx)[-1]
    assert lessons.train_yours(ctx, ConvNet, "01-notmnist-logistic.ipynb", like) is None
    assert logged == [
        "  your ConvNet is not trained yet: it still has a TODO. Write it, check it, then "
        "run this cell again."
    ]
    assert list(tmp_path.iterdir()) == []  # no run folder


@pytest.mark.slow
def test_a_correct_logistic_behind_tfdojos_is_told_it_is_the_start(tmp_path, tiny_dataset):
    """Kata 2's Logistic (truncated normal, stddev 0.1) after one short epoch, against
    tfdojo's (Glorot uniform): the learner is told the initial weights differ, by how
    much, and, the difference being significant, that started from tfdojo's initial
    weights the same class is no different (the learner's issue: "ahead by 31, p = 0.003")."""
    import dataclasses

    from tfdojo.data import dataset
    from tfdojo.teaching.kata.sources import reference

    Logistic = reference("02_logistic").Logistic  # the kata's solution: a correct learner
    data = dataset.load(tiny_dataset)
    data = dataclasses.replace(data, test=data.train)  # 640 images: the test can tell
    ctx = lessons.Context(data, tmp_path / "lesson1", quick=True, log=lambda _: None)
    like = dataclasses.replace(lesson1.variants(ctx)[-1], epochs=1)
    preset = lessons.train_variant(ctx, like)
    yours = lessons.train_yours(ctx, Logistic, "01-notmnist-logistic.ipynb", like)
    text = lessons.against(ctx, preset, yours)
    mcnemar = text.splitlines()[2]  # the learner's class alone: significantly behind
    assert mcnemar.endswith(": significant at 0.05."), text
    assert (
        "What differs between the two runs: the initial weights (the images, epochs, learning "
        "rate, batches and seed are the same): your W (784, 10) std 0.088, tfdojo's logits.w "
        "std 0.050 (Glorot uniform, U(-0.087, 0.087))."
    ) in text
    like_for_like = text.splitlines()[-1]
    assert like_for_like.startswith("Like for like, your Logistic from tfdojo's start"), text
    assert like_for_like.endswith("the difference above is the initial weights', not your code's.")
    assert (tmp_path / "lesson1" / "runs" / "yours-logistic-all-tfdojo-start").is_dir()
