"""The mistakes both tracks meet, diagnosed once: softmax, the cross-entropy, dropout, and
the two formulas of a conv layer.

A NumPy kata (:mod:`~tfdojo.teaching.kata.checks.by_hand`) and its TensorFlow twin
(:mod:`~tfdojo.teaching.kata.checks.basics`, :mod:`~tfdojo.teaching.kata.checks.networks`,
:mod:`~tfdojo.teaching.kata.checks.conv`) name the same mistake with the same words:

- ``*_mistakes(...)`` return a case's usual wrong answers as ``(cause, value)`` pairs,
  computed in NumPy, for :func:`~tfdojo.teaching.kata.expect.expect_close` to recognise
  (a value of another shape names a wrong shape);
- ``expect_*(...)`` run a whole diagnosis and raise
  :class:`~tfdojo.teaching.kata.checking.Failure`.

Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tfdojo.models.shapes import conv_output_size
from tfdojo.scratch.layers import softmax
from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.causes import conv as conv_causes
from tfdojo.teaching.kata.causes import networks as causes
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.expect import brief, to_array

Mistakes = list[tuple[Cause, Any]]

# ------------------------------------------------------------------------------- softmax

ROWS = causes.SOFTMAX_ROWS
OVERFLOW = causes.SOFTMAX_OVERFLOW


def softmax_mistakes(z: np.ndarray) -> Mistakes:
    """The usual wrong answers of softmax(z), z (K,) or (N, K): S_i = exp(z_i) / sum_j exp(z_j)."""
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # shifted row by row, as it should be
    g = np.exp(z - z.max())  # shifted by the batch's max
    with np.errstate(all="ignore"):  # a wrong answer may divide by 0
        return [
            (ROWS, e / e.sum()),  # (N, K) / () -> (N, K): one distribution for the batch
            (ROWS, g / g.sum()),
            (causes.SOFTMAX_AXIS0, e / e.sum(axis=0)),
            (causes.SOFTMAX_NO_EXP, z / z.sum(axis=-1, keepdims=True)),
            (OVERFLOW, np.full(z.shape, np.nan)),
            (causes.SOFTMAX_REDUCED, e.sum(axis=-1, keepdims=True)),
        ]


# ------------------------------------------------------------------------- cross-entropy

UNSTABLE = causes.LOG_UNDERFLOW


def cross_entropy_mistakes(logits: np.ndarray, labels: np.ndarray) -> Mistakes:
    """The usual wrong answers of the mean cross-entropy of ``logits`` (N, K) against int
    ``labels`` (N,): loss = mean_n -log S[n, labels_n], S = softmax(logits)."""
    z = np.asarray(logits, np.float64)
    n, rows = len(labels), np.arange(len(labels))
    shifted = z - z.max(axis=1, keepdims=True)  # (N, K) - (N, 1)
    log_S = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, K), log-sum-exp
    S = np.exp(log_S)  # (N, K)
    want = -log_S[rows, labels].mean()
    with np.errstate(all="ignore"):  # the log of a logit <= 0
        of_logits = -np.log(z[rows, labels]).mean()  # the logits taken as probabilities
    mistakes = []
    if np.any(S == 0):  # softmax underflows here: an inf or nan is a log(0)
        mistakes += [(UNSTABLE, np.inf), (UNSTABLE, np.nan)]
    return mistakes + [
        (causes.CE_SUM, want * n),
        (causes.CE_SOFTMAX_TWICE, -np.log(softmax(S))[rows, labels].mean()),
        (causes.CE_LOG_LOGITS, of_logits),
        (causes.CE_SIGN, -want),
        (causes.CE_EVERY_CLASS, -log_S.mean()),
        (causes.CE_NOT_REDUCED, -log_S[rows, labels]),
    ]


# ------------------------------------------------------------------------------- dropout

NO_SCALE = causes.DROPOUT_NO_SCALE


def expect_dropout(what: str, out: Any, rate: float, shape: tuple[int, ...]) -> np.ndarray:
    """Fail unless ``out`` is inverted dropout at ``rate`` of ones of ``shape``; return it
    as an array.

    out_i = keep_i / (1 - rate), keep_i ~ Bernoulli(1 - rate): about ``rate`` of the units
    are 0 and the others 1 / (1 - rate), so that E[out_i] = 1, the input.
    """
    got = to_array(what, out)
    if got.shape != shape:
        raise Failure(f"the input's shape, {shape}", f"shape {got.shape}", causes.DROPOUT_SHAPE)
    dropped = float(np.mean(got == 0))
    if abs(dropped - rate) > 0.01:
        cause = None
        if abs(dropped - (1 - rate)) <= 0.01:
            cause = causes.DROPOUT_KEEP_RATE
        elif any(abs(dropped - r) <= 0.01 for r in (0.5, 0.25, 0.2)):
            cause = causes.DROPOUT_RATE_IGNORED  # a rate of the learner's own
        raise Failure(f"about {rate:.0%} of the units zeroed", f"{dropped:.1%}", cause)
    kept = np.unique(got[got != 0])
    if not np.allclose(kept, 1 / (1 - rate)):
        cause = None
        if np.allclose(kept, 1.0):
            cause = NO_SCALE
        elif np.allclose(kept, 1 - rate):
            cause = causes.DROPOUT_TIMES_KEEP
        raise Failure(
            f"kept units of value 1 / (1 - rate) = {1 / (1 - rate):.4f}", brief(kept), cause
        )
    return got


def expect_mask_follows(
    source: str, first: Any, again: Any, other: Any, cause: Cause | str
) -> None:
    """Fail unless two masks drawn from the same ``source`` (a seed, a generator's seed) are
    the same, ``first`` and ``again``, and one drawn from another, ``other``, differs."""
    if np.array_equal(first, again) and not np.array_equal(first, other):
        return
    received = (
        "a different mask for the same " + source
        if not np.array_equal(first, again)
        else "the same mask for another " + source
    )
    raise Failure(f"the same mask for the same {source}, another for another", received, cause)


# ---------------------------------------------------------------------- conv formulas

CONV_CASES = [
    (28, 3, 1, "SAME"),
    (28, 3, 1, "VALID"),
    (28, 3, 2, "VALID"),
    (28, 5, 2, "SAME"),
    (7, 3, 2, "SAME"),
    (27, 5, 2, "VALID"),
    (14, 5, 1, "VALID"),
    (9, 2, 3, "VALID"),
]
"""``(n, k, stride, padding)``: the deck's table (28, patch 3, strides 1 and 2) and odd
sizes where the rounding matters."""


def expect_output_sizes(ck: Checker, output_size: Callable, name: str = "output_size") -> None:
    """Fail unless ``output_size(n, k, stride, padding)`` gives the output size along one
    axis on every case of :data:`CONV_CASES`: SAME ceil(n / s), VALID ceil((n - k + 1) / s).

    ``name`` is how the messages call ``output_size``.
    """
    for n, k, s, padding in CONV_CASES:
        ck.case = f"{name}(n={n}, k={k}, stride={s}, padding={padding!r})"
        want = conv_output_size(n, k, s, padding)
        got = to_array(f"{name}(...)", output_size(n, k, s, padding))
        if got.shape != () or got.dtype.kind not in "iuf":
            raise Failure(f"the whole number {want}", brief(got))
        if got != np.round(got):
            raise Failure(f"the whole number {want}", brief(got), conv_causes.SIZE_NOT_WHOLE)
        got = int(got)
        if got == want:
            continue
        cause = None
        if padding == "VALID" and got == -(-(n - k) // s):
            cause = conv_causes.SIZE_OFF_BY_ONE
        elif got == (n if padding == "SAME" else n - k + 1) // s:
            cause = conv_causes.SIZE_ROUND_DOWN
        elif padding == "SAME" and got == n:
            cause = conv_causes.SIZE_SAME_STRIDE
        elif padding == "SAME" and got == -(-(n - k + 1) // s):
            cause = conv_causes.SIZE_SAME_AS_VALID
        raise Failure(
            f"{want}: SAME gives ceil(n / s), VALID ceil((n - k + 1) / s)", str(got), cause
        )


def expect_num_params(ck: Checker, num_params: Callable, name: str = "num_params") -> None:
    """Fail unless ``num_params(k, depth_in, depth_out)`` counts a k x k conv layer's weights
    and biases: k * k * depth_in * depth_out + depth_out."""
    for k, c_in, c_out in [(3, 3, 8), (5, 1, 16), (5, 16, 16), (3, 32, 64)]:
        ck.case = f"{name}(k={k}, depth_in={c_in}, depth_out={c_out})"
        want = k * k * c_in * c_out + c_out
        got = to_array(f"{name}(...)", num_params(k, c_in, c_out))
        value = got.item() if got.shape == () else None
        if value == want:
            continue
        cause = None
        if value == k * k * c_in * c_out:
            cause = conv_causes.PARAMS_NO_BIAS
        elif value == k * k * c_out + c_out:
            cause = conv_causes.PARAMS_NO_DEPTH_IN
        raise Failure(f"{want:,} = k * k * depth_in * depth_out + depth_out", brief(got), cause)
