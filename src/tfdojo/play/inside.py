"""What a model does with one framed image: its answer, its scores, and its first layer.

Everything here takes a trained :class:`tfdojo.models.base.Model` and ``framed``, the
uint8 (28, 28) image the model sees (white ink on black, framed by
:func:`tfdojo.data.frame.frame_image`). The model's input is
``x = (framed - 127.5) / 255`` (:func:`tfdojo.models.layers.normalize`), in [-0.5, 0.5].

- :func:`logits`: the ten scores before the softmax;
- :func:`first_layer`: what the first layer makes of the image, by what it is
  (:mod:`tfdojo.models.first_layer`): the logistic model's ten templates times the pixels,
  a convnet's first feature maps, an MLP's most active hidden units;
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


VIEW_KIND = {"templates": "logistic", "hidden_units": "mlp", "filters": "cnn"}
"""The page's name for each kind of first layer (:mod:`tfdojo.models.first_layer`)."""


def first_layer(model, framed: np.ndarray) -> dict[str, Any] | None:
    """What the first layer makes of ``framed``, for the page to draw, chosen by what the
    first layer is (:meth:`tfdojo.models.base.Model.first_layer`).

    Returns:
        :func:`logistic_scores`, :func:`feature_maps` or :func:`active_units`; ``None`` for
        a model whose first layer is none of those (a learner's of another shape).
    """
    layer = model.first_layer()
    if layer is None or layer.b is None:
        return None
    views = {"templates": logistic_scores, "hidden_units": active_units, "filters": feature_maps}
    return views[layer.kind](layer, framed)


def logistic_scores(layer, framed: np.ndarray) -> dict[str, Any]:
    """Each letter's score, pixel by pixel: ``z_k = Σ_p x_p·W[p, k] + b_k``.

    The contribution ``x_p·W[p, k]`` of pixel ``p`` pushes towards letter ``k`` when
    positive. Background pixels are ``x = -0.5``, so they push too: against the letters
    whose template is positive there.

    Returns:
        ``{"kind": "logistic", "scores": (10,), "bias": (10,),
        "contributions": (10, 784)}``: ``scores[k] = sum(contributions[k]) + bias[k]``.
    """
    x = normalize(framed).numpy().reshape(784)  # (28, 28) -> (784,)
    W, b = layer.w, layer.b  # (784, 10), (10,)
    contributions = x[:, None] * W  # (784, 1) * (784, 10) -> (784, 10): x_p W[p, k]
    scores = contributions.sum(axis=0) + b  # (10,)
    return {
        "kind": "logistic",
        "scores": scores.tolist(),
        "bias": b.tolist(),
        "contributions": np.round(contributions.T, DECIMALS).tolist(),  # (10, 784)
    }


def feature_maps(layer, framed: np.ndarray) -> dict[str, Any]:
    """The first convolution's output: ``relu(conv(x, K_d) + b_d)``, one map per filter ``d``.

    Each map is scaled to 0..255 by its own peak (given), so faint maps stay visible.

    Returns:
        ``{"kind": "cnn", "layer": "conv1", "describe": "3x3 conv, ...",
        "maps": uint8 (depth, H', W'), "peak": (depth,)}``.
    """
    x = tf.reshape(normalize(framed), [1, 28, 28, 1])  # (28, 28) -> (1, 28, 28, 1), NHWC
    z = tf.nn.conv2d(x, layer.w, strides=layer.stride, padding=layer.padding) + layer.b
    maps = tf.nn.relu(z).numpy()[0].transpose(2, 0, 1)  # (1, H', W', depth) -> (depth, H', W')
    peak = maps.max(axis=(1, 2))  # (depth,), >= 0 after the ReLU
    scaled = maps * (255.0 / np.maximum(peak, 1e-12))[:, None, None]
    return {
        "kind": "cnn",
        "layer": layer.name,
        "describe": layer.describe,
        "maps": np.round(scaled).astype(np.uint8).tolist(),
        "peak": peak.tolist(),
    }


def active_units(layer, framed: np.ndarray, count: int = TOP_UNITS) -> dict[str, Any]:
    """The first hidden layer's most active units and their weights.

    Unit ``j`` computes ``h_j = relu(Σ_p x_p·W1[p, j] + b1_j)``: column ``j`` of ``W1``,
    drawn as 28x28, is the pattern it responds to.

    Returns:
        ``{"kind": "mlp", "layer": "dense1", "units_total": U, "active": #(h > 0),
        "units": [{"unit": j, "activation": h_j, "weights": (784,)}, ...]}``, most
        active first.
    """
    x = normalize(framed).numpy().reshape(784)  # (28, 28) -> (784,)
    W1 = layer.w  # (784, U)
    h = np.maximum(x @ W1 + layer.b, 0)  # (784,) @ (784, U) -> (U,), ReLU
    top = np.argsort(-h, kind="stable")[:count]
    return {
        "kind": "mlp",
        "layer": layer.name,
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


def weights_to_show(model) -> dict[str, Any]:
    """The first-layer weights that do not depend on the drawing.

    Returns:
        logistic: ``{"templates": (10, 784)}``, column ``k`` of ``W`` per letter;
        cnn: ``{"filters": (depth, k, k)}``, the first convolution's kernels;
        mlp and other models: ``{}`` (an MLP's units are chosen by the drawing).
    """
    layer = model.first_layer()
    if layer is None:
        return {}
    if layer.kind == "templates":
        return {"templates": np.round(layer.w.T, DECIMALS).tolist()}  # (784, 10) -> (10, 784)
    if layer.kind == "filters":
        filters = layer.w[:, :, 0, :].transpose(2, 0, 1)  # (k, k, 1, depth) -> (depth, k, k)
        return {"filters": np.round(filters, DECIMALS).tolist()}
    return {}
