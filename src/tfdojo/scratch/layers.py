"""Every layer of the NumPy engine, forward and backward, by hand.

Each layer is a pair of functions::

    out, cache = layer_forward(x, params, ...)   # cache: what backward needs
    grads = layer_backward(dout, cache)          # grads["x"] = dL/dx, grads[name] = dL/dparam

``dout`` is dL/d(out), the gradient of the loss with respect to this layer's output;
backward applies the chain rule, [g(f(x))]' = g'(f(x)) * f'(x), once per input.
Images are NHWC (batch, height, width, channels) and conv kernels HWIO
(height, width, in, out), as in TensorFlow, so weights move between engines unchanged.
Every function works in the dtype it is given (float64 for gradient checks, float32
for training).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tfdojo.models.shapes import conv_output_size, same_padding

Cache = dict[str, Any]
Grads = dict[str, np.ndarray]


# ----------------------------------------------------------------------------- affine
def affine_forward(x: np.ndarray, params: dict[str, np.ndarray]) -> tuple[np.ndarray, Cache]:
    """Fully connected layer: out = x W + b.

    Args:
        x: (N, D) inputs.
        params: ``W`` (D, M) and ``b`` (M,).

    Returns:
        ``out`` (N, M) and the cache for :func:`affine_backward`.
    """
    W, b = params["W"], params["b"]
    out = x @ W + b  # (N, D) @ (D, M) + (M,) -> (N, M)
    return out, {"x": x, "W": W}


def affine_backward(dout: np.ndarray, cache: Cache, need_x: bool = True) -> Grads:
    """dL/dx = dout W^T, dL/dW = x^T dout, dL/db = sum of dout over the batch.

    ``need_x=False`` skips dL/dx (``None``): a model's first layer has no layer below it.
    """
    x, W = cache["x"], cache["W"]
    dx = dout @ W.T if need_x else None  # (N, M) @ (M, D) -> (N, D)
    dW = x.T @ dout  # (D, N) @ (N, M) -> (D, M)
    db = dout.sum(axis=0)  # (N, M) -> (M,)
    return {"x": dx, "W": dW, "b": db}


# ----------------------------------------------------------------------------- relu
def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """ReLU: out = max(0, x), element-wise."""
    out = np.maximum(x, 0)  # (...) -> (...)
    return out, {"positive": x > 0}


def relu_backward(dout: np.ndarray, cache: Cache) -> Grads:
    """dL/dx = dout where x > 0, else 0 (the derivative of max(0, x) is the step)."""
    dx = dout * cache["positive"]  # (...) * (...) -> (...)
    return {"x": dx}


# ----------------------------------------------------------------------------- softmax
def softmax(logits: np.ndarray) -> np.ndarray:
    """S_i = exp(z_i) / sum_j exp(z_j), row by row, computed as exp(z_i - max z) / ...

    Subtracting the row maximum changes nothing mathematically and keeps exp() from
    overflowing for large scores.
    """
    z = logits - logits.max(axis=-1, keepdims=True)  # (N, K) - (N, 1) -> (N, K)
    e = np.exp(z)  # (N, K), each in (0, 1]
    return e / e.sum(axis=-1, keepdims=True)  # (N, K) / (N, 1) -> (N, K)


def softmax_cross_entropy_forward(logits: np.ndarray, labels: np.ndarray) -> tuple[float, Cache]:
    """Mean cross-entropy of softmax(logits) against integer labels.

    For one example with one-hot label L and probabilities S = softmax(z):
    D(S, L) = -sum_i L_i log S_i = -log S_right = log sum_j exp(z_j) - z_right.
    The last form (log-sum-exp, shifted by max z) never takes log(0).

    Args:
        logits: (N, K) scores.
        labels: (N,) integers in 0..K-1.

    Returns:
        The mean loss over the batch (a float) and the cache.
    """
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)  # (N, K) - (N, 1) -> (N, K)
    log_sum_exp = np.log(np.exp(z).sum(axis=1))  # (N, K) -> (N,)
    log_probs = z - log_sum_exp[:, None]  # (N, K) - (N, 1) -> (N, K), = log S
    loss = -log_probs[np.arange(n), labels].mean()  # (N,) -> ()
    return float(loss), {"probs": np.exp(log_probs), "labels": labels}


def softmax_cross_entropy_backward(dloss: float, cache: Cache) -> Grads:
    """dL/dz = (S - L) / N: the probabilities minus the one-hot labels, averaged."""
    probs, labels = cache["probs"], cache["labels"]
    n = probs.shape[0]
    dz = probs.copy()  # (N, K)
    dz[np.arange(n), labels] -= 1  # (N, K): S - one_hot(L)
    return {"x": dz * (dloss / n)}  # (N, K)


# ----------------------------------------------------------------------------- conv2d
def _pad_amounts(size: int, k: int, stride: int, padding: str) -> tuple[int, int]:
    """Zeros added (before, after) along one spatial axis, as TensorFlow does."""
    if padding == "VALID":
        return 0, 0
    return same_padding(size, k, stride)  # the odd one goes after, as in TensorFlow


def _pad(x: np.ndarray, k: int, stride: int, padding: str, value: float = 0.0) -> np.ndarray:
    """Pad the two spatial axes of NHWC ``x`` for a k x k window."""
    ph = _pad_amounts(x.shape[1], k, stride, padding)
    pw = _pad_amounts(x.shape[2], k, stride, padding)
    return np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=value)  # (N, Hp, Wp, C)


def _windows(x_pad: np.ndarray, k: int, stride: int, ho: int, wo: int) -> np.ndarray:
    """Every k x k window of padded ``x``, read without copying: (N, Ho, Wo, C, k, k)."""
    win = sliding_window_view(x_pad, (k, k), axis=(1, 2))  # (N, Hp-k+1, Wp-k+1, C, k, k)
    return win[:, : (ho - 1) * stride + 1 : stride, : (wo - 1) * stride + 1 : stride]


def conv2d_forward(
    x: np.ndarray, params: dict[str, np.ndarray], stride: int = 1, padding: str = "SAME"
) -> tuple[np.ndarray, Cache]:
    """2-D convolution (TensorFlow's, i.e. cross-correlation) by im2col and one matmul.

    out[n, i, j, o] = b[o] + sum_{p, q, c} x_pad[n, i*s + p, j*s + q, c] W[p, q, c, o]

    Output size per axis: SAME ceil(n / s), VALID ceil((n - k + 1) / s)
    (:func:`tfdojo.models.shapes.conv_output_size`).

    Args:
        x: (N, H, W, C) images.
        params: ``W`` (k, k, C, O) kernel and ``b`` (O,) bias.
        stride: the step between windows, the same along both axes.
        padding: ``"SAME"`` (zeros around the border) or ``"VALID"`` (none).

    Returns:
        ``out`` (N, Ho, Wo, O) and the cache.
    """
    W, b = params["W"], params["b"]
    n, h, w, c = x.shape
    k, o = W.shape[0], W.shape[3]
    ho = conv_output_size(h, k, stride, padding)
    wo = conv_output_size(w, k, stride, padding)
    x_pad = _pad(x, k, stride, padding)  # (N, Hp, Wp, C)
    win = _windows(x_pad, k, stride, ho, wo)  # (N, Ho, Wo, C, k, k)
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * ho * wo, k * k * c)  # (N*Ho*Wo, k*k*C)
    out = cols @ W.reshape(k * k * c, o) + b  # (N*Ho*Wo, k*k*C) @ (k*k*C, O) -> (N*Ho*Wo, O)
    cache = {"cols": cols, "W": W, "x_shape": x.shape, "pad_shape": x_pad.shape}
    cache.update(stride=stride, padding=padding)
    return out.reshape(n, ho, wo, o), cache  # (N, Ho, Wo, O)


def conv2d_backward(dout: np.ndarray, cache: Cache, need_x: bool = True) -> Grads:
    """Gradients of the convolution: the matmul's, then each window's share added back.

    dW = cols^T dout, db = sum of dout, dcols = dout W^T; then "col2im": each input pixel
    receives the sum of the gradients of every window it was part of.
    ``need_x=False`` skips dL/dx (``None``), as for :func:`affine_backward`.
    """
    cols, W, stride = cache["cols"], cache["W"], cache["stride"]
    n, h, w, c = cache["x_shape"]
    k, o = W.shape[0], W.shape[3]
    _, ho, wo, _ = dout.shape
    d2 = dout.reshape(n * ho * wo, o)  # (N*Ho*Wo, O)
    dW = (cols.T @ d2).reshape(W.shape)  # (k*k*C, N*Ho*Wo) @ (N*Ho*Wo, O) -> (k, k, C, O)
    db = d2.sum(axis=0)  # (N*Ho*Wo, O) -> (O,)
    if not need_x:
        return {"x": None, "W": dW, "b": db}
    dcols = d2 @ W.reshape(k * k * c, o).T  # (N*Ho*Wo, O) @ (O, k*k*C) -> (N*Ho*Wo, k*k*C)
    dcols = dcols.reshape(n, ho, wo, k, k, c)  # (N, Ho, Wo, k, k, C)
    dx_pad = np.zeros(cache["pad_shape"], dtype=dout.dtype)  # (N, Hp, Wp, C)
    for p in range(k):  # k*k strided adds, each over the whole batch
        for q in range(k):
            at_rows = slice(p, p + (ho - 1) * stride + 1, stride)  # where cell (p, q) of
            at_cols = slice(q, q + (wo - 1) * stride + 1, stride)  # every window sits
            dx_pad[:, at_rows, at_cols, :] += dcols[:, :, :, p, q, :]  # (N, Ho, Wo, C)
    top = _pad_amounts(h, k, stride, cache["padding"])[0]
    left = _pad_amounts(w, k, stride, cache["padding"])[0]
    dx = dx_pad[:, top : top + h, left : left + w, :]  # (N, H, W, C)
    return {"x": dx, "W": dW, "b": db}


# ----------------------------------------------------------------------------- max-pool
def max_pool_forward(
    x: np.ndarray, size: int = 2, stride: int = 2, padding: str = "SAME"
) -> tuple[np.ndarray, Cache]:
    """Max-pooling: out[n, i, j, c] = max over the size x size window at (i*s, j*s).

    SAME pads with -inf (TensorFlow ignores padded values), so a padded cell never wins.

    Args:
        x: (N, H, W, C).

    Returns:
        ``out`` (N, Ho, Wo, C) and the cache.
    """
    n, h, w, c = x.shape
    ho = conv_output_size(h, size, stride, padding)
    wo = conv_output_size(w, size, stride, padding)
    x_pad = _pad(x, size, stride, padding, value=-np.inf)  # (N, Hp, Wp, C)
    win = _windows(x_pad, size, stride, ho, wo)  # (N, Ho, Wo, C, k, k)
    flat = win.reshape(n, ho, wo, c, size * size)  # (N, Ho, Wo, C, k*k)
    arg = flat.argmax(axis=-1)  # (N, Ho, Wo, C): which cell of the window won (first max)
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]  # (N, Ho, Wo, C)
    cache = {"arg": arg, "x_shape": x.shape, "pad_shape": x_pad.shape}
    cache.update(size=size, stride=stride, padding=padding)
    return out, cache


def max_pool_backward(dout: np.ndarray, cache: Cache) -> Grads:
    """The gradient flows only to the winner of each window; the other cells get 0."""
    arg, k, stride = cache["arg"], cache["size"], cache["stride"]
    n, h, w, c = cache["x_shape"]
    _, ho, wo, _ = dout.shape
    dx_pad = np.zeros(cache["pad_shape"], dtype=dout.dtype)  # (N, Hp, Wp, C)
    for p in range(k):
        for q in range(k):
            at_rows = slice(p, p + (ho - 1) * stride + 1, stride)
            at_cols = slice(q, q + (wo - 1) * stride + 1, stride)
            dx_pad[:, at_rows, at_cols, :] += dout * (arg == p * k + q)  # (N, Ho, Wo, C)
    top = _pad_amounts(h, k, stride, cache["padding"])[0]
    left = _pad_amounts(w, k, stride, cache["padding"])[0]
    return {"x": dx_pad[:, top : top + h, left : left + w, :]}  # (N, H, W, C)


# ----------------------------------------------------------------------------- flatten
def flatten_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """(N, H, W, C) -> (N, H*W*C), in TensorFlow's (row-major NHWC) order."""
    return x.reshape(x.shape[0], -1), {"x_shape": x.shape}


def flatten_backward(dout: np.ndarray, cache: Cache) -> Grads:
    return {"x": dout.reshape(cache["x_shape"])}  # (N, H*W*C) -> (N, H, W, C)


# ----------------------------------------------------------------------------- dropout
def dropout_forward(
    x: np.ndarray, rate: float, rng: np.random.Generator | None, training: bool = True
) -> tuple[np.ndarray, Cache]:
    """Inverted dropout (as ``tf.nn.dropout``): zero a fraction ``rate``, scale the rest.

    out = x * m / (1 - rate), m_i ~ Bernoulli(1 - rate); the expected value of out is x,
    so nothing changes at test time (``training=False`` or ``rate == 0``: out = x).
    """
    if not training or rate == 0:
        return x, {"mask": None}
    keep = rng.random(x.shape) >= rate  # (...) bool, True with probability 1 - rate
    mask = keep.astype(x.dtype) / (1 - rate)  # (...)
    return x * mask, {"mask": mask}


def dropout_backward(dout: np.ndarray, cache: Cache) -> Grads:
    """dL/dx = dout * m / (1 - rate): the same mask as the forward pass."""
    mask = cache["mask"]
    return {"x": dout if mask is None else dout * mask}


# ----------------------------------------------------------------------------- L2
def l2_forward(weights: dict[str, np.ndarray], weight_decay: float) -> tuple[float, Cache]:
    """L2 penalty: weight_decay * sum over the weights w of sum(w^2) / 2 (``tf.nn.l2_loss``).

    Args:
        weights: the penalised arrays (kernels, not biases), by name.
    """
    loss = weight_decay * sum(0.5 * float(np.sum(w * w)) for w in weights.values())
    return loss, {"weights": weights, "weight_decay": weight_decay}


def l2_backward(dloss: float, cache: Cache) -> Grads:
    """d/dw of weight_decay * sum(w^2) / 2 = weight_decay * w."""
    wd = cache["weight_decay"]
    return {name: dloss * wd * w for name, w in cache["weights"].items()}
