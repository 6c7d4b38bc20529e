"""The lesson models in NumPy: logistic, mlp, cnn, from the same configs as the TF models.

A model is its config's layers (:func:`tfdojo.models.shapes.layers`, the shared calculator) and a
dict of NumPy weights named as in TensorFlow (``conv1.w``, ``conv1.b``, ..., ``logits.w``)::

    from tfdojo import models
    from tfdojo.scratch.models import Model

    model = Model(models.get("mlp").model, seed=0)   # same initial weights as models.build
    logits, cache = model.forward(x)                 # x (N, 28, 28) in [-0.5, 0.5]
    grads = model.backward(dlogits, cache)           # {"dense1.w": ..., "logits.b": ...}

Per layer kind: ``conv`` = conv2d then ReLU; ``pool`` = max-pool; ``flatten``;
``dense`` = affine, ReLU, then dropout while training; ``logits`` = affine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tfdojo.core.errors import TfdojoError
from tfdojo.models.init import PIXEL_OFFSET, PIXEL_SCALE, init_weights
from tfdojo.models.shapes import layers
from tfdojo.scratch import layers as L


def normalize(images: np.ndarray, dtype: Any = np.float32) -> np.ndarray:
    """uint8 pixels 0..255 -> floats in [-0.5, 0.5]: x = (p - 127.5) / 255, as the TF models."""
    return (images.astype(dtype) - dtype(PIXEL_OFFSET)) / dtype(PIXEL_SCALE)


class Model:
    """A NumPy model built from a :class:`tfdojo.models.ModelConfig`.

    Attributes:
        cfg: the architecture.
        specs: its layers, from :func:`tfdojo.models.shapes.layers`.
        params: ``{"<layer>.<w|b>": array}`` in layer order, in ``dtype``.
    """

    def __init__(self, cfg: Any, seed: int = 0, dtype: Any = np.float32):
        self.cfg = cfg
        self.specs = layers(cfg)
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for spec in self.specs:
            for key, value in init_weights(spec, rng).items():
                self.params[f"{spec.name}.{key}"] = value.astype(self.dtype)

    @property
    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def decayed(self) -> dict[str, np.ndarray]:
        """The weights L2 decay applies to: every ``.w``, no bias (as the TF models)."""
        return {k: v for k, v in self.params.items() if k.endswith(".w")}

    def forward(
        self,
        x: np.ndarray,
        dropout_rate: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> tuple[np.ndarray, list[tuple[str, str, Any]]]:
        """Logits (N, 10) of normalised images ``x`` (N, 28, 28), and the caches.

        Args:
            dropout_rate: drop each hidden dense unit with this probability (training).
            rng: draws the dropout masks; needed when ``dropout_rate > 0``.
        """
        p = self.params
        convnet = self.specs[0].kind == "conv"
        h = x.reshape(len(x), 28, 28, 1) if convnet else x.reshape(len(x), 784)  # NHWC or (N, 784)
        caches: list[tuple[str, str, Any]] = []  # (operation, layer name, cache)
        for s in self.specs:
            w = {"W": p.get(f"{s.name}.w"), "b": p.get(f"{s.name}.b")}
            if s.kind == "conv":
                h, c = L.conv2d_forward(h, w, s.stride, s.padding)  # (N, H, W, C) -> (N, H', W', D)
                caches.append(("conv", s.name, c))
                h, c = L.relu_forward(h)
                caches.append(("relu", s.name, c))
            elif s.kind == "pool":
                h, c = L.max_pool_forward(h, s.size, s.stride, s.padding)  # -> (N, H/k, W/k, D)
                caches.append(("pool", s.name, c))
            elif s.kind == "flatten":
                h, c = L.flatten_forward(h)  # (N, H, W, C) -> (N, H*W*C)
                caches.append(("flatten", s.name, c))
            else:  # dense or logits
                h, c = L.affine_forward(h, w)  # (N, fan_in) -> (N, fan_out)
                caches.append(("affine", s.name, c))
                if s.kind == "dense":
                    h, c = L.relu_forward(h)
                    caches.append(("relu", s.name, c))
                    h, c = L.dropout_forward(h, dropout_rate, rng, training=dropout_rate > 0)
                    caches.append(("dropout", s.name, c))
        return h, caches  # (N, 10)

    def backward(
        self, dlogits: np.ndarray, caches: list[tuple[str, str, Any]]
    ) -> dict[str, np.ndarray]:
        """dL/dparam of every parameter from dL/dlogits (N, 10), last layer first."""
        grads: dict[str, np.ndarray] = {}
        d = dlogits
        for i, (op, name, c) in reversed(list(enumerate(caches))):
            need_x = i > 0  # nothing below the first layer needs dL/d(images)
            if op == "conv":
                g = L.conv2d_backward(d, c, need_x)
                grads[f"{name}.w"], grads[f"{name}.b"] = g["W"], g["b"]
            elif op == "relu":
                g = L.relu_backward(d, c)
            elif op == "pool":
                g = L.max_pool_backward(d, c)
            elif op == "flatten":
                g = L.flatten_backward(d, c)
            elif op == "dropout":
                g = L.dropout_backward(d, c)
            else:  # affine
                g = L.affine_backward(d, c, need_x)
                grads[f"{name}.w"], grads[f"{name}.b"] = g["W"], g["b"]
            d = g["x"]
        return {k: grads[k] for k in self.params}  # in layer order

    def loss_and_grads(
        self,
        x: np.ndarray,
        y: np.ndarray,
        weight_decay: float = 0.0,
        dropout_rate: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
        """Loss = mean cross-entropy + weight_decay * sum ||W||^2 / 2, its gradients, the logits.

        Returns:
            ``(loss, grads, logits)``; the loss includes the L2 term.
        """
        logits, caches = self.forward(x, dropout_rate, rng)
        ce, ce_cache = L.softmax_cross_entropy_forward(logits, y)
        grads = self.backward(L.softmax_cross_entropy_backward(1.0, ce_cache)["x"], caches)
        loss = ce
        if weight_decay:
            l2, l2_cache = L.l2_forward(self.decayed(), weight_decay)
            loss += l2
            for name, g in L.l2_backward(1.0, l2_cache).items():
                grads[name] = grads[name] + g
        return loss, grads, logits

    def predict_proba(self, images: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Class probabilities (N, 10) of uint8 images (N, 28, 28)."""
        parts = [
            L.softmax(self.forward(normalize(images[i : i + batch_size], self.dtype.type))[0])
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 10), self.dtype)

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every parameter, keyed as :meth:`tfdojo.models.base.Model.get_weights`."""
        return {k: v.copy() for k, v in self.params.items()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Assign parameters (e.g. from a TF model's ``get_weights()``); names/shapes must match."""

        if set(weights) != set(self.params):
            raise TfdojoError(
                f"weights: expected names {', '.join(self.params)}, received {', '.join(weights)}"
            )
        for k, v in weights.items():
            if np.shape(v) != self.params[k].shape:
                raise TfdojoError(
                    f"weights: {k} expects shape {self.params[k].shape}, received {np.shape(v)}"
                )
            self.params[k] = np.asarray(v, self.dtype).copy()
