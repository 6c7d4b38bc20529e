"""Check a hand-written gradient against central finite differences.

df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h), error O(h^2). In float64 with h = 1e-6 the
estimate agrees with a correct analytic gradient to about 1e-8 relative error; a wrong
backward pass is off by order 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored; ``f`` must read it.

    Args:
        f: takes no argument, returns a float computed from ``x`` (float64).
        x: the array to differentiate against.
        h: the step.

    Returns:
        An array shaped like ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a|, |b|, 1e-8): 0 when equal, ~1 when unrelated."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(float(np.abs(a).max(initial=0)), float(np.abs(b).max(initial=0)), 1e-8)
    return float(np.abs(a - b).max(initial=0)) / scale
