"""By hand 1: softmax, in NumPy.

Softmax turns the scores z of one example into probabilities that sum to 1:

    S_i = exp(z_i) / sum_j exp(z_j)          z (K,) -> S (K,); a batch (N, K) -> (N, K)

A batch holds one example per row, and each row is its own distribution: every
reduction runs along the last axis, keeping it (keepdims=True), so that an (N, 1)
result divides the (N, K) scores row by row.

Stability: np.exp(1000) is inf, and inf / inf is nan. Subtracting each row's maximum
changes nothing, softmax(z - max z) = softmax(z), and keeps every exp() in (0, 1].

What to do: np_softmax(z), for a vector or a batch of scores.

Check it:  kata.check_here("np_softmax", globals()), in lesson 1's notebook
"""

import numpy as np


def np_softmax(z):
    """Probabilities (same shape as z) from scores z, along the last axis."""
    # TODO: exp of the scores, divided by their sum; keep exp() from overflowing.
    # BEGIN SOLUTION
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # (N, K) - (N, 1): each row's max is 0
    return e / e.sum(axis=-1, keepdims=True)  # (N, K) / (N, 1) -> (N, K)
    # END SOLUTION
