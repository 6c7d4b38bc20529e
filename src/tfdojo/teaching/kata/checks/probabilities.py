"""The usual wrong answers of softmax and of the cross-entropy, for kata 3 and the NumPy track.

Both tracks meet the same mistakes; each kata names them with causes of its own id (the
same sentence): a :class:`SoftmaxCauses` or :class:`CrossEntropyCauses` says which. The
functions return ``(cause, value)`` pairs, computed in float64 NumPy, for
:func:`~tfdojo.teaching.kata.expect.expect_close` to recognise. The cases where a mistake
shows are the checks' to choose: rows of very different scale (a shift by the batch's
maximum), more rows than classes and the other way round (axis 0, a missing keepdims).

Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from tfdojo.teaching.kata.causes import Cause

Mistakes = list[tuple[Cause, Any]]


@dataclasses.dataclass(frozen=True)
class SoftmaxCauses:
    """The causes a softmax check names (one kata's ids)."""

    axis_0: Cause
    whole_sum: Cause
    no_keepdims: Cause
    batch_max: Cause
    overflow: Cause
    no_exp: Cause
    reduced: Cause


@dataclasses.dataclass(frozen=True)
class CrossEntropyCauses:
    """The causes a cross-entropy check names (one kata's ids)."""

    sum: Cause
    softmax_twice: Cause
    log_of_logits: Cause
    sign: Cause
    unstable: Cause
    batch_max: Cause
    axis_0: Cause
    no_keepdims: Cause
    all_classes: Cause
    not_one_number: Cause
    over_classes: Cause
    overflow: Cause


def softmax_rows(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax along ``axis``, shifted by the maximum along it (the right way)."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_mistakes(z: Any, causes: SoftmaxCauses) -> Mistakes:
    """The usual wrong answers of softmax(z), z (K,) or (N, K): S_i = exp(z_i) / sum_j exp(z_j)."""
    z = np.asarray(z, np.float64)
    with np.errstate(all="ignore"):  # a wrong answer may divide by 0 or overflow
        e = np.exp(z - z.max(axis=-1, keepdims=True))  # shifted row by row, as it should be
        g = np.exp(z - z.max())  # shifted by the batch's maximum
        raw = np.exp(z)
        found: Mistakes = [
            (causes.whole_sum, e / e.sum()),  # (N, K) / () -> (N, K): one distribution
            (causes.whole_sum, g / g.sum()),
            (causes.batch_max, g / g.sum(axis=-1, keepdims=True)),
            (causes.overflow, raw / raw.sum(axis=-1, keepdims=True)),
            (causes.no_exp, z / z.sum(axis=-1, keepdims=True)),
            (causes.reduced, e.sum(axis=-1, keepdims=True)),
        ]
        if z.ndim == 2:
            found += [
                (causes.axis_0, softmax_rows(z, axis=0)),  # a softmax of each column
                (causes.axis_0, e / e.sum(axis=0, keepdims=True)),  # row max, column sums
                (causes.axis_0, g / g.sum(axis=0, keepdims=True)),
            ]
        if z.ndim == 2 and z.shape[0] == z.shape[1]:  # (N, K) / (N,) lines up when N == K
            found.append((causes.no_keepdims, e / e.sum(axis=-1)))
    return [(c, v) for c, v in found if np.shape(v) == z.shape or c is causes.reduced]


def log_softmax_rows(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax along ``axis`` by log-sum-exp (the right way)."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def cross_entropy_mistakes(logits: Any, labels: Any, causes: CrossEntropyCauses) -> Mistakes:
    """The usual wrong answers of the mean cross-entropy of ``logits`` (N, K) against int
    ``labels`` (N,): loss = mean_n -log S[n, labels_n], S = softmax(logits)."""
    z = np.asarray(logits, np.float64)
    labels = np.asarray(labels)
    n, k, rows = len(labels), z.shape[1], np.arange(len(labels))
    log_S = log_softmax_rows(z)  # (N, K)
    S = np.exp(log_S)
    want = -log_S[rows, labels].mean()
    with np.errstate(all="ignore"):  # the log of a logit <= 0, of a softmax of 0
        of_logits = -np.log(z[rows, labels]).mean()  # the logits taken as probabilities
        unstable = -np.log(softmax_rows(z))[rows, labels].mean()
        batch = z - z.max()
        batch_shift = batch - np.log(np.exp(batch).sum(axis=1, keepdims=True))
        by_batch_max = -batch_shift[rows, labels].mean()
        shifted = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(shifted).sum(axis=1))  # (N,): no keepdims
        no_keepdims = -(shifted - lse)[rows, labels].mean() if n == k else None
        raw = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # no shift at all
        no_shift = -raw[rows, labels].mean()
    found: Mistakes = []
    if np.any(S == 0):  # softmax underflows here: an inf or nan is a log(0)
        found += [(causes.unstable, np.inf), (causes.unstable, np.nan)]
        for eps in (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15):  # log(S + eps)
            found += [(causes.unstable, -np.log(S + eps)[rows, labels].mean())]
            found += [(causes.unstable, -np.log(np.clip(S, eps, 1.0))[rows, labels].mean())]
    elif not np.isfinite(by_batch_max):  # a row far below the batch's maximum: log(0)
        found += [(causes.batch_max, v) for v in (np.nan, np.inf, -np.inf)]
    elif not np.isfinite(no_shift):  # one row, large: an inf or nan is an exp(1000)
        found += [(causes.overflow, v) for v in (np.nan, np.inf, -np.inf)]
    elif not np.isclose(by_batch_max, want):
        found += [(causes.batch_max, by_batch_max)]
    if np.isfinite(of_logits):  # the log of a negative logit is nan: no clue then
        found += [(causes.log_of_logits, of_logits)]
    found += [
        (causes.sum, want * n),
        (causes.softmax_twice, -np.log(softmax_rows(S))[rows, labels].mean()),
        (causes.sign, -want),
        (causes.axis_0, -log_softmax_rows(z, axis=0)[rows, labels].mean()),
        (causes.all_classes, -log_S.mean() * k),  # -sum over classes, mean over the batch
        (causes.all_classes, -log_S.mean()),
        (causes.all_classes, -log_S[:, labels].mean()),  # (N, N): every row, every label
        (causes.over_classes, want / k),
        (causes.not_one_number, -log_S[rows, labels]),
        (causes.unstable, unstable),
    ]
    if no_keepdims is not None:
        found.append((causes.no_keepdims, no_keepdims))
    return found
