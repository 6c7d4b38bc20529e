"""Checks of the NumPy katas: small functions written by hand in the lesson notebooks.

The oracle is tfdojo's NumPy engine (:mod:`tfdojo.scratch.layers`), itself tested
against finite differences and TensorFlow; the usual mistakes are named by
:mod:`~tfdojo.teaching.kata.checks.diagnoses`, in the words of the TensorFlow katas.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np

from tfdojo.scratch import layers
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.diagnoses import (
    cross_entropy_mistakes,
    expect_dropout,
    expect_mask_follows,
    softmax_mistakes,
)
from tfdojo.teaching.kata.expect import expect_close, to_array

# ------------------------------------------------------------------------------- softmax


def check_np_softmax(ck: Checker) -> str:
    """``np_softmax(z) -> S``, S_i = exp(z_i) / sum_j exp(z_j) along the last axis.

    Cases: the deck's scores; a batch (N, K), each row its own distribution; large and
    very negative scores, where exp() overflows (or gives 0 / 0) unless each row's
    maximum is subtracted first.
    """
    np_softmax = ck.get("np_softmax")
    for label, z in [
        ("the deck's scores", [-1.0, 1.0, 2.0]),
        ("a batch of 2 rows", [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),
        ("large scores", [1000.0, 1001.0, 1002.0]),
        ("very negative scores", [[-1000.0, -1001.0, -1002.0]]),
    ]:
        z = np.array(z)
        ck.case = f"np_softmax(z), {label}: z = {z.tolist()}"
        expect_close(
            "np_softmax(z)",
            np_softmax(z.copy()),
            layers.softmax(z),
            wrong=softmax_mistakes(z),
            rtol=1e-6,
            atol=1e-9,
        )
    return "each row sums to 1, the order of the scores is kept, and large scores do not overflow."


# ------------------------------------------------------------------------- cross-entropy


def check_np_cross_entropy(ck: Checker) -> str:
    """``np_cross_entropy(logits (N, K), labels (N,) int) -> loss``, from the logits.

    loss = mean_n -log S[n, labels_n] with S = softmax(logits). Cases: the deck's scores,
    a batch, and logits far apart, where log(softmax) takes log(0) unless computed by
    log-sum-exp.
    """
    np_cross_entropy = ck.get("np_cross_entropy")
    for label, logits, y in [
        ("the deck's scores, right class 2", [[-1.0, 1.0, 2.0]], [2]),
        ("a batch of 3", [[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0]], [0, 2, 2]),
        ("logits far apart", [[0.0, 800.0], [5.0, -5.0]], [0, 0]),
    ]:
        logits, y = np.array(logits), np.array(y)
        ck.case = (
            f"np_cross_entropy(logits, labels), {label}: logits = {logits.tolist()}, "
            f"labels = {y.tolist()}"
        )
        want, _ = layers.softmax_cross_entropy_forward(logits, y)
        got = to_array("np_cross_entropy(...)", np_cross_entropy(logits.copy(), y.copy()))
        expect_close(
            "np_cross_entropy(...)",
            got.reshape(()) if got.size == 1 else got,  # one number, of whatever shape
            want,
            wrong=cross_entropy_mistakes(logits, y),
            rtol=1e-6,
        )
    return "the mean of -log softmax(logits)[right class], stable for logits far apart."


# ---------------------------------------------------------------------- backward passes


def check_np_relu_backward(ck: Checker) -> str:
    """``np_relu_backward(dout, x) -> dx`` of out = max(0, x): dx = dout * [x > 0]."""
    np_relu_backward = ck.get("np_relu_backward")
    x = np.array([[-2.0, -0.5, 0.5, 3.0], [1.0, -1.0, 2.0, -3.0]])
    dout = np.random.default_rng(0).normal(size=x.shape).round(2)  # (2, 4)
    ck.case = f"np_relu_backward(dout, x), x = {x.tolist()}, dout = {dout.tolist()}"
    _, cache = layers.relu_forward(x)
    expect_close(
        "dx = dout * [x > 0]",
        np_relu_backward(dout.copy(), x.copy()),
        layers.relu_backward(dout, cache)["x"],
        wrong=[
            (
                "that is the ReLU's derivative alone: multiply it by dout (chain rule)",
                (x > 0).astype(float),
            ),
            (
                "dout times relu(x): the derivative is the step [x > 0], not x",
                dout * np.maximum(x, 0),
            ),
            ("every gradient went through: zero it where x <= 0", dout),
            ("the mask is inverted: the gradient flows where x > 0", dout * (x <= 0)),
        ],
    )
    return "the gradient flows where x > 0 and stops where x <= 0."


def check_np_affine_backward(ck: Checker) -> str:
    """``np_affine_backward(dout (N, M), x (N, D), W (D, M)) -> (dx, dW, db)``, out = x W + b.

    dx = dout W^T (N, D), dW = x^T dout (D, M), db = dout summed over the batch (M,).
    N, D and M all differ, so that a product in the wrong order shows in the shapes.
    """
    np_affine_backward = ck.get("np_affine_backward")
    rng = np.random.default_rng(1)
    n, d, m = 4, 3, 2
    x, W, dout = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=(n, m))
    ck.case = (
        f"np_affine_backward(dout, x, W), x (N, D) = {x.shape}, W (D, M) = {W.shape}, "
        f"dout (N, M) = {dout.shape}"
    )
    out = np_affine_backward(dout.copy(), x.copy(), W.copy())
    if out is None or out is Ellipsis:
        to_array("(dx, dW, db)", out)  # names a forgotten return, or a TODO left
    if not isinstance(out, tuple | list) or len(out) != 3:
        size = f" of {len(out)}" if isinstance(out, tuple | list) else ""
        raise Failure("a tuple (dx, dW, db)", f"a {type(out).__name__}{size}", "return all three")
    _, cache = layers.affine_forward(x, {"W": W, "b": np.zeros(m)})
    want = layers.affine_backward(dout, cache)  # {"x", "W", "b"}
    shapes = {
        "x": "dx = dout @ W.T, (N, M) @ (M, D) -> (N, D)",
        "W": "dW = x.T @ dout, (D, N) @ (N, M) -> (D, M)",
    }
    wrong = {
        key: [(f"the transpose of the right answer: {rule}", want[key].T)]
        for key, rule in shapes.items()
    }
    wrong["b"] = [
        ("summed over the units: db sums over the batch, axis=0", dout.sum(axis=1)),
        (
            "the mean over the batch: the loss already averages, so db is a sum, dout.sum(axis=0)",
            dout.mean(axis=0),
        ),
    ]
    for got, what, key in zip(
        out, ["dx = dout @ W.T", "dW = x.T @ dout", "db = dout.sum(axis=0)"], ["x", "W", "b"]
    ):
        expect_close(what, got, want[key], wrong=wrong[key], rtol=1e-6, atol=1e-9)
    return "dx, dW and db have the right shapes and values (checked with N, D, M apart)."


# ---------------------------------------------------------------------------- dropout


def check_np_dropout(ck: Checker) -> str:
    """``np_dropout(x, rate, rng) -> out``: inverted dropout while training.

    Each unit is zeroed with probability ``rate`` and the kept ones are scaled by
    1 / (1 - rate), so that E[out] = x; the mask comes from ``rng``, a
    ``np.random.Generator``: the same generator seed gives the same mask.
    """
    np_dropout = ck.get("np_dropout")
    x, rate = np.ones((200, 500)), 0.25
    ck.case = f"np_dropout(x, rate={rate}, rng=np.random.default_rng(0)), x = ones (200, 500)"
    out = np_dropout(x.copy(), rate, np.random.default_rng(0))
    first = expect_dropout("np_dropout(x, ...)", out, rate, x.shape)
    ck.case = "np_dropout(x, 0.25, rng) with np.random.default_rng(seed), seeds 0, 0 and 1"
    again, other = (
        to_array("np_dropout(x, ...)", np_dropout(x.copy(), rate, np.random.default_rng(s)))
        for s in (0, 1)
    )
    expect_mask_follows(
        "generator seed",
        first,
        again,
        other,
        "draw the mask from rng, the generator given: rng.random(x.shape) >= rate",
    )
    return f"about {rate:.0%} of the units are dropped, the others scaled by 1/(1-rate)."
