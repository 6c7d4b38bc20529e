"""Jitter (tfdojo.engines.jitter): known answers, the NumPy warp against TensorFlow's kernel,
and what the engines do with it."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tfdojo import engines
from tfdojo.core.errors import TfdojoError
from tfdojo.engines import jitter
from tfdojo.models.layers import normalize
from tfdojo.training import settings as training_settings


def images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28)).astype(np.float32) - 0.5


def test_no_draw_is_the_identity():
    X = images(4)
    u = np.zeros((4, 5), np.float32)
    np.testing.assert_array_equal(jitter.warp_numpy(X, u, 1.0), X)
    np.testing.assert_allclose(jitter.warp_tf(tf.constant(X), tf.constant(u), 1.0), X, atol=1e-6)
    assert jitter.warp_numpy(X, np.ones((4, 5)), 0.0) is X  # strength 0: not even a copy


@pytest.mark.parametrize("axis,sign", [(3, 1), (3, -1), (4, 1), (4, -1)])
def test_a_shift_of_one_pixel_moves_the_image_by_one_pixel(axis, sign):
    X = images(2)
    u = np.zeros((2, 5), np.float32)
    u[:, axis] = sign / jitter.SHIFT  # t = sign pixels: output x reads input x + t
    want = np.full_like(X, jitter.BACKGROUND)
    if axis == 3 and sign == 1:
        want[:, :, :-1] = X[:, :, 1:]
    elif axis == 3:
        want[:, :, 1:] = X[:, :, :-1]
    elif sign == 1:
        want[:, :-1, :] = X[:, 1:, :]
    else:
        want[:, 1:, :] = X[:, :-1, :]
    np.testing.assert_array_equal(jitter.warp_numpy(X, u, 1.0), want)
    np.testing.assert_allclose(jitter.warp_tf(tf.constant(X), tf.constant(u), 1.0), want, atol=1e-6)


def test_a_quarter_turn_turns_the_image():
    X = images(1)
    u = np.zeros((1, 5), np.float32)
    u[0, 0] = 90 / jitter.ROTATION / 4  # strength 4: 90 degrees
    out = jitter.warp_numpy(X, u, 4.0)
    np.testing.assert_allclose(out, np.rot90(X, k=-1, axes=(1, 2)), atol=1e-5)  # clockwise


@settings(max_examples=40, deadline=None)
@given(
    u=arrays(np.float32, (3, 5), elements=st.floats(-1, 1, width=32)),
    strength=st.floats(0, training_settings.MAX_JITTER),
)
def test_the_numpy_warp_is_tensorflows_kernel(u, strength):
    X = images(3, seed=1)
    ours = jitter.warp_numpy(X, u, strength)
    theirs = jitter.warp_tf(tf.constant(X), tf.constant(u), strength).numpy()
    np.testing.assert_allclose(ours, theirs, atol=2e-5)
    assert ours.min() >= -0.5 - 1e-6 and ours.max() <= 0.5 + 1e-6  # a blend of pixels


def _engine(name: str, jitter_strength: float):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (256, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 256).astype(np.uint8)
    cfg = training_settings.make_config(
        "logistic", sets=[f"engine={name}", f"jitter={jitter_strength}", "batch_size=32"]
    )
    return engines.make(cfg, imgs, labels), imgs


def test_the_tensorflow_engine_warps_a_calls_batches_as_each_step_would():
    engine, imgs = _engine("tensorflow", 1.0)
    batches = tf.constant(np.arange(96, dtype=np.int32).reshape(3, 32))
    at_once, _ = engine.inputs(batches, tf.constant(5, tf.int64))  # steps 5, 6, 7 together
    for i in range(3):
        alone, _ = engine.inputs(batches[i], tf.constant(5 + i, tf.int64))
        np.testing.assert_array_equal(at_once[i], alone)
    plain = normalize(imgs[:32]).numpy()
    assert not np.allclose(at_once[0], plain)  # jittered
    off, _ = _engine("tensorflow", 0.0)[0].inputs(batches[0])
    np.testing.assert_array_equal(off, plain)  # jitter 0: the images as they are


def test_the_numpy_engine_jitters_too_and_a_run_repeats_itself():
    runs = []
    for _ in range(2):
        engine, _ = _engine("numpy", 1.0)
        batches = training_settings.epoch_batches(0, 0, 256, 32)
        rates = training_settings.learning_rates(engine.cfg, range(len(batches)), len(batches))
        runs.append(engine.train_steps(batches, rates))
    assert runs[0] == runs[1]


def test_jitter_out_of_range_is_one_line():
    with pytest.raises(TfdojoError, match="jitter"):
        training_settings.make_config("cnn", sets=["jitter=5"])
    assert training_settings.make_config("cnn").jitter == 1.0
    assert training_settings.make_config("cnn_course").jitter == 0.0  # the course's: as taught


def test_a_step_draws_the_same_jitter_however_the_steps_are_grouped_into_calls():
    weights = []
    for per_call in (4, 1):
        engine, _ = _engine("tensorflow", 1.0)
        batches = training_settings.epoch_batches(0, 0, 256, 32)[:4]
        rates = np.full(4, 0.1, np.float32)
        for i in range(0, 4, per_call):
            engine.train_steps(batches[i : i + per_call], rates[i : i + per_call])
        weights.append(engine.get_weights())
    for name in weights[0]:
        np.testing.assert_allclose(weights[0][name], weights[1][name], rtol=1e-6, atol=1e-7)
