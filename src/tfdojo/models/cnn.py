"""A convnet: convolutions (each with optional max-pooling), dense ReLU layers, logits.

The course's reference (``cnn_course``) is two 5x5 convolutions of depth 16 with
stride 2 and SAME padding, then 64 hidden units:
28x28x1 -> 14x14x16 -> 7x7x16 -> 784 -> 64 -> 10. Each layer's shape is
``tfdojo.models.shapes.conv_output_size``; ``tfdojo params --model cnn`` prints them.
"""

from __future__ import annotations

import tensorflow as tf

from tfdojo.models.base import Model
from tfdojo.models.layers import Conv2D, Dense, MaxPool, dropout
from tfdojo.models.spec import ModelConfig


class CNN(Model):
    """``[conv -> ReLU (-> max-pool)] * n -> flatten -> [dense -> ReLU] * m -> logits``.

    Where a max-pool follows a convolution, the ReLU is applied after the pool:
    ``max(relu(z)) = relu(max(z))`` (both keep the order of numbers), so the values and
    the gradients are the same, and the ReLU and its gradient run on a tensor 4 times
    smaller: in bfloat16 they took a quarter of the default cnn's step.
    """

    def __init__(self, cfg: ModelConfig, seed: int = 0):
        super().__init__(cfg, seed)
        build = {
            "conv": lambda s: Conv2D(s, self.rng),
            "pool": MaxPool,
            "dense": lambda s: Dense(s, self.rng),
            "logits": lambda s: Dense(s, self.rng),
        }
        self.layers = [build[s.kind](s) for s in self.specs if s.kind != "flatten"]

    def __call__(self, x, dropout_rate: float = 0.0, seed=None):
        h = tf.reshape(x, [-1, 28, 28, 1])  # (N, 28, 28) -> (N, 28, 28, 1), NHWC
        hidden = 0
        kinds = [layer.spec.kind for layer in self.layers] + [""]
        for layer, after in zip(self.layers, kinds[1:]):
            kind = layer.spec.kind
            if kind == "conv" and after == "pool":
                h = layer.linear(h)  # ReLU after the pool: see the class's docstring
            elif kind == "pool":
                h = tf.nn.relu(layer(h))
            else:
                if kind in ("dense", "logits") and h.shape.rank == 4:
                    h = tf.reshape(h, [-1, layer.spec.input_shape[0]])  # (N,H,W,C) -> (N,H*W*C)
                h = layer(h)
                if kind == "dense":
                    h = dropout(h, dropout_rate, seed, hidden)
                    hidden += 1
        return h  # (N, 10)
