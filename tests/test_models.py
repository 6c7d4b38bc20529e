"""The TensorFlow models: shapes from the calculator, oracles for the forward pass, weights I/O."""

from __future__ import annotations

import numpy as np
import pytest

from tfdojo import models
from tfdojo.core.errors import TfdojoError
from tfdojo.models import shapes
from tfdojo.models.keras_twin import keras_model
from tfdojo.models.layers import normalize


@pytest.mark.parametrize("name", models.names())
def test_variables_follow_the_shape_calculator(name):
    cfg = models.get(name).model
    model = models.build(cfg, seed=0)
    got = {k: tuple(v.shape) for k, v in model.named_variables().items()}
    assert got == {f"{l.name}.{k}": s for l in shapes.layers(cfg) for k, s in l.weights.items()}
    assert model.num_params == shapes.count_params(cfg)
    assert len(model.trainable_variables) == len(got)
    logits = model(normalize(np.zeros((3, 28, 28), np.uint8)))
    assert logits.shape == (3, 10)


def test_logistic_is_xw_plus_b():
    model = models.build(models.get("logistic").model, seed=1)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    w = model.get_weights()
    X = (images.reshape(5, 784).astype(np.float32) - 127.5) / 255
    expected = X @ w["logits.w"] + w["logits.b"]
    np.testing.assert_allclose(model(normalize(images)).numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["mlp", "cnn_course", "lenet5", "cnn"])
def test_forward_matches_keras(name):
    model = models.build(models.get(name).model, seed=2)
    images = np.random.default_rng(1).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    x = normalize(images)
    twin = keras_model(model.cfg, model.get_weights())  # an independent implementation
    np.testing.assert_allclose(model(x).numpy(), twin(x[..., None]).numpy(), rtol=1e-4, atol=1e-5)


def test_initialisation_is_seeded_and_scaled():
    cfg = models.get("mlp").model
    a = models.build(cfg, seed=3).get_weights()
    b = models.build(cfg, seed=3).get_weights()
    c = models.build(cfg, seed=4).get_weights()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["dense1.w"], c["dense1.w"])
    # He: std sqrt(2/784) for the ReLU layer; truncated at 2 std.
    assert a["dense1.w"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert np.abs(a["dense1.w"]).max() <= 2 * np.sqrt(2 / 784) / 0.8796 + 1e-6
    assert not a["dense1.b"].any()
    limit = np.sqrt(6 / (1024 + 10))
    assert np.abs(a["logits.w"]).max() <= limit


def test_set_weights_roundtrip_and_errors():
    cfg = models.get("cnn_course").model
    src, dst = models.build(cfg, seed=0), models.build(cfg, seed=1)
    dst.set_weights(src.get_weights())
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(src.predict_proba(images), dst.predict_proba(images))
    w = src.get_weights()
    with pytest.raises(TfdojoError, match=r"conv1.w expects shape \(5, 5, 1, 16\)"):
        dst.set_weights({**w, "conv1.w": np.zeros((3, 3, 1, 16))})
    w.pop("logits.b")
    with pytest.raises(TfdojoError, match="missing \\['logits.b'\\]"):
        dst.set_weights(w)


def test_dropout_is_seeded_and_inverted():
    import tensorflow as tf

    from tfdojo.models.layers import dropout

    model = models.build(models.get("mlp").model, seed=0)
    x = normalize(np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8))
    seed = tf.constant([7, 1], tf.int64)
    a = model(x, 0.5, seed).numpy()
    assert np.array_equal(a, model(x, 0.5, seed).numpy())
    assert not np.array_equal(a, model(x, 0.5, tf.constant([7, 2], tf.int64)).numpy())
    assert not np.array_equal(a, model(x).numpy())

    # Each unit is dropped (0) or kept and scaled by 1 / (1 - rate), exactly.
    h = tf.ones((200, 1000)) * 3.0
    out = dropout(h, 0.25, seed, 0).numpy()
    assert set(np.unique(out)) == {0.0, np.float32(3.0 / 0.75)}
    dropped = (out == 0).mean()  # 200,000 draws: 0.25 +- 5 sigma (0.0048)
    assert abs(dropped - 0.25) < 0.005
    # ... and the model's hidden layer is what goes through it: logits = dropout(h) W2 + b2.
    hidden, out_layer = model.layers
    expected = out_layer(dropout(hidden(tf.reshape(x, [-1, 784])), 0.5, seed, 0)).numpy()
    np.testing.assert_array_equal(a, expected)


def test_predict_proba_checks_shape():
    model = models.build(models.get("logistic").model)
    p = model.predict_proba(np.zeros((2, 28, 28), np.uint8))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    with pytest.raises(TfdojoError, match=r"expected shape \(N, 28, 28\), received \(2, 32, 32\)"):
        model.predict_proba(np.zeros((2, 32, 32), np.uint8))


def test_unknown_model_lists_valid_names():
    with pytest.raises(TfdojoError, match="valid models: logistic, mlp, cnn_course, lenet5, cnn"):
        models.get("resnet")
