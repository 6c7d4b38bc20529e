"""Initial weights, in NumPy, shared by the TensorFlow models and the NumPy engine.

No TensorFlow here: :mod:`tfdojo.scratch` draws the same weights from the same seed
without importing it. Pixels are scaled as ``x = (p - PIXEL_OFFSET) / PIXEL_SCALE``,
from uint8 0..255 to [-0.5, 0.5], by both engines.
"""

from __future__ import annotations

import math

import numpy as np

from tfdojo.models.shapes import Layer

PIXEL_OFFSET = 127.5
PIXEL_SCALE = 255.0


def init_weights(spec: Layer, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Initial ``w`` and ``b`` (float32 NumPy) of one layer, drawn from ``rng``.

    - ReLU layers (hidden conv and dense): He normal, truncated at 2 standard
      deviations, ``std = sqrt(2 / fan_in)`` -- keeps the activations' variance
      steady through ReLUs.
    - The logits layer: Glorot uniform, ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``.
    - Biases: zero.

    ``fan_in`` is ``k*k*C_in`` for a conv and the input width for a dense layer.
    """
    if not spec.weights:
        return {}
    w_shape = spec.weights["w"]
    fan_in = math.prod(w_shape[:-1])
    fan_out = w_shape[-1]
    if spec.relu:
        std = math.sqrt(2.0 / fan_in)
        w = rng.standard_normal(w_shape)
        bad = np.abs(w) > 2
        while bad.any():  # redraw the tails: a truncated normal
            w[bad] = rng.standard_normal(int(bad.sum()))
            bad = np.abs(w) > 2
        w = w * std / 0.8796  # the std of a N(0,1) truncated at +-2 is 0.8796
    else:
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, w_shape)
    return {"w": w.astype(np.float32), "b": np.zeros(spec.weights["b"], np.float32)}


def init_name(spec: Layer) -> str:
    """How :func:`init_weights` draws ``spec``'s ``w``, in words: ``"Glorot uniform,
    U(-0.087, 0.087)"`` (logits) or ``"He normal truncated at 2 std, std 0.050"`` (ReLU)."""
    w_shape = spec.weights["w"]
    fan_in = math.prod(w_shape[:-1])
    if spec.relu:
        return f"He normal truncated at 2 std, std {math.sqrt(2.0 / fan_in):.3f}"
    limit = math.sqrt(6.0 / (fan_in + w_shape[-1]))
    return f"Glorot uniform, U(-{limit:.3f}, {limit:.3f})"
