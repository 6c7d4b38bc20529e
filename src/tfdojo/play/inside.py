"""What a model does with one framed image: its answer, its scores, and its first layer.

Everything here takes a trained :class:`tfdojo.models.base.Model` and ``framed``, the
uint8 (28, 28) image the model sees (white ink on black, framed by
:func:`tfdojo.data.frame.frame_image`). The model's input is
``x = (framed - 127.5) / 255`` (:func:`tfdojo.models.layers.normalize`), in [-0.5, 0.5].

- :func:`logits`: the ten scores before the softmax;
- :func:`first_layer`: what the first layer makes of the image, by model kind:
  the logistic model's ten templates times the pixels, a convnet's first feature maps,
  an MLP's most active hidden units;
- :func:`weights_to_show`: the weights that do not change with the drawing (the logistic
  templates, the convnet's first filters), sent to the page once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from tfdojo.models.layers import normalize

TOP_UNITS = 8
"""How many of an MLP's hidden units the page shows: the most active ones."""
DECIMALS = 4
"""Weights and contributions are rounded for the page (never the probabilities)."""


def logits(model, framed: np.ndarray) -> list[float]:
    """The scores before the softmax: ``z = model(x)``, (10,); ``softmax(z)`` is the answer."""
    return model(normalize(framed[None])).numpy()[0].tolist()  # (1, 28, 28) -> (1, 10)


def first_layer(model, kind: str, framed: np.ndarray) -> dict[str, Any]:
    """What the first layer makes of ``framed``, for the page to draw.

    Args:
        kind: ``"logistic"``, ``"mlp"`` or ``"cnn"`` (``Run.kind``).

    Returns:
        :func:`logistic_scores`, :func:`feature_maps` or :func:`active_units`.
    """
    views = {"logistic": logistic_scores, "mlp": active_units, "cnn": feature_maps}
    return views[kind](model, framed)


def logistic_scores(model, framed: np.ndarray) -> dict[str, Any]:
    """Each letter's score, pixel by pixel: ``z_k = Σ_p x_p·W[p, k] + b_k``.

    The contribution ``x_p·W[p, k]`` of pixel ``p`` pushes towards letter ``k`` when
    positive. Background pixels are ``x = -0.5``, so they push too: against the letters
    whose template is positive there.

    Returns:
        ``{"kind": "logistic", "scores": (10,), "bias": (10,),
        "contributions": (10, 784)}``: ``scores[k] = sum(contributions[k]) + bias[k]``.
    """
    x = normalize(framed).numpy().reshape(784)  # (28, 28) -> (784,)
    (layer,) = model.layers
    W, b = layer.w.numpy(), layer.b.numpy()  # (784, 10), (10,)
    contributions = x[:, None] * W  # (784, 1) * (784, 10) -> (784, 10): x_p W[p, k]
    scores = contributions.sum(axis=0) + b  # (10,)
    return {
        "kind": "logistic",
        "scores": scores.tolist(),
        "bias": b.tolist(),
        "contributions": np.round(contributions.T, DECIMALS).tolist(),  # (10, 784)
    }


def feature_maps(model, framed: np.ndarray) -> dict[str, Any]:
    """The first convolution's output: ``relu(conv(x, K_d) + b_d)``, one map per filter ``d``.

    Each map is scaled to 0..255 by its own peak (given), so faint maps stay visible.

    Returns:
        ``{"kind": "cnn", "layer": "conv1", "describe": "3x3 conv, ...",
        "maps": uint8 (depth, H', W'), "peak": (depth,)}``.
    """
    conv = model.layers[0]
    x = tf.reshape(normalize(framed), [1, 28, 28, 1])  # (28, 28) -> (1, 28, 28, 1), NHWC
    maps = conv(x).numpy()[0].transpose(2, 0, 1)  # (1, H', W', depth) -> (depth, H', W')
    peak = maps.max(axis=(1, 2))  # (depth,), >= 0 after the ReLU
    scaled = maps * (255.0 / np.maximum(peak, 1e-12))[:, None, None]
    return {
        "kind": "cnn",
        "layer": conv.spec.name,
        "describe": conv.spec.describe(),
        "maps": np.round(scaled).astype(np.uint8).tolist(),
        "peak": peak.tolist(),
    }


def active_units(model, framed: np.ndarray, count: int = TOP_UNITS) -> dict[str, Any]:
    """The first hidden layer's most active units and their weights.

    Unit ``j`` computes ``h_j = relu(Σ_p x_p·W1[p, j] + b1_j)``: column ``j`` of ``W1``,
    drawn as 28x28, is the pattern it responds to.

    Returns:
        ``{"kind": "mlp", "layer": "dense1", "units_total": U, "active": #(h > 0),
        "units": [{"unit": j, "activation": h_j, "weights": (784,)}, ...]}``, most
        active first.
    """
    dense = model.layers[0]
    x = tf.reshape(normalize(framed), [1, 784])  # (28, 28) -> (1, 784)
    h = dense(x).numpy()[0]  # (1, 784) @ (784, U) -> (U,), ReLU
    top = np.argsort(-h, kind="stable")[:count]
    W1 = dense.w.numpy()  # (784, U)
    return {
        "kind": "mlp",
        "layer": dense.spec.name,
        "units_total": int(h.size),
        "active": int((h > 0).sum()),
        "units": [
            {
                "unit": int(j),
                "activation": float(h[j]),
                "weights": np.round(W1[:, j], DECIMALS).tolist(),
            }
            for j in top
        ],
    }


def weights_to_show(model, kind: str) -> dict[str, Any]:
    """The first-layer weights that do not depend on the drawing.

    Returns:
        logistic: ``{"templates": (10, 784)}``, column ``k`` of ``W`` per letter;
        cnn: ``{"filters": (depth, k, k)}``, the first convolution's kernels;
        mlp: ``{}`` (its units are chosen by the drawing: :func:`active_units`).
    """
    w = model.layers[0].w.numpy()
    if kind == "logistic":
        return {"templates": np.round(w.T, DECIMALS).tolist()}  # (784, 10) -> (10, 784)
    if kind == "cnn":
        filters = w[:, :, 0, :].transpose(2, 0, 1)  # (k, k, 1, depth) -> (depth, k, k)
        return {"filters": np.round(filters, DECIMALS).tolist()}
    return {}
