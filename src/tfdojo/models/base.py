"""What every tfdojo model can do: compute logits, list and set its weights, predict.

A model is a :class:`tf.Module` built from a :class:`ModelConfig` and a seed. Its
weights are named after the layers of :func:`tfdojo.models.shapes.layers`: ``conv1.w``,
``conv1.b``, ..., ``logits.w``, ``logits.b``. :meth:`Model.get_weights` and
:meth:`Model.set_weights` move them in and out as NumPy arrays, which is how the
NumPy engine exports its trained weights as a TensorFlow SavedModel.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from tfdojo.core.errors import TfdojoError
from tfdojo.models.first_layer import FirstLayer, first_layer
from tfdojo.models.layers import normalize
from tfdojo.models.shapes import layers
from tfdojo.models.spec import ModelConfig


class Model(tf.Module):
    """Base class: subclasses build ``self.layers`` and define :meth:`__call__`."""

    def __init__(self, cfg: ModelConfig, seed: int = 0):
        super().__init__(name=cfg.kind)
        self.cfg = cfg
        self.specs = layers(cfg)
        self.rng = np.random.default_rng(seed)  # only used while building
        self.layers: list[tf.Module] = []

    def __call__(self, x, dropout_rate: float = 0.0, seed=None):
        """Logits (N, 10) of images ``x`` float32 (N, 28, 28) scaled by :func:`normalize`.

        Args:
            dropout_rate: probability of dropping each hidden unit (training only).
            seed: int tensor (2,), required when ``dropout_rate > 0``.
        """
        raise NotImplementedError

    # -- weights -------------------------------------------------------------------
    def named_variables(self) -> dict[str, tf.Variable]:
        """``{"conv1.w": Variable, ...}`` in layer order."""
        out = {}
        for layer in self.layers:
            for key in ("w", "b"):
                if hasattr(layer, key):
                    out[f"{layer.spec.name}.{key}"] = getattr(layer, key)
        return out

    def decayed_variables(self) -> list[tf.Variable]:
        """The weights L2 decay applies to: every ``w``, no bias."""
        return [v for k, v in self.named_variables().items() if k.endswith(".w")]

    def l2_loss(self):
        """``sum_W ||W||^2 / 2`` over the weight matrices (``tf.nn.l2_loss``; biases excluded)."""
        return tf.add_n([tf.nn.l2_loss(w) for w in self.decayed_variables()])

    def get_weights(self) -> dict[str, np.ndarray]:
        """Every parameter as a float32 NumPy array, keyed ``"<layer>.<w|b>"``."""
        return {k: v.numpy() for k, v in self.named_variables().items()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Assign parameters from NumPy arrays; names and shapes must match exactly.

        Raises:
            TfdojoError: a missing or unexpected name, a wrong shape, or an array that is
                not of numbers (strings, records, complex numbers, dates).
        """
        variables = self.named_variables()
        missing = sorted(set(variables) - set(weights))
        extra = sorted(set(weights) - set(variables))
        if missing or extra:
            raise TfdojoError(
                f"weights: expected names {', '.join(variables)}; "
                f"missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        for name, var in variables.items():
            value = np.asarray(weights[name])
            if value.dtype.kind not in "biuf" or value.dtype.fields is not None:
                raise TfdojoError(f"weights: {name} expects floats, received dtype {value.dtype}")
            value = value.astype(np.float32)
            if value.shape != tuple(var.shape):
                raise TfdojoError(
                    f"weights: {name} expects shape {tuple(var.shape)}, received {value.shape}"
                )
            var.assign(value)

    def first_layer(self) -> FirstLayer | None:
        """The first layer's weights and what they are (:mod:`tfdojo.models.first_layer`)."""
        found = first_layer(self.get_weights())
        if found is None or not self.specs:  # a learner's model: no specs
            return found
        spec = self.specs[0]
        return dataclasses.replace(
            found,
            name=spec.name,
            describe=spec.describe(),
            stride=spec.stride or 1,
            padding=spec.padding or "SAME",
        )

    @property
    def num_params(self) -> int:
        return int(sum(np.prod(v.shape) for v in self.named_variables().values()))

    # -- prediction ----------------------------------------------------------------
    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.uint8)])
    def probabilities(self, images):
        """Class probabilities (N, 10) of uint8 images (N, 28, 28): ``softmax(logits)``."""
        return tf.nn.softmax(self(normalize(images)))

    def predict_proba(self, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Probabilities float32 (N, 10) of uint8 images (N, 28, 28), in batches."""
        images = np.asarray(images)
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise TfdojoError(f"images: expected shape (N, 28, 28), received {images.shape}")
        if images.dtype != np.uint8:
            raise TfdojoError(f"images: expected dtype uint8, received {images.dtype}")
        parts = [
            self.probabilities(images[i : i + batch_size]).numpy()
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Predicted classes int64 (N,), 0..9 = A..J, of uint8 images (N, 28, 28)."""
        return self.predict_proba(images).argmax(axis=1)
