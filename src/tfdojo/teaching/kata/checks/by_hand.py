"""Checks of the NumPy katas: small functions written by hand in the lesson notebooks.

The oracle is tfdojo's NumPy engine (:mod:`tfdojo.scratch.layers`), itself tested
against finite differences and TensorFlow; the usual mistakes of softmax and the
cross-entropy are named by :mod:`~tfdojo.teaching.kata.checks.probabilities`, in the words
of the TensorFlow katas. Each function is called on several shapes (a vector, batches with
more rows than columns and the other way round) and settings (three dropout rates).
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np

from tfdojo.scratch import layers
from tfdojo.teaching.kata.causes import by_hand as c
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.probabilities import (
    CrossEntropyCauses,
    SoftmaxCauses,
    cross_entropy_mistakes,
    softmax_mistakes,
)
from tfdojo.teaching.kata.expect import brief, expect_close, expect_runs, to_array

BROADCAST = r"could not be broadcast|operands could not"

# ------------------------------------------------------------------------------- softmax


def shown(a: np.ndarray) -> str:
    """A small array's values, a large one's shape (for the case a message names)."""
    return str(a.tolist()) if a.size <= 12 else f"an array of shape {a.shape}"


def strict_scores(ck: Checker) -> list[tuple[str, np.ndarray]]:
    """Under ``--strict``, one more case: scores of a random shape (N, K), each row of its
    own random scale and offset; none otherwise."""
    if not ck.strict:
        return []
    n, k = (int(v) for v in ck.rng.integers(1, 40, size=2))
    z = ck.rng.normal(0, 1, (n, k)) * ck.rng.uniform(0.1, 10, (n, 1))
    z += ck.rng.uniform(-300, 300, (n, 1))  # rows far apart from one another
    return [(f"random scores ({n}, {k}), rows of different scales", z)]


SOFTMAX = SoftmaxCauses(
    c.SM_AXIS_0,
    c.SM_WHOLE_SUM,
    c.SM_NO_KEEPDIMS,
    c.SM_BATCH_MAX,
    c.SM_OVERFLOW,
    c.SM_NO_EXP,
    c.SM_REDUCED,
)


def check_np_softmax(ck: Checker) -> str:
    """``np_softmax(z) -> S``, S_i = exp(z_i) / sum_j exp(z_j) along the last axis.

    Cases: the deck's scores (a vector); batches (N, K), each row its own distribution,
    N < K, N = K and N > K; large and very negative scores, where exp() overflows (or gives
    0 / 0) unless each row's maximum is subtracted first; rows of very different scale,
    where a shift by the batch's maximum leaves 0 / 0.
    """
    np_softmax = ck.get("np_softmax")
    rng = np.random.default_rng(11)
    for label, z in [
        ("the deck's scores", [-1.0, 1.0, 2.0]),
        ("a batch of 2 rows", [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),
        ("a batch of 3 rows, 3 classes", rng.normal(0, 2, (3, 3)).round(2)),
        ("a batch of 5 rows, 4 classes", rng.normal(0, 2, (5, 4)).round(2)),
        ("large scores", [1000.0, 1001.0, 1002.0]),
        ("very negative scores", [[-1000.0, -1001.0, -1002.0]]),
        ("rows of very different scale", [[1000.0, 1001.0, 1002.0], [0.0, 1.0, 2.0]]),
        *strict_scores(ck),
    ]:
        z = np.array(z)
        ck.case = f"np_softmax(z), {label}: z = {shown(z)}"
        got = expect_runs(
            ck.call,
            f"probabilities of shape {z.shape}",
            np_softmax,
            z.copy(),
            known=[(r"axis 1 is out of bounds", c.SM_AXIS_1), (BROADCAST, c.SM_NO_KEEPDIMS)],
        )
        expect_close(
            "np_softmax(z)",
            got,
            layers.softmax(z),
            wrong=softmax_mistakes(z, SOFTMAX),
            rtol=1e-6,
            atol=1e-9,
        )
    return (
        "each row sums to 1 for a vector and for batches of any shape, the order of the "
        "scores is kept, and large scores or rows far apart do not overflow."
    )


# ------------------------------------------------------------------------- cross-entropy

CROSS_ENTROPY = CrossEntropyCauses(
    c.CE_SUM,
    c.CE_SOFTMAX_TWICE,
    c.CE_LOG_OF_LOGITS,
    c.CE_SIGN,
    c.CE_UNSTABLE,
    c.CE_BATCH_MAX,
    c.CE_AXIS_0,
    c.CE_NO_KEEPDIMS,
    c.CE_ALL_CLASSES,
    c.CE_NOT_ONE,
    c.CE_OVER_CLASSES,
    c.CE_OVERFLOW,
)


def check_np_cross_entropy(ck: Checker) -> str:
    """``np_cross_entropy(logits (N, K), labels (N,) int) -> loss``, from the logits.

    loss = mean_n -log S[n, labels_n] with S = softmax(logits). Cases: the deck's scores,
    batches of several shapes, rows of very different scale, and logits far apart, where
    log(softmax) takes log(0) unless computed by log-sum-exp.
    """
    np_cross_entropy = ck.get("np_cross_entropy")
    rng = np.random.default_rng(12)
    for label, logits, y in [
        ("the deck's scores, right class 2", [[-1.0, 1.0, 2.0]], [2]),
        ("a batch of 3", [[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0]], [0, 2, 2]),
        ("a batch of 4, 10 classes", rng.normal(0, 3, (4, 10)).round(2), [3, 9, 0, 3]),
        ("a batch of 5, 2 classes", rng.normal(0, 3, (5, 2)).round(2), [1, 0, 0, 1, 1]),
        ("large logits", [[1000.0, 1001.0, 1002.0]], [1]),
        ("rows of very different scale", [[1000.0, 1001.0, 1002.0], [0.0, 1.0, 2.0]], [2, 0]),
        ("logits far apart", [[0.0, 800.0], [5.0, -5.0]], [0, 0]),
        *[(label, z, ck.rng.integers(0, z.shape[1], len(z))) for label, z in strict_scores(ck)],
    ]:
        logits, y = np.array(logits), np.array(y)
        ck.case = (
            f"np_cross_entropy(logits, labels), {label}: logits = {shown(logits)}, "
            f"labels = {shown(y)}"
        )
        want, _ = layers.softmax_cross_entropy_forward(logits, y)
        got = expect_runs(
            ck.call,
            "one number",
            np_cross_entropy,
            logits.copy(),
            y.copy(),
            known=[(BROADCAST, c.CE_NO_KEEPDIMS)],
        )
        got = to_array("np_cross_entropy(...)", got)
        expect_close(
            "np_cross_entropy(...)",
            got.reshape(()) if got.size == 1 else got,  # one number, of whatever shape
            want,
            wrong=cross_entropy_mistakes(logits, y, CROSS_ENTROPY),
            rtol=1e-6,
        )
    return (
        "the mean of -log softmax(logits)[right class], for any batch, stable for logits far apart."
    )


# ---------------------------------------------------------------------- backward passes


def check_np_relu_backward(ck: Checker) -> str:
    """``np_relu_backward(dout, x) -> dx`` of out = max(0, x): dx = dout * [x > 0].

    At x = 0 exactly, max(0, x) has no derivative: 0 (TensorFlow's) and dout (x >= 0) are
    both accepted there.
    """
    np_relu_backward = ck.get("np_relu_backward")
    rng = np.random.default_rng(0)
    for x in (
        np.array([[-2.0, -0.5, 0.5, 3.0], [1.0, -1.0, 2.0, -3.0]]),
        np.array([0.0, 1.5, -0.2, 0.0, 2.0]),
        rng.normal(size=(2, 3, 4)).round(2),
        *[z.round(2) for _, z in strict_scores(ck)],
    ):
        dout = rng.normal(size=x.shape).round(2)
        ck.case = f"np_relu_backward(dout, x), x = {shown(x)}, dout = {shown(dout)}"
        _, cache = layers.relu_forward(x)
        got = to_array("dx", ck.call(np_relu_backward, dout.copy(), x.copy()))
        want = layers.relu_backward(dout, cache)["x"]
        at_zero = x == 0
        if got.shape == x.shape and np.allclose(got[at_zero], dout[at_zero]):
            want = np.where(at_zero, dout, want)  # the convention x >= 0 at x = 0
        expect_close(
            "dx = dout * [x > 0]",
            got,
            want,
            wrong=[
                (c.RELU_DERIVATIVE_ALONE, (x > 0).astype(float)),
                (c.RELU_TIMES_RELU, dout * np.maximum(x, 0)),
                (c.RELU_NO_MASK, dout),
                (c.RELU_INVERTED, dout * (x <= 0)),
                (c.RELU_INVERTED, dout * (x < 0)),
            ],
        )
    return "the gradient flows where x > 0 and stops where x <= 0, for any shape."


def check_np_affine_backward(ck: Checker) -> str:
    """``np_affine_backward(dout (N, M), x (N, D), W (D, M)) -> (dx, dW, db)``, out = x W + b.

    dx = dout W^T (N, D), dW = x^T dout (D, M), db = dout summed over the batch (M,).
    N, D and M all differ, so that a product in the wrong order shows in the shapes.
    """
    np_affine_backward = ck.get("np_affine_backward")
    rng = np.random.default_rng(1)
    sizes = [(4, 3, 2), (1, 5, 3), (6, 2, 7)]
    if ck.strict:  # a random N, D, M
        sizes.append(tuple(int(v) for v in ck.rng.integers(1, 30, size=3)))
    for n, d, m in sizes:
        x, W, dout = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=(n, m))
        ck.case = (
            f"np_affine_backward(dout, x, W), x (N, D) = {x.shape}, W (D, M) = {W.shape}, "
            f"dout (N, M) = {dout.shape}"
        )
        out = ck.call(np_affine_backward, dout.copy(), x.copy(), W.copy())
        if out is None or out is Ellipsis:
            to_array("(dx, dW, db)", out)  # names a forgotten return, or a TODO left
        if not isinstance(out, tuple | list) or len(out) != 3:
            size = f" of {len(out)}" if isinstance(out, tuple | list) else ""
            received = f"a {type(out).__name__}{size}"
            raise Failure("a tuple (dx, dW, db)", received, c.AFFINE_NOT_THREE)
        _, cache = layers.affine_forward(x, {"W": W, "b": np.zeros(m)})
        want = layers.affine_backward(dout, cache)  # {"x", "W", "b"}
        shapes = [np.shape(v) for v in out]
        if shapes[:2] == [(d, m), (n, d)] and (n, d) != (d, m):
            raise Failure("(dx, dW, db)", f"shapes {shapes}: (dW, dx, ...)", c.AFFINE_ORDER)
        wrong = {
            "x": [(c.AFFINE_DX_TRANSPOSED, want["x"].T)],
            "W": [(c.AFFINE_DW_TRANSPOSED, want["W"].T), (c.AFFINE_DW_MEAN, want["W"] / n)],
            "b": [
                (c.AFFINE_DB_UNITS, dout.sum(axis=1)),
                (c.AFFINE_DB_MEAN, dout.mean(axis=0)),
                (c.AFFINE_DB_KEEPDIMS, dout.sum(axis=0, keepdims=True)),
            ],
        }
        for got, what, key in zip(
            out, ["dx = dout @ W.T", "dW = x.T @ dout", "db = dout.sum(axis=0)"], ["x", "W", "b"]
        ):
            expect_close(what, got, want[key], wrong=wrong[key], rtol=1e-6, atol=1e-9)
    return "dx, dW and db have the right shapes and values (checked with N, D, M apart)."


# ---------------------------------------------------------------------------- dropout


def expect_dropped(what: str, got: np.ndarray, x: np.ndarray, rate: float) -> None:
    """Fail unless ``got`` is inverted dropout of ``x`` (no zero in it) at ``rate``."""
    if got.shape != x.shape:
        raise Failure(f"the input's shape, {x.shape}", f"shape {got.shape}", c.DROPOUT_SHAPE)
    dropped = float(np.mean(got == 0))
    if abs(dropped - rate) > 0.015:
        flipped = abs(dropped - (1 - rate)) <= 0.015
        raise Failure(
            f"about {rate:.0%} of the units zeroed",
            f"{dropped:.1%}",
            c.DROPOUT_FLIPPED if flipped else c.DROPOUT_RATE_IGNORED,
        )
    kept = got != 0
    ratio = got[kept] / x[kept]  # 1 / (1 - rate) for each kept unit
    if not np.allclose(ratio, 1 / (1 - rate)):
        cause = None
        if np.allclose(ratio, 1.0):
            cause = c.DROPOUT_NO_SCALE
        elif np.allclose(ratio, 1 - rate):
            cause = c.DROPOUT_TIMES_KEEP
        elif np.allclose(ratio, 1 / rate):
            cause = c.DROPOUT_BY_RATE
        elif np.allclose(got[kept], got[kept].flat[0]):
            cause = c.DROPOUT_NOT_TIMES_X
        raise Failure(
            f"kept units of value 1 / (1 - rate) = {1 / (1 - rate):.4f} times x",
            f"{brief(ratio)} times x",
            cause,
        )


def check_np_dropout(ck: Checker) -> str:
    """``np_dropout(x, rate, rng) -> out``: inverted dropout while training.

    Each unit is zeroed with probability ``rate`` and the kept ones are scaled by
    1 / (1 - rate), so that E[out] = x; the mask comes from ``rng``, a
    ``np.random.Generator``: the same generator seed gives the same mask. Checked on ones
    and on random x, at rates 0.25, 0.5 and 0.1, for a matrix and a vector.
    """
    np_dropout = ck.get("np_dropout")
    x_rng = np.random.default_rng(3)
    for x, rate, label in [
        (np.ones((200, 500)), 0.25, "x = ones (200, 500)"),
        (x_rng.uniform(0.5, 2.0, (300, 200)), 0.5, "x uniform in [0.5, 2] (300, 200)"),
        (x_rng.uniform(-2.0, -0.5, 50_000), 0.1, "x uniform in [-2, -0.5] (50000,)"),
    ]:
        ck.case = f"np_dropout(x, rate={rate}, rng=np.random.default_rng(0)), {label}"
        out = ck.call(np_dropout, x.copy(), rate, np.random.default_rng(0))
        expect_dropped("np_dropout(x, ...)", to_array("np_dropout(x, ...)", out), x, rate)

    x, rate = np.ones((200, 500)), 0.25
    ck.case = "np_dropout(x, 0.25, rng) with np.random.default_rng(seed), seeds 0, 0 and 1"
    first, again, other = (
        to_array("np_dropout(x, ...)", np_dropout(x.copy(), rate, np.random.default_rng(s)))
        for s in (0, 0, 1)
    )
    if not np.array_equal(first, again):
        raise Failure(
            "the same mask for the same generator seed, another for another",
            "a different mask for the same generator seed",
            c.DROPOUT_UNSEEDED,
        )
    if np.array_equal(first, other):
        raise Failure(
            "the same mask for the same generator seed, another for another",
            "the same mask for another generator seed",
            c.DROPOUT_RNG_IGNORED,
        )
    return "about rate of the units are dropped at every rate, the others scaled by 1/(1-rate)."
