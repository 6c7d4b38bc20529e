"""Kata 4's usual wrong answers: a loss given logits as probabilities, a wrong update.

Computed in NumPy from the reference's values; :func:`step_mistakes` also recognises any
update v0 - c * g with a c other than the learning rate asked (a learning rate written in).
"""

from __future__ import annotations

import numpy as np

from tfdojo.teaching.kata.causes import basics as c


def as_probabilities(logits, y: np.ndarray) -> list[float]:
    """Keras's cross-entropies without from_logits=True: the logits taken as probabilities,
    clipped to [1e-7, 1 - 1e-7] and normalised by their sum (or not), then -mean log p[y]."""
    z = np.asarray(logits, np.float64)
    rows = np.arange(len(y))
    with np.errstate(all="ignore"):  # a sum of logits may be 0 or negative
        found = []
        for p in (z / z.sum(axis=-1, keepdims=True), z):
            found.append(float(-np.log(np.clip(p, 1e-7, 1 - 1e-7))[rows, y].mean()))
        q = np.clip(z, 1e-7, 1 - 1e-7)  # the sparse loss: clipped, then normalised
        found.append(float(-np.log(q[rows, y] / q.sum(axis=-1)).mean()))
    return found


SEEDS = {32: 4, 7: 9}
"""The seed of each batch size's images and labels (32 images: those the katas tutorial shows)."""


def step_mistakes(v0: np.ndarray, v: np.ndarray, g: np.ndarray, lr: float, n: int) -> list:
    """The usual wrong updates of v0 by the gradient g: v should be v0 - lr * g."""
    v, g64 = np.asarray(v, np.float64), g.astype(np.float64)
    dot = float((g64 * g64).sum())
    scale = float(((v0 - v) * g64).sum()) / dot if dot else 0.0  # v = v0 - scale * g, if so
    return [
        (c.NOT_UPDATED, v0),
        (c.ASSIGN, lr * g),
        (c.ASSIGN, -lr * g),
        (c.UPHILL, v0 + lr * g),
        (c.NO_LR, v0 - g),
        (c.LOSS_SUM, v0 - lr * n * g),
        (c.UPHILL if scale < 0 else c.LR_IGNORED, v0 - scale * g),
    ]
