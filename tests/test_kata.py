"""Each kata check accepts a right answer and rejects the typical wrong ones, saying why."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from tfdojo.core.errors import TfdojoError
from tfdojo.models.shapes import conv_output_size
from tfdojo.teaching import kata
from tfdojo.teaching.kata.checking import Failure, check_namespace

# --------------------------------------------------------------------------- softmax


def softmax_right(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_no_shift(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_whole_sum(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax_no_exp(z):
    return z / z.sum(axis=-1, keepdims=True)


def todo(*args):
    raise NotImplementedError("your code here")


def test_softmax_right_passes():
    result = kata.check_softmax(softmax_right)
    assert result.passed and bool(result)
    assert result.message.startswith("well done")
    assert repr(result) == result.message


@pytest.mark.parametrize(
    "wrong, words",
    [
        (softmax_no_shift, ["large scores", "nan", "subtract each row's maximum"]),
        (softmax_whole_sum, ["a batch of 2 rows", "each row should", "axis=-1"]),
        (softmax_no_exp, ["the deck's scores", "take exp()"]),
    ],
)
def test_softmax_wrong_answers_are_explained(wrong, words):
    with np.errstate(all="ignore"):
        result = kata.check_softmax(wrong)
    assert not result.passed
    assert result.message.startswith("not yet")
    for w in words:
        assert w in result.message, (w, result.message)


def test_a_todo_says_not_done_yet_instead_of_crashing():
    for check in (kata.check_softmax, kata.check_relu_backward, kata.check_dropout):
        result = check(todo)
        assert not result.passed
        assert "not done yet" in result.message and "NotImplementedError" in result.message


def test_a_crash_in_the_learners_code_is_reported_with_its_case():
    result = kata.check_softmax(lambda z: z.nonexistent())
    assert not result.passed
    assert "AttributeError" in result.message and "softmax([-1." in result.message


# ---------------------------------------------------------------------- cross-entropy


def ce_right(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].mean()


def ce_on_probabilities(logits, labels):
    return -np.log(logits[np.arange(len(labels)), labels]).mean()


def ce_log_of_softmax(logits, labels):
    probs = softmax_right(logits)
    return -np.log(probs[np.arange(len(labels)), labels]).mean()


def ce_sum(logits, labels):
    return ce_right(logits, labels) * len(labels)


def ce_softmax_twice(logits, labels):
    return ce_right(softmax_right(logits), labels)


def test_cross_entropy_right_passes():
    assert kata.check_cross_entropy(ce_right).passed


@pytest.mark.parametrize(
    "wrong, words",
    [
        (ce_on_probabilities, ["as if they were probabilities", "apply softmax first"]),
        (ce_log_of_softmax, ["logits far apart", "log(0)", "log-sum-exp"]),
        (ce_sum, ["a batch of 3", "take the mean"]),
        (ce_softmax_twice, ["softmax twice"]),
    ],
)
def test_cross_entropy_wrong_answers_are_explained(wrong, words):
    with np.errstate(all="ignore"):
        result = kata.check_cross_entropy(wrong)
    assert not result.passed
    for w in words:
        assert w in result.message, (w, result.message)


# ---------------------------------------------------------------------- backward passes


def test_relu_backward():
    assert kata.check_relu_backward(lambda dout, x: dout * (x > 0)).passed
    cases = [
        (lambda dout, x: (x > 0).astype(float), "multiply it by dout"),
        (lambda dout, x: dout * np.maximum(x, 0), "the step [x > 0], not x"),
        (lambda dout, x: dout, "zero it where x <= 0"),
    ]
    for wrong, words in cases:
        result = kata.check_relu_backward(wrong)
        assert not result.passed and words in result.message, result.message


def affine_right(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def test_affine_backward_right_passes_and_agrees_with_the_engine():
    from tfdojo.scratch.layers import affine_backward, affine_forward

    assert kata.check_affine_backward(affine_right).passed

    def engine(dout, x, W):
        _, cache = affine_forward(x, {"W": W, "b": np.zeros(W.shape[1])})
        g = affine_backward(dout, cache)
        return g["x"], g["W"], g["b"]

    assert kata.check_affine_backward(engine).passed


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda d, x, W: (d @ W.T, d.T @ x, d.sum(0)), ["dW has shape (2, 3)", "transpose"]),
        (lambda d, x, W: (W @ d.T, x.T @ d, d.sum(0)), ["dx has shape (3, 4)", "transpose"]),
        (lambda d, x, W: (d @ W.T, x.T @ d, d.sum(1)), ["db has shape (4,)", "over the batch"]),
        (lambda d, x, W: (d @ W.T, x.T @ d, d.mean(0)), ["db", "You took the mean"]),
        (lambda d, x, W: (d @ W.T, x.T @ d), ["expected a tuple (dx, dW, db)"]),
    ],
)
def test_affine_backward_wrong_answers_are_explained(wrong, words):
    result = kata.check_affine_backward(wrong)
    assert not result.passed
    for w in words:
        assert w in result.message, (w, result.message)


# ---------------------------------------------------------------------------- dropout


def test_dropout():
    def right(x, rate, rng):
        return x * (rng.random(x.shape) >= rate) / (1 - rate)

    assert kata.check_dropout(right).passed
    cases = [
        (lambda x, r, rng: x * (rng.random(x.shape) >= r), "1 / (1 - rate)"),
        (lambda x, r, rng: x * (rng.random(x.shape) < r) / (1 - r), "probability 1 - rate"),
        (lambda x, r, rng: x * (rng.random(x.shape) >= r) * (1 - r), "divide by it instead"),
        (
            lambda x, r, rng: right(x, r, np.random.default_rng(0)),
            "draw the mask from rng",
        ),
    ]
    for wrong, words in cases:
        result = kata.check_dropout(wrong)
        assert not result.passed and words in result.message, result.message


# ------------------------------------------------------------------------ convolutions


def conv_right(n, k, s, padding):
    return math.ceil(n / s) if padding == "SAME" else math.ceil((n - k + 1) / s)


def test_conv_output_size_right_passes():
    assert kata.check_conv_output_size(conv_right).passed
    assert kata.check_conv_output_size(conv_output_size).passed


@pytest.mark.parametrize(
    "wrong, words",
    [
        (
            lambda n, k, s, p: math.ceil(n / s) if p == "SAME" else math.ceil((n - k) / s),
            ["Off by one", "n - k + 1"],
        ),
        (lambda n, k, s, p: n // s if p == "SAME" else (n - k + 1) // s, ["Round up"]),
        (lambda n, k, s, p: n if p == "SAME" else math.ceil((n - k + 1) / s), ["ceil(n / s)"]),
        (lambda n, k, s, p: math.ceil((n - k + 1) / s), ["VALID's formula"]),
        (lambda n, k, s, p: n / s if p == "SAME" else (n - k + 1) / s, ["whole number"]),
    ],
)
def test_conv_output_size_wrong_answers_are_explained(wrong, words):
    result = kata.check_conv_output_size(wrong)
    assert not result.passed
    for w in words:
        assert w in result.message, (w, result.message)


def test_conv_output_size_cases_agree_with_tensorflow():
    """The oracle the check uses agrees with tf.nn.conv2d on every case the check asks."""
    from tfdojo.core.tf_setup import configure_tensorflow

    tf = configure_tensorflow(1)
    for n, k, s, padding in kata._CONV_CASES:
        out = tf.nn.conv2d(tf.zeros([1, n, n, 1]), tf.zeros([k, k, 1, 1]), s, padding)
        assert out.shape[1] == conv_output_size(n, k, s, padding)


def test_conv_params():
    assert kata.check_conv_params(lambda k, ci, co: k * k * ci * co + co).passed
    result = kata.check_conv_params(lambda k, ci, co: k * k * ci * co)
    assert not result.passed and "forgot the biases" in result.message
    result = kata.check_conv_params(lambda k, ci, co: k * k * co + co)
    assert not result.passed and "every input channel" in result.message


# ------------------------------------------------------------------------- the registry


@pytest.mark.parametrize("k", kata.KATAS, ids=lambda k: k.name)
def test_every_record_names_its_check_and_the_check_resolves_to_a_function(k):
    module, _, function = k.check.partition(":")
    assert module.startswith("tfdojo.teaching.kata.checks.") and function.startswith("check_")
    assert callable(k.check_function())
    assert k.check_function().__name__ == function


def test_a_check_may_be_a_function_object():
    def check_answer(ck) -> str:
        if ck.get("answer") != 42:
            raise Failure("answer = 42", repr(ck.get("answer")))
        return "the answer"

    k = dataclasses.replace(kata.find("tensors"), check=check_answer)
    assert k.check_function() is check_answer
    assert check_namespace(k, {"answer": 42}).message == "well done: the answer"
    assert check_namespace(k, {"answer": 41}).message.splitlines()[1:] == [
        "expected: answer = 42",
        "received: 41",
    ]


def test_a_check_that_names_no_function_is_refused():
    k = dataclasses.replace(kata.find("tensors"), check="tfdojo.teaching.kata.checks.basics")
    with pytest.raises(TfdojoError, match="received check='tfdojo.teaching.kata.checks.basics'"):
        k.check_function()


def test_an_unknown_track_is_named():
    assert kata.katas("tensorflow") == kata.KATAS
    with pytest.raises(TfdojoError, match="track must be one of tensorflow, numpy; received 'np'"):
        kata.katas("np")
