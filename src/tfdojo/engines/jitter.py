"""Jitter: each training image turned, stretched and shifted a little, drawn anew at every step.

The dataset's variants are drawn once, when it is built (:mod:`tfdojo.data.augment`); jitter
adds a fresh small distortion each time an image comes round again, so three epochs show
three different versions of it. For an image and ``u``, five numbers uniform in [-1, 1], and
the strength ``j`` (``TrainConfig.jitter``; 0 is off)::

    angle  = u0 * j * 5 degrees        sx = 1 + u1 * j * 0.08     tx = u3 * j * 1.5 pixels
                                       sy = 1 + u2 * j * 0.08     ty = u4 * j * 1.5 pixels

output pixel (x, y) reads the input at the point an affine map sends it to, about the
centre c = 13.5 of the 28 x 28 grid::

    x_in = ( cos(angle) (x - c) + sin(angle) (y - c)) / sx + c + tx
    y_in = (-sin(angle) (x - c) + cos(angle) (y - c)) / sy + c + ty

by bilinear interpolation between the four nearest pixels; outside the image it reads the
background (-0.5, black, in the normalised images the models take). At ``j = 1`` a letter
turns by up to 5 degrees, each side grows or shrinks by up to 8% and it moves by up to 1.5
pixels: on the default convnet, 93.72% against 93.38% on 2,000 real notMNIST images (mean of
seeds 0-2; docs/results/time-to-accuracy.md).

:func:`warp_numpy` is the NumPy engine's; :func:`warp_tf` the TensorFlow engines', one
``ImageProjectiveTransformV3`` kernel for a whole chunk of steps. A test holds them to each
other.
"""

from __future__ import annotations

import math

import numpy as np

ROTATION = 5.0
"""Largest turn at strength 1, in degrees."""
SCALE = 0.08
"""Largest relative change of each side at strength 1."""
SHIFT = 1.5
"""Largest move along each axis at strength 1, in pixels."""
SALT = 0x7117
"""Folded into a step's seed to give the jitter its own random stream (dropout's layers
fold in 0, 1, ...)."""
CENTRE = 13.5
BACKGROUND = -0.5  # a 0 pixel, normalised


def affine(u, strength: float, xp=np):
    """The map of each image: ``u`` (B, 5) in [-1, 1] -> six (B,) coefficients
    ``(a0, a1, a2, b0, b1, b2)`` with ``x_in = a0 x + a1 y + a2``, ``y_in = b0 x + b1 y + b2``.

    ``xp``: ``numpy`` or ``tensorflow`` (the same arithmetic on either).
    """
    angle = u[:, 0] * (strength * ROTATION * math.pi / 180)
    sx = 1.0 + u[:, 1] * (strength * SCALE)
    sy = 1.0 + u[:, 2] * (strength * SCALE)
    tx, ty = u[:, 3] * (strength * SHIFT), u[:, 4] * (strength * SHIFT)
    cos, sin = xp.cos(angle), xp.sin(angle)
    a0, a1 = cos / sx, sin / sx
    b0, b1 = -sin / sy, cos / sy
    a2 = CENTRE - (a0 + a1) * CENTRE + tx
    b2 = CENTRE - (b0 + b1) * CENTRE + ty
    return a0, a1, a2, b0, b1, b2


def warp_numpy(images: np.ndarray, u: np.ndarray, strength: float) -> np.ndarray:
    """Jittered float32 (B, 28, 28) of normalised ``images`` (B, 28, 28), by ``u`` (B, 5)."""
    if not strength:
        return images
    b, h, w = images.shape
    a0, a1, a2, b0, b1, b2 = (c[:, None, None] for c in affine(u.astype(np.float32), strength))
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)  # output coordinates, (28, 28) each
    xs, ys = a0 * x + a1 * y + a2, b0 * x + b1 * y + b2  # (B, 28, 28) where each reads
    x0, y0 = np.floor(xs), np.floor(ys)
    fx, fy = xs - x0, ys - y0
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), constant_values=BACKGROUND)
    rows = np.arange(b)[:, None, None]

    def at(yy, xx):  # the pixel at (yy, xx), the background one step outside; clipped further
        yi = np.clip(yy + 1, 0, h + 1).astype(np.int64)
        xi = np.clip(xx + 1, 0, w + 1).astype(np.int64)
        return padded[rows, yi, xi]

    top = (1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)
    bottom = (1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)
    return ((1 - fy) * top + fy * bottom).astype(np.float32)


def warp_tf(images, u, strength: float):
    """Jittered float32 (B, 28, 28) tensor of normalised ``images`` (B, 28, 28), by ``u``
    (B, 5): one ``ImageProjectiveTransformV3`` for the whole batch (it uses every thread on a
    large one: warp several steps' batches at once)."""
    import tensorflow as tf  # inner: the NumPy engine imports this module without TensorFlow

    if not strength:
        return images
    a0, a1, a2, b0, b1, b2 = affine(u, strength, tf)
    zero = tf.zeros_like(a0)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zero, zero], axis=1)  # (B, 8)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=images[..., None],  # (B, 28, 28, 1)
        transforms=transforms,
        output_shape=tf.shape(images)[1:3],
        fill_value=BACKGROUND,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    return out[..., 0]
