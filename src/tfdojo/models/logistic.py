"""The logistic classifier of the deck: ``logits = X W + b``.

``X`` is the image flattened to 784 numbers, ``W`` is 784 x 10 and ``b`` is 10:
7,850 parameters. The probabilities are ``softmax(logits)``.
"""

from __future__ import annotations

import tensorflow as tf

from tfdojo.models.base import Model
from tfdojo.models.layers import Dense
from tfdojo.models.spec import ModelConfig


class Logistic(Model):
    """Multinomial logistic regression (one dense layer, no hidden units)."""

    def __init__(self, cfg: ModelConfig, seed: int = 0):
        super().__init__(cfg, seed)
        (spec,) = self.specs  # the logits layer: w (784, 10), b (10,)
        self.out = Dense(spec, self.rng)
        self.layers = [self.out]

    def __call__(self, x, dropout_rate: float = 0.0, seed=None):
        X = tf.reshape(x, [-1, 784])  # (N, 28, 28) -> (N, 784)
        return self.out(X)  # (N, 784) @ (784, 10) + (10,) -> (N, 10)
