"""The TensorFlow katas: every reference passes, every exercise is "not done yet", errors
point at the learner's line, and kata 12's formulas name their usual mistakes.

The typical mistakes of every kata are mutants of the catalogue (teaching/kata/mutants,
replayed by tests/test_kata_catalogue_*.py and ``tfdojo kata selftest``). A learner's file
here is the reference solution with edits (``old`` -> ``new``). Checks run in this process
(TensorFlow imported once).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tfdojo.models.shapes import conv_output_size
from tfdojo.teaching import kata


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow(1)


def learner_file(folder: Path, k: kata.Kata, edits: list[tuple[str, str]] = ()) -> Path:
    """``k``'s reference solution with ``edits`` applied, saved as the learner's file."""
    text = k.solution()
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} must occur once in {k.filename}"
        text = text.replace(old, new)
    path = folder / k.filename
    path.write_text(text, encoding="utf-8")
    return path


TENSORFLOW = kata.katas("tensorflow")


def test_there_are_at_least_twelve_katas_in_order():
    assert len(TENSORFLOW) >= 12
    assert [k.number for k in TENSORFLOW] == list(range(1, len(TENSORFLOW) + 1))
    assert len(set(kata.names("tensorflow"))) == len(TENSORFLOW)


@pytest.mark.parametrize("k", TENSORFLOW, ids=lambda k: k.stem)
def test_the_reference_solution_passes(tmp_path, k):
    result = kata.check_file(k, learner_file(tmp_path, k))
    assert result.status == "pass", result.message
    assert result.message.startswith("well done: ")


@pytest.mark.parametrize("k", TENSORFLOW, ids=lambda k: k.stem)
def test_an_untouched_exercise_is_not_done_yet(tmp_path, k):
    path = tmp_path / k.filename
    path.write_text(k.exercise(), encoding="utf-8")
    result = kata.check_file(k, path)
    assert result.status == "todo", result.message
    assert result.message.startswith(f"not done yet: {k.filename} line ")
    assert "Traceback" not in result.message


def test_an_ellipsis_left_in_place_is_not_done_yet(tmp_path):
    k = kata.find("logistic")
    path = learner_file(tmp_path, k, [("return tf.matmul(X, self.W) + self.b", "return ...")])
    result = kata.check_file(k, path)
    assert result.status == "todo", result.message


def test_a_learners_exception_points_at_their_file_and_line(tmp_path):
    k = kata.find("04")
    path = learner_file(
        tmp_path, k, [("logits = model(X)  # (N, 10)", "logits = model(X, 1, 2, 3)")]
    )
    line = path.read_text().splitlines().index("    logits = model(X, 1, 2, 3)") + 1
    result = kata.check_file(k, path)
    assert result.status == "failing"
    assert f"TypeError at 04_training_step.py line {line}, in loss_fn" in result.message
    assert "logits = model(X, 1, 2, 3)" in result.message
    assert "site-packages" not in result.message and "tfdojo/" not in result.message


def test_a_file_that_does_not_parse_says_where(tmp_path):
    k = kata.find("01")
    path = tmp_path / k.filename
    path.write_text("def flatten(images:\n    return images\n")
    result = kata.check_file(k, path)
    assert result.status == "failing" and "does not parse: line 1" in result.message


@pytest.mark.parametrize(
    "message",
    [
        "logits and labels must be broadcastable: logits_size=[32,10] labels_size=[1,32]",
        "Incompatible shapes: [1,32] vs. [32,10] [Op:Mul]",  # under op determinism
    ],
)
def test_integer_labels_are_named_whichever_way_tensorflow_words_it(message):
    from tfdojo.teaching.kata.causes.errors import known_cause

    line = "D = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)"
    cause, text = known_cause(message, line)
    assert cause.id == "any/integer-labels-not-one-hot"
    assert text.startswith("integer labels where one-hot was expected")


# ------------------------------------------------- kata 12's formulas, shared diagnoses


def output_size_right(n, k, s, padding):
    return math.ceil(n / s) if padding == "SAME" else math.ceil((n - k + 1) / s)


def num_params_right(k, depth_in, depth_out):
    return k * k * depth_in * depth_out + depth_out


def conv_formulas(output_size=output_size_right, num_params=num_params_right):
    """Kata 12's check on a notebook holding only the two formulas."""
    return kata.check_here("conv_layer", {"output_size": output_size, "num_params": num_params})


@pytest.mark.parametrize("output_size", [output_size_right, conv_output_size])
def test_right_formulas_pass_and_the_check_moves_on_to_the_kernel(output_size):
    result = conv_formulas(output_size)
    assert "expected: a definition named make_kernel in your code" in result.message


@pytest.mark.parametrize(
    "wrong, words",
    [
        (
            lambda n, k, s, p: math.ceil(n / s) if p == "SAME" else math.ceil((n - k) / s),
            [
                "case:     output_size(n=28, k=3, stride=1, padding='VALID')",
                "expected: 26: SAME gives ceil(n / s), VALID ceil((n - k + 1) / s)",
                "cause:    off by one: a k-wide window fits in n - k + 1 positions",
            ],
        ),
        (
            lambda n, k, s, p: n // s if p == "SAME" else (n - k + 1) // s,
            [
                "case:     output_size(n=7, k=3, stride=2",
                "received: 3",
                "cause:    round up, not down",
            ],
        ),
        (
            lambda n, k, s, p: n if p == "SAME" else math.ceil((n - k + 1) / s),
            ["cause:    with SAME padding the stride still divides the size: ceil(n / s)"],
        ),
        (lambda n, k, s, p: math.ceil((n - k + 1) / s), ["cause:    that is VALID's formula"]),
        (
            lambda n, k, s, p: n / s if p == "SAME" else (n - k + 1) / s,
            ["expected: the whole number 4", "received: 3.5", "round up: math.ceil"],
        ),
    ],
)
def test_output_size_mistakes_are_explained(wrong, words):
    result = conv_formulas(output_size=wrong)
    assert result.status == "failing"
    for w in words:
        assert w in result.message, (w, result.message)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (
            lambda k, ci, co: k * k * ci * co,
            ["received: 216", "forgot the biases: one per filter"],
        ),
        (lambda k, ci, co: k * k * co + co, ["expected: 224 = k * k", "every input channel"]),
    ],
)
def test_num_params_mistakes_are_explained(wrong, words):
    result = conv_formulas(num_params=wrong)
    assert result.status == "failing"
    assert "case:     num_params(k=3, depth_in=3, depth_out=8)" in result.message
    for w in words:
        assert w in result.message, (w, result.message)


@pytest.mark.parametrize(
    "n, k, stride, padding, size",
    [
        (28, 3, 1, "SAME", 28),  # the deck's table
        (28, 3, 1, "VALID", 26),
        (28, 3, 2, "VALID", 13),
        (7, 3, 2, "SAME", 4),  # ceil(3.5)
        (27, 5, 2, "VALID", 12),  # ceil(23 / 2)
        (9, 2, 3, "VALID", 3),  # ceil(8 / 3)
    ],
)
def test_the_output_size_oracle_gives_tensorflows_known_sizes(n, k, stride, padding, size):
    """The formula the check trusts, against the sizes tf.nn.conv2d gives."""
    import tensorflow as tf

    assert conv_output_size(n, k, stride, padding) == size
    out = tf.nn.conv2d(tf.zeros([1, n, n, 1]), tf.zeros([k, k, 1, 1]), stride, padding)
    assert out.shape[1:3] == (size, size)
