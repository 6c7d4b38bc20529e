"""Every NumPy layer against its oracles: finite differences (float64) and TensorFlow.

Tolerances: gradient checks, relative error < 1e-6 (central differences, h = 1e-6, float64,
measured ~1e-9); TensorFlow parity in float64, max absolute difference < 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest

from tfdojo.scratch import layers as L
from tfdojo.scratch.gradcheck import numerical_gradient, relative_error

GRAD_TOL = 1e-6
TF_TOL = 1e-10


@pytest.fixture(scope="module")
def tf():
    from tfdojo.core.tf_setup import configure_tensorflow

    return configure_tensorflow(1)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def check_layer(forward, backward, x, params, seed=1):
    """Loss = sum(out * R) for a fixed random R; compare backward with finite differences."""
    out, _ = forward(x, params)
    R = rng(seed).standard_normal(out.shape)

    def loss() -> float:
        return float(np.sum(forward(x, params)[0] * R))

    _, cache = forward(x, params)
    grads = backward(R, cache)
    errors = {"x": relative_error(grads["x"], numerical_gradient(loss, x))}
    for name, p in params.items():
        errors[name] = relative_error(grads[name], numerical_gradient(loss, p))
    return errors


# ----------------------------------------------------------------------------- gradient checks
def test_affine_gradients():
    r = rng()
    x = r.standard_normal((4, 5))
    params = {"W": r.standard_normal((5, 3)), "b": r.standard_normal(3)}
    errors = check_layer(L.affine_forward, L.affine_backward, x, params)
    assert max(errors.values()) < GRAD_TOL, errors


def test_relu_gradients():
    x = rng().standard_normal((4, 6))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink, where the derivative is undefined
    errors = check_layer(lambda x, p: L.relu_forward(x), L.relu_backward, x, {})
    assert errors["x"] < GRAD_TOL, errors
    out, _ = L.relu_forward(np.array([-2.0, 0.0, 3.0]))
    assert out.tolist() == [0.0, 0.0, 3.0]


def test_softmax_cross_entropy_gradient_and_value():
    r = rng()
    logits = r.standard_normal((5, 10))
    y = r.integers(0, 10, 5)
    loss, cache = L.softmax_cross_entropy_forward(logits, y)
    dz = L.softmax_cross_entropy_backward(1.0, cache)["x"]
    num = numerical_gradient(lambda: L.softmax_cross_entropy_forward(logits, y)[0], logits)
    assert relative_error(dz, num) < GRAD_TOL
    # by hand: -mean log softmax of the right class
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert loss == pytest.approx(-np.log(p[np.arange(5), y]).mean(), rel=1e-12)


def test_softmax_cross_entropy_is_stable_for_huge_scores():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e4, 1e4, 0.0]])
    loss, cache = L.softmax_cross_entropy_forward(logits, np.array([0, 0]))
    assert np.isfinite(loss)
    # example 1 is right with certainty (loss 0), example 2 is wrong by 2e4 (loss 2e4)
    assert loss == pytest.approx((0 + 2e4) / 2)
    assert np.all(np.isfinite(L.softmax_cross_entropy_backward(1.0, cache)["x"]))
    np.testing.assert_allclose(L.softmax(logits).sum(1), 1.0)


def test_softmax_matches_the_deck_table():
    s = L.softmax(np.array([-1.0, 1.0, 2.0]))
    np.testing.assert_allclose(s, [0.0351, 0.2595, 0.7054], atol=1e-4)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv2d_gradients(padding, stride):
    r = rng(stride)
    x = r.standard_normal((2, 7, 6, 2))
    params = {"W": r.standard_normal((3, 3, 2, 3)), "b": r.standard_normal(3)}

    def forward(x, p):
        return L.conv2d_forward(x, p, stride=stride, padding=padding)

    errors = check_layer(forward, L.conv2d_backward, x, params)
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_max_pool_gradients(padding, stride):
    # distinct values spaced 0.01 apart: a 1e-6 step never changes which cell wins
    x = rng(stride).permutation(2 * 7 * 6 * 2).reshape(2, 7, 6, 2) * 0.01

    def forward(x, p):
        return L.max_pool_forward(x, size=3, stride=stride, padding=padding)

    errors = check_layer(forward, L.max_pool_backward, x, {})
    assert errors["x"] < GRAD_TOL, errors


def test_flatten_gradients_and_order():
    x = rng().standard_normal((2, 3, 4, 5))
    errors = check_layer(lambda x, p: L.flatten_forward(x), L.flatten_backward, x, {})
    assert errors["x"] < GRAD_TOL
    out, _ = L.flatten_forward(x)
    assert out[1, 5 * 4 + 2] == x[1, 1, 0, 2]  # NHWC row-major, like tf.reshape


def test_dropout_gradients_use_the_forward_mask():
    x = rng().standard_normal((6, 8))

    def forward(x, p):
        return L.dropout_forward(x, 0.4, rng(7))  # same seed: the same mask every call

    errors = check_layer(forward, L.dropout_backward, x, {})
    assert errors["x"] < GRAD_TOL


def test_dropout_keeps_the_expectation_and_is_identity_at_test_time():
    x = np.ones((200, 500))
    out, cache = L.dropout_forward(x, 0.25, rng(3))
    assert set(np.unique(out).tolist()) == {0.0, 1 / 0.75}
    assert abs((out == 0).mean() - 0.25) < 0.01  # 100k draws: sd 0.0014
    assert abs(out.mean() - 1.0) < 0.01
    same, _ = L.dropout_forward(x, 0.25, rng(3), training=False)
    assert same is x


def test_l2_gradients_and_value():
    r = rng()
    weights = {"W1": r.standard_normal((3, 4)), "W2": r.standard_normal((4, 2))}
    loss, cache = L.l2_forward(weights, 0.01)
    expected = 0.01 * (np.sum(weights["W1"] ** 2) + np.sum(weights["W2"] ** 2)) / 2
    assert loss == pytest.approx(expected, rel=1e-12)
    grads = L.l2_backward(1.0, cache)
    for name, w in weights.items():
        num = numerical_gradient(lambda: L.l2_forward(weights, 0.01)[0], w)
        assert relative_error(grads[name], num) < GRAD_TOL


# ----------------------------------------------------------------------------- TensorFlow parity
SIZES = [(7, 7), (8, 8), (9, 6)]  # odd, even, mixed


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("k", [2, 3])
def test_conv2d_matches_tensorflow(tf, size, stride, padding, k):
    r = rng(stride * 10 + k)
    x = r.standard_normal((2, *size, 3))
    W, b = r.standard_normal((k, k, 3, 4)), r.standard_normal(4)
    out, cache = L.conv2d_forward(x, {"W": W, "b": b}, stride=stride, padding=padding)
    dout = r.standard_normal(out.shape)
    grads = L.conv2d_backward(dout, cache)

    tx, tW, tb = (tf.constant(a) for a in (x, W, b))
    with tf.GradientTape() as tape:
        tape.watch([tx, tW, tb])
        t_out = tf.nn.conv2d(tx, tW, strides=stride, padding=padding) + tb
        t_loss = tf.reduce_sum(t_out * dout)
    t_dx, t_dW, t_db = tape.gradient(t_loss, [tx, tW, tb])

    assert out.shape == tuple(t_out.shape)
    assert np.abs(out - t_out.numpy()).max() < TF_TOL
    assert np.abs(grads["x"] - t_dx.numpy()).max() < TF_TOL
    assert np.abs(grads["W"] - t_dW.numpy()).max() < TF_TOL
    assert np.abs(grads["b"] - t_db.numpy()).max() < TF_TOL


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("k", [2, 3])
def test_max_pool_matches_tensorflow(tf, size, stride, padding, k):
    r = rng(stride * 10 + k)
    x = r.standard_normal((2, *size, 3))  # continuous values: no ties
    out, cache = L.max_pool_forward(x, size=k, stride=stride, padding=padding)
    dout = r.standard_normal(out.shape)
    dx = L.max_pool_backward(dout, cache)["x"]

    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        t_out = tf.nn.max_pool2d(tx, ksize=k, strides=stride, padding=padding)
        t_loss = tf.reduce_sum(t_out * dout)
    t_dx = tape.gradient(t_loss, tx)

    assert out.shape == tuple(t_out.shape)
    assert np.abs(out - t_out.numpy()).max() == 0  # max picks an input value exactly
    assert np.abs(dx - t_dx.numpy()).max() < TF_TOL


def test_softmax_cross_entropy_matches_tensorflow(tf):
    r = rng()
    logits = r.standard_normal((6, 10)) * 5
    y = r.integers(0, 10, 6)
    loss, cache = L.softmax_cross_entropy_forward(logits, y)
    tz = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(tz)
        t_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=tz))
    assert abs(loss - float(t_loss)) < TF_TOL
    dz = L.softmax_cross_entropy_backward(1.0, cache)["x"]
    assert np.abs(dz - tape.gradient(t_loss, tz).numpy()).max() < TF_TOL


def test_layers_keep_float32():
    x = np.ones((2, 6, 6, 1), np.float32)
    params = {"W": np.ones((3, 3, 1, 2), np.float32), "b": np.zeros(2, np.float32)}
    out, cache = L.conv2d_forward(x, params, stride=2, padding="SAME")
    assert out.dtype == np.float32
    assert L.conv2d_backward(out, cache)["W"].dtype == np.float32
    pooled, _ = L.max_pool_forward(out, 2, 2, "SAME")
    assert pooled.dtype == np.float32
