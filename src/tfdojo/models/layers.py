"""The building blocks: input scaling, weight initialisation, dense and conv layers.

Each layer is a :class:`tf.Module` owning its variables ``w`` and ``b``; the models
in :mod:`tfdojo.models.logistic`, ``mlp`` and ``cnn`` stack them. Shapes come from
:mod:`tfdojo.models.shapes`, so the NumPy engine and ``tfdojo params`` agree with them.

Mixed precision: the variables are float32 (the "master weights"); a layer computes in
its input's dtype, so bfloat16 inputs make it compute in bfloat16 (the weights cast on
the way in, the gradients cast back to float32 on the way out, by ``tf.cast``'s own
gradient), as Keras' ``mixed_bfloat16`` policy does.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo.models.init import PIXEL_OFFSET, PIXEL_SCALE, init_weights
from tfdojo.models.shapes import Layer


def normalize(images):
    """uint8 pixels 0..255 -> float32 in [-0.5, 0.5]: ``x = (p - 127.5) / 255``.

    Works on a NumPy array or a tensor of any shape (the trainer calls it on each
    uint8 batch inside its compiled step, so the data stays uint8 in memory).
    """
    return (tf.cast(images, tf.float32) - PIXEL_OFFSET) / PIXEL_SCALE


class Dense(tf.Module):
    """``y = x @ w + b`` (then ReLU if ``spec.relu``); ``x`` (N, fan_in) -> ``y`` (N, fan_out)."""

    def __init__(self, spec: Layer, rng: np.random.Generator):
        super().__init__(name=spec.name)
        self.spec = spec
        init = init_weights(spec, rng)
        self.w = tf.Variable(init["w"], name="w")  # (fan_in, fan_out)
        self.b = tf.Variable(init["b"], name="b")  # (fan_out,)

    def __call__(self, x):
        w, b = tf.cast(self.w, x.dtype), tf.cast(self.b, x.dtype)  # bfloat16 x: compute in it
        y = tf.nn.bias_add(tf.matmul(x, w), b)  # (N, fan_in) @ (fan_in, fan_out) + (fan_out,)
        return tf.nn.relu(y) if self.spec.relu else y


class Conv2D(tf.Module):
    """``y = relu(conv(x, w) + b)``: x (N, H, W, C_in) -> y (N, H', W', C_out).

    ``H'`` is ``ceil(H/s)`` with SAME padding, ``ceil((H-k+1)/s)`` with VALID.
    """

    def __init__(self, spec: Layer, rng: np.random.Generator):
        super().__init__(name=spec.name)
        self.spec = spec
        init = init_weights(spec, rng)
        self.w = tf.Variable(init["w"], name="w")  # (k, k, C_in, C_out)
        self.b = tf.Variable(init["b"], name="b")  # (C_out,)

    def __call__(self, x):
        return tf.nn.relu(self.linear(x))

    def linear(self, x):
        """``conv(x, w) + b``, before the ReLU: (N, H, W, C_in) -> (N, H', W', C_out)."""
        s = self.spec
        w, b = tf.cast(self.w, x.dtype), tf.cast(self.b, x.dtype)  # bfloat16 x: compute in it
        # bias_add, not "+": its gradient is one fused kernel (BiasAddGrad), 2x faster in bfloat16
        return tf.nn.bias_add(tf.nn.conv2d(x, w, strides=s.stride, padding=s.padding), b)


class MaxPool(tf.Module):
    """Largest value of each ``k x k`` window, stride ``k``: (N, H, W, C) -> (N, H/k, W/k, C)."""

    def __init__(self, spec: Layer):
        super().__init__(name=spec.name)
        self.spec = spec

    def __call__(self, x):
        s = self.spec
        return tf.nn.max_pool2d(x, ksize=s.size, strides=s.stride, padding=s.padding)


def dropout(x, rate: float, seed, index: int):
    """Inverted dropout: zero each unit with probability ``rate``, scale the rest by 1/(1-rate).

    Stateless: the mask depends only on ``seed`` (shape (2,), int) and the layer
    ``index``, so a resumed run draws exactly the masks an uninterrupted one would.
    """
    if not rate:
        return x
    layer_seed = tf.random.experimental.stateless_fold_in(seed, index)
    return tf.nn.experimental.stateless_dropout(x, rate=rate, seed=layer_seed)
