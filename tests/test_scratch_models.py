"""The NumPy models against their oracles: finite differences and the TensorFlow models.

Tolerances:
- gradient check (float64, central differences, h = 1e-6): relative error < 1e-6 on every
  parameter array (a sample of entries per array), through L2 and dropout too;
- TensorFlow parity (TF float32 vs NumPy float64, same weights): logits and loss to
  5e-6 absolute (float32 rounding of 784-term sums), gradients to 1e-5 relative
  (measured: logits 2.7e-6, loss 2.4e-7, gradients 8.6e-7 at worst).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tfdojo import models
from tfdojo.models import ModelConfig
from tfdojo.scratch.gradcheck import relative_error
from tfdojo.scratch.models import Model, normalize

GRAD_TOL = 1e-6

SMALL = {
    "logistic": ModelConfig(name="logistic"),
    "mlp": ModelConfig(name="mlp", hidden=(6, 5)),
    "cnn": ModelConfig(
        name="cnn",
        conv_depths=(2, 3),
        conv_patches=(3, 5),
        conv_strides=(2, 1),
        conv_padding=("SAME", "VALID"),
        pools=(2, 1),
        hidden=(5,),
    ),
}


@pytest.fixture(scope="module")
def tf():
    from tfdojo.core.tf_setup import configure_tensorflow

    return configure_tensorflow(1)


def batch(n: int = 4, seed: int = 0):
    r = np.random.default_rng(seed)
    images = r.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    return images, r.integers(0, 10, n)


@pytest.mark.parametrize("name", list(SMALL))
@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_model_gradients_match_finite_differences(name, dropout):
    model = Model(SMALL[name], seed=1, dtype=np.float64)
    for k in model.params:  # non-zero biases, so a wrong bias gradient shows
        model.params[k] = model.params[k] + 0.01 * np.random.default_rng(2).standard_normal(
            model.params[k].shape
        )
    images, y = batch()
    x = normalize(images, np.float64)
    wd = 1e-2

    def loss() -> float:
        rng = np.random.default_rng(5)  # the same dropout mask on every call
        return model.loss_and_grads(x, y, wd, dropout, rng)[0]

    _, grads, _ = model.loss_and_grads(x, y, wd, dropout, np.random.default_rng(5))
    pick = np.random.default_rng(3)
    for key, p in model.params.items():
        flat = p.reshape(-1)  # a view: perturbing it perturbs the parameter
        idx = pick.choice(flat.size, size=min(flat.size, 25), replace=False)
        num = np.empty(len(idx))
        for j, i in enumerate(idx):
            old = flat[i]
            flat[i] = old + 1e-6
            up = loss()
            flat[i] = old - 1e-6
            down = loss()
            flat[i] = old
            num[j] = (up - down) / 2e-6
        err = relative_error(grads[key].reshape(-1)[idx], num)
        assert err < GRAD_TOL, (key, err)


@pytest.mark.parametrize("name", models.names())
def test_initial_weights_equal_the_tensorflow_models(tf, name):
    cfg = models.get(name).model
    mine = Model(cfg, seed=7)
    theirs = models.build(cfg, seed=7).get_weights()
    assert list(mine.params) == list(theirs)
    for k, v in theirs.items():
        np.testing.assert_array_equal(mine.params[k], v, err_msg=k)
    assert mine.num_params == sum(v.size for v in theirs.values())


def tf_loss_and_grads(tf, tf_model, images, y, wd):
    from tfdojo.models.layers import normalize as tf_normalize

    variables = tf_model.named_variables()
    with tf.GradientTape() as tape:
        logits = tf_model(tf_normalize(images))
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        )
        loss = loss + wd * tf_model.l2_loss()
    grads = tape.gradient(loss, variables)
    return logits.numpy(), float(loss), {k: g.numpy() for k, g in grads.items()}


@pytest.mark.parametrize("name", models.names())
def test_same_weights_give_tensorflows_logits_loss_and_gradients(tf, name):
    cfg = models.get(name).model
    tf_model = models.build(cfg, seed=3)
    mine = Model(cfg, dtype=np.float64)
    weights = tf_model.get_weights()
    r = np.random.default_rng(4)  # random biases: zero ones would hide a bias bug
    weights = {
        k: v + 0.05 * r.standard_normal(v.shape).astype(np.float32) for k, v in weights.items()
    }
    tf_model.set_weights(weights)
    mine.set_weights(weights)
    images, y = batch(8)
    wd = 1e-3

    t_logits, t_loss, t_grads = tf_loss_and_grads(tf, tf_model, images, y, wd)
    loss, grads, logits = mine.loss_and_grads(normalize(images, np.float64), y, wd)

    assert np.abs(logits - t_logits).max() < 5e-6 * max(1, np.abs(t_logits).max())
    assert abs(loss - t_loss) < 5e-6 * max(1, abs(t_loss))
    for k, g in t_grads.items():
        assert relative_error(grads[k], g) < 1e-5, k


def test_probabilities_match_the_tensorflow_model(tf):
    cfg = models.get("cnn_course").model
    tf_model = models.build(cfg, seed=0)
    mine = Model(cfg)
    mine.set_weights(tf_model.get_weights())
    images, _ = batch(16)
    np.testing.assert_allclose(
        mine.predict_proba(images), tf_model.predict_proba(images), atol=1e-5
    )


def test_param_counts_come_from_the_shared_calculator():
    from tfdojo.models.shapes import count_params

    for name in models.names():
        cfg = models.get(name).model
        assert Model(cfg).num_params == count_params(cfg)
    assert Model(models.get("logistic").model).num_params == 7850  # the deck's count


def test_set_weights_refuses_wrong_names_and_shapes():
    from tfdojo.core.errors import TfdojoError

    model = Model(SMALL["mlp"])
    weights = model.get_weights()
    with pytest.raises(TfdojoError, match="expected names"):
        model.set_weights({k: v for k, v in weights.items() if k != "logits.b"})
    bad = dict(weights, **{"logits.b": np.zeros(11)})
    with pytest.raises(TfdojoError, match=r"logits.b expects shape \(10,\), received \(11,\)"):
        model.set_weights(bad)


def test_dropout_is_off_without_a_rate():
    model = Model(dataclasses.replace(SMALL["mlp"]), seed=0)
    x = normalize(batch()[0])
    a, _ = model.forward(x)
    b, _ = model.forward(x)
    np.testing.assert_array_equal(a, b)
    c, _ = model.forward(x, dropout_rate=0.5, rng=np.random.default_rng(0))
    assert not np.allclose(a, c)
