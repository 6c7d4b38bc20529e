"""A ReLU network: ``h = relu(X W1 + b1)``, ..., ``logits = h W_out + b_out``.

The course's default is one hidden layer of 1,024 units
(784*1024 + 1024 + 1024*10 + 10 = 814,090 parameters); ``model.hidden`` lists the widths.
Dropout, when asked for, follows each hidden layer.
"""

from __future__ import annotations

import tensorflow as tf

from tfdojo.models.base import Model
from tfdojo.models.layers import Dense, dropout
from tfdojo.models.spec import ModelConfig


class MLP(Model):
    """Dense ReLU layers of widths ``cfg.hidden``, then 10 logits."""

    def __init__(self, cfg: ModelConfig, seed: int = 0):
        super().__init__(cfg, seed)
        self.layers = [Dense(spec, self.rng) for spec in self.specs]

    def __call__(self, x, dropout_rate: float = 0.0, seed=None):
        h = tf.reshape(x, [-1, 784])  # (N, 28, 28) -> (N, 784)
        *hidden, out = self.layers
        for i, layer in enumerate(hidden):
            h = layer(h)  # (N, fan_in) -> (N, units), ReLU
            h = dropout(h, dropout_rate, seed, i)
        return out(h)  # (N, units) -> (N, 10)
