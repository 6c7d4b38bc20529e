"""The "by hand" katas: NumPy functions checked at once, with the usual mistake named.

Each ``check_*`` takes the learner's function, runs it on a few cases against tfdojo's
NumPy engine (:mod:`tfdojo.scratch.layers`, the oracle), and returns a :class:`KataResult`
whose text names the failing case, what was expected, what came back, and the usual
cause of that mistake::

    >>> from tfdojo import kata
    >>> def my_softmax(z):
    ...     e = np.exp(z)
    ...     return e / e.sum(axis=-1, keepdims=True)
    >>> kata.check_softmax(my_softmax)
    not yet: softmax([1000, 1001, 1002]) gave [nan nan nan] ...

A function that still raises ``NotImplementedError`` (the TODO of a learner notebook)
gets "not done yet" instead of a crash, so a notebook runs top to bottom either way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from tfdojo.scratch.layers import softmax, softmax_cross_entropy_forward

__all__ = [
    "KataResult",
    "check_affine_backward",
    "check_conv_output_size",
    "check_conv_params",
    "check_cross_entropy",
    "check_dropout",
    "check_relu_backward",
    "check_softmax",
]


@dataclasses.dataclass(frozen=True)
class KataResult:
    """The verdict of one check: ``passed`` and a message in plain words.

    It is true when passed, and shows as its message in a notebook.
    """

    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def __str__(self) -> str:
        return self.message


def _ok(name: str, message: str) -> KataResult:
    return KataResult(name, True, f"well done: {message}")


def _fail(name: str, message: str) -> KataResult:
    return KataResult(name, False, f"not yet: {message}")


def _call(name: str, fn: Callable, *args: Any) -> tuple[Any, KataResult | None]:
    """Call the learner's ``fn``; turn a TODO or a crash into a result instead of raising."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, KataResult(
            name,
            False,
            f"not done yet: {name} still raises NotImplementedError; "
            "fill in the TODO in the cell above and run it again",
        )
    except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
        shown = ", ".join(_show(a) for a in args)
        return None, _fail(name, f"{name}({shown}) raised {type(exc).__name__}: {exc}")


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ", threshold=12)
    return repr(value)


def _array(value: Any) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------- softmax


def check_softmax(fn: Callable[[np.ndarray], np.ndarray]) -> KataResult:
    """Check ``fn(z) -> S``: S_i = exp(z_i) / sum_j exp(z_j) along the last axis.

    Cases: the deck's scores (-1, 1, 2); a batch (N, K) (each row is its own
    distribution); large scores (1000, 1001, 1002), where exp() overflows unless the
    row's maximum is subtracted first.
    """
    name = "softmax"
    cases = [
        ("the deck's scores", np.array([-1.0, 1.0, 2.0])),
        ("a batch of 2 rows", np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])),
        ("large scores", np.array([1000.0, 1001.0, 1002.0])),
        ("very negative scores", np.array([[-1000.0, -1001.0, -1002.0]])),
    ]
    for label, z in cases:
        out, err = _call(name, fn, z.copy())
        if err is not None:
            return err
        got = _array(out)
        want = softmax(z)
        call = f"softmax({_show(z)}) ({label})"
        if got is None or got.shape != want.shape:
            shape = None if got is None else got.shape
            hint = ""
            if got is not None and z.ndim == 2 and got.ndim == 2 and got.shape == (z.shape[0], 1):
                hint = " You reduced too far: keep one probability per score."
            return _fail(
                name,
                f"{call} gave shape {shape}, expected {want.shape}: one probability per "
                f"score.{hint}",
            )
        if not np.all(np.isfinite(got)):
            return _fail(
                name,
                f"{call} gave {_show(got)}, expected {_show(want)}. exp() of large scores "
                "overflows to inf (inf/inf = nan): subtract each row's maximum from the "
                "scores before exp(); softmax(z - max z) = softmax(z).",
            )
        if not np.allclose(got, want, rtol=1e-6, atol=1e-9):
            hint = ""
            if z.ndim == 2 and np.allclose(got.sum(), 1.0):
                hint = (
                    " All the numbers sum to 1 together, but each row should: "
                    "sum over the last axis (axis=-1, keepdims=True)."
                )
            elif np.allclose(got, z / z.sum(axis=-1, keepdims=True)):
                hint = " You divided the scores by their sum: take exp() of them first."
            return _fail(name, f"{call} gave {_show(got)}, expected {_show(want)}.{hint}")
    return _ok(
        name,
        "each row sums to 1, the order of the scores is kept, and large scores do not overflow.",
    )


# ------------------------------------------------------------------------- cross-entropy


def check_cross_entropy(fn: Callable[[np.ndarray, np.ndarray], float]) -> KataResult:
    """Check ``fn(logits (N, K), labels (N,) int) -> mean loss``, from the logits.

    D(S, L) = -sum_i L_i log S_i with S = softmax(logits): the mean over the batch of
    -log S[right class]. Cases: the deck's scores, a batch, and logits far apart (where
    log(softmax) underflows to log(0) unless computed as log-sum-exp).
    """
    name = "cross_entropy"
    cases = [
        ("the deck's scores, right class 2", np.array([[-1.0, 1.0, 2.0]]), np.array([2])),
        (
            "a batch of 3",
            np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0]]),
            np.array([0, 2, 2]),
        ),
        ("logits far apart", np.array([[0.0, 800.0], [5.0, -5.0]]), np.array([0, 0])),
    ]
    for label, logits, y in cases:
        out, err = _call(name, fn, logits.copy(), y.copy())
        if err is not None:
            return err
        got = _array(out)
        want, _ = softmax_cross_entropy_forward(logits, y)
        call = f"cross_entropy({_show(logits)}, labels={_show(y)}) ({label})"
        if got is None or got.size != 1:
            return _fail(
                name,
                f"{call} gave {_show(out)}, expected one number {want:.4f}: the mean over "
                "the batch.",
            )
        got = float(got.reshape(()))
        if np.isclose(got, want, rtol=1e-6):
            continue
        n = len(y)
        rows = np.arange(n)
        with np.errstate(all="ignore"):
            on_probs = float(-np.log(logits[rows, y]).mean())
            on_softmax_twice, _ = softmax_cross_entropy_forward(softmax(logits), y)
        if not np.isfinite(got) and label == "logits far apart":
            hint = (
                " log(softmax(z)) underflows: softmax gives exactly 0 for a class 800 below "
                "the best, and log(0) = -inf. Compute log S = (z - max z) - "
                "log(sum exp(z - max z)) (log-sum-exp) instead."
            )
        elif np.isclose(got, on_probs, equal_nan=True) or not np.isfinite(got):
            hint = (
                " Your function takes the log of the scores themselves, as if they were "
                "probabilities: these are logits, apply softmax first (log S = z - "
                "log sum exp z)."
            )
        elif np.isclose(got, on_softmax_twice):
            hint = " You applied softmax twice: the inputs are logits, softmax them once."
        elif n > 1 and np.isclose(got, want * n):
            hint = " You summed over the batch: take the mean."
        elif np.isclose(got, -want):
            hint = " The sign is wrong: D = -log S[right], a positive number."
        else:
            hint = " Check that you pick the probability of the right class of each row."
        return _fail(name, f"{call} gave {got:.4f}, expected {want:.4f}.{hint}")
    return _ok(name, "the mean of -log softmax(logits)[right class], stable for logits far apart.")


# ---------------------------------------------------------------------- backward passes


def check_relu_backward(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> KataResult:
    """Check ``fn(dout, x) -> dx`` for out = max(0, x): dx = dout where x > 0, else 0."""
    name = "relu_backward"
    rng = np.random.default_rng(0)
    x = np.array([[-2.0, -0.5, 0.5, 3.0], [1.0, -1.0, 2.0, -3.0]])
    dout = rng.normal(size=x.shape).round(2)
    out, err = _call(name, fn, dout.copy(), x.copy())
    if err is not None:
        return err
    got = _array(out)
    want = dout * (x > 0)
    call = f"relu_backward(dout={_show(dout)}, x={_show(x)})"
    if got is None or got.shape != want.shape:
        return _fail(
            name,
            f"{call} gave shape {None if got is None else got.shape}, expected {want.shape}: "
            "dx has the shape of x.",
        )
    if np.allclose(got, want):
        return _ok(name, "the gradient flows where x > 0 and stops where x <= 0.")
    if np.allclose(got, (x > 0).astype(float)):
        hint = " You returned the ReLU's derivative alone: multiply it by dout (chain rule)."
    elif np.allclose(got, dout * np.maximum(x, 0)):
        hint = " You multiplied dout by relu(x): the derivative is the step [x > 0], not x."
    elif np.allclose(got, dout):
        hint = " You let every gradient through: zero it where x <= 0."
    elif np.allclose(got, dout * (x <= 0)):
        hint = " The mask is inverted: the gradient flows where x > 0."
    else:
        hint = ""
    return _fail(name, f"{call} gave {_show(got)}, expected {_show(want)}.{hint}")


def check_affine_backward(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> KataResult:
    """Check ``fn(dout (N, M), x (N, D), W (D, M)) -> (dx, dW, db)`` for out = x W + b.

    dx = dout W^T (N, D), dW = x^T dout (D, M), db = dout summed over the batch (M,).
    The check uses N, D, M all different, so a transposed product shows in the shapes.
    """
    name = "affine_backward"
    rng = np.random.default_rng(1)
    n, d, m = 4, 3, 2
    x = rng.normal(size=(n, d))
    W = rng.normal(size=(d, m))
    dout = rng.normal(size=(n, m))
    out, err = _call(name, fn, dout.copy(), x.copy(), W.copy())
    if err is not None:
        return err
    try:
        dx, dW, db = (np.asarray(a, dtype=np.float64) for a in out)
    except (TypeError, ValueError):
        return _fail(name, f"affine_backward returned {_show(out)}; expected a tuple (dx, dW, db)")
    want = {"dx": dout @ W.T, "dW": x.T @ dout, "db": dout.sum(axis=0)}
    got = {"dx": dx, "dW": dW, "db": db}
    rules = {
        "dx": "dx = dout @ W.T: (N, M) @ (M, D) -> (N, D)",
        "dW": "dW = x.T @ dout: (D, N) @ (N, M) -> (D, M)",
        "db": "db = dout.sum(axis=0): one number per output unit, (M,)",
    }
    where = f"with x (N, D) = {x.shape}, W (D, M) = {W.shape}, dout (N, M) = {dout.shape}"
    for key in ("dx", "dW", "db"):
        g, w = got[key], want[key]
        if g.shape != w.shape:
            hint = ""
            if g.shape == w.T.shape and np.allclose(g.T, w):
                hint = " It is the transpose of the right answer: swap the product's order."
            elif key == "db" and g.shape == (n,):
                hint = " You summed over the units instead of over the batch (axis=0)."
            return _fail(
                name,
                f"{key} has shape {g.shape} {where}; expected {w.shape}. {rules[key]}.{hint}",
            )
        if not np.allclose(g, w, rtol=1e-6, atol=1e-9):
            hint = ""
            if key == "db" and np.allclose(g, dout.mean(axis=0)):
                hint = " You took the mean: the loss already averages, so sum here."
            return _fail(
                name,
                f"{key} {where} is {_show(g)}, expected {_show(w)}. {rules[key]}.{hint}",
            )
    return _ok(name, "dx, dW and db have the right shapes and values (checked with N, D, M apart).")


# ---------------------------------------------------------------------------- dropout


def check_dropout(fn: Callable[[np.ndarray, float, np.random.Generator], np.ndarray]) -> KataResult:
    """Check ``fn(x, rate, rng) -> out``: inverted dropout while training.

    Each unit is zeroed with probability ``rate`` and the kept ones are scaled by
    ``1 / (1 - rate)``, so the expected output equals the input and nothing changes at
    test time. ``rng`` is a ``np.random.Generator`` to draw the mask from.
    """
    name = "dropout"
    x = np.ones((200, 500))
    rate = 0.25
    out, err = _call(name, fn, x.copy(), rate, np.random.default_rng(0))
    if err is not None:
        return err
    got = _array(out)
    if got is None or got.shape != x.shape:
        return _fail(
            name,
            f"dropout(x of shape {x.shape}, rate={rate}) gave shape "
            f"{None if got is None else got.shape}: the output has the shape of x.",
        )
    call = f"dropout(ones {x.shape}, rate={rate})"
    dropped = float((got == 0).mean())
    if abs(dropped - rate) > 0.01:
        hint = ""
        if abs(dropped - (1 - rate)) <= 0.01:
            hint = " You dropped with probability 1 - rate: rate is the fraction to drop."
        return _fail(
            name, f"{call} zeroed {dropped:.1%} of the units, expected about {rate:.0%}.{hint}"
        )
    kept = got[got != 0]
    if not np.allclose(kept, 1 / (1 - rate)):
        hint = ""
        if np.allclose(kept, 1.0):
            hint = (
                " You did not scale the kept units: multiply them by 1 / (1 - rate) so the "
                "expected output stays the input (inverted dropout)."
            )
        elif np.allclose(kept, 1 - rate):
            hint = " You multiplied by (1 - rate): divide by it instead."
        return _fail(
            name,
            f"{call} kept units of value {_show(np.unique(kept)[:4])}, expected "
            f"{1 / (1 - rate):.4f}.{hint}",
        )
    second, err = _call(name, fn, x.copy(), rate, np.random.default_rng(1))
    if err is not None:
        return err
    if np.array_equal(np.asarray(second), got):
        return _fail(
            name,
            "two calls with different generators dropped the same units: draw the mask "
            "from rng (rng.random(x.shape) >= rate).",
        )
    return _ok(name, f"about {rate:.0%} of the units are dropped and the mean stays the input's.")


# ------------------------------------------------------------------------- convolutions

_CONV_CASES = [
    (28, 3, 1, "SAME"),
    (28, 3, 1, "VALID"),
    (28, 3, 2, "VALID"),
    (28, 5, 2, "SAME"),
    (7, 3, 2, "SAME"),
    (27, 5, 2, "VALID"),
    (14, 5, 1, "VALID"),
    (9, 2, 3, "VALID"),
]


def check_conv_output_size(
    fn: Callable[[int, int, int, str], int], name: str = "conv_output_size"
) -> KataResult:
    """Check ``fn(n, k, s, padding) -> output size`` along one axis.

    SAME: ceil(n / s); VALID: ceil((n - k + 1) / s). The cases include the deck's
    table (28, patch 3, strides 1 and 2) and odd sizes where rounding matters.
    ``name`` is how messages call ``fn`` (kata 12 of the TensorFlow track calls it
    ``output_size``).
    """
    from tfdojo.models.shapes import conv_output_size

    for n, k, s, padding in _CONV_CASES:
        out, err = _call(name, fn, n, k, s, padding)
        if err is not None:
            return err
        want = conv_output_size(n, k, s, padding)
        call = f"{name}(n={n}, k={k}, s={s}, padding={padding!r})"
        try:
            got = int(out)
            whole = got == out
        except (TypeError, ValueError):
            return _fail(name, f"{call} gave {out!r}, expected the whole number {want}.")
        if not whole:
            return _fail(
                name, f"{call} gave {out!r}, expected the whole number {want}: round up (ceil)."
            )
        if got == want:
            continue
        if padding == "VALID" and got == -(-(n - k) // s):
            hint = (
                f" Off by one: a {k}-wide window fits in n - k + 1 = {n - k + 1} positions, "
                f"not n - k = {n - k}."
            )
        elif got == (n if padding == "SAME" else n - k + 1) // s:
            hint = " Round up, not down: a last partial stride still gives an output (ceil)."
        elif padding == "SAME" and got == n:
            hint = " With SAME padding the stride still divides the size: ceil(n / s)."
        elif padding == "SAME" and got == -(-(n - k + 1) // s):
            hint = " That is VALID's formula: SAME pads so the window never shrinks the size."
        else:
            hint = ""
        return _fail(name, f"{call} gave {got}, expected {want}.{hint}")
    return _ok(name, "SAME gives ceil(n/s), VALID ceil((n-k+1)/s), on every case of the table.")


def check_conv_params(fn: Callable[[int, int, int], int], name: str = "conv_params") -> KataResult:
    """Check ``fn(k, depth_in, depth_out) -> parameters`` of a k x k conv layer.

    Each of the ``depth_out`` filters has ``k * k * depth_in`` weights and one bias.
    ``name`` is how messages call ``fn``.
    """
    for k, c_in, c_out in [(3, 3, 8), (5, 1, 16), (5, 16, 16), (3, 32, 64)]:
        out, err = _call(name, fn, k, c_in, c_out)
        if err is not None:
            return err
        want = k * k * c_in * c_out + c_out
        call = f"{name}(k={k}, depth_in={c_in}, depth_out={c_out})"
        if out == want:
            continue
        if out == k * k * c_in * c_out:
            hint = f" You forgot the biases: one per filter, {c_out} more."
        elif out == k * k * c_out + c_out:
            hint = " Each filter spans every input channel: multiply by depth_in too."
        else:
            hint = ""
        return _fail(name, f"{call} gave {out!r}, expected {want:,}.{hint}")
    return _ok(name, "k x k x depth_in weights per filter, plus one bias per filter.")
