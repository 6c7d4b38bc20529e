"""Checks of katas 7, 8, 9 and 11: the ReLU network, L2, dropout, overfitting and its cure.

The reference values are computed here from the model's own variables with TensorFlow
ops, and the reference step with a GradientTape. Each check calls the learner's code
with several values of its settings (hidden units, beta, rates, seeds, batch sizes),
drawn from ``ck.rng`` where any value would do, so that a constant equal to the one
value tried cannot pass; initial values are checked by their statistics first, then the
biases are set away from 0, so that a forgotten bias or a penalised one shows.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo.teaching.kata.causes import networks as causes
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks import reference_run
from tfdojo.teaching.kata.checks.common import (
    cross_entropy,
    expect_contract,
    expect_seeded,
    expect_trains,
    random_images,
    random_labels,
    trainable,
)
from tfdojo.teaching.kata.checks.diagnoses import expect_dropout, expect_mask_follows
from tfdojo.teaching.kata.checks.models_common import (
    expect_he,
    expect_names,
    expect_own_seeds,
    expect_zeros,
    mlp_variables,
    spread_biases,
    with_causes,
)
from tfdojo.teaching.kata.checks.overfitting import check_overfitting
from tfdojo.teaching.kata.expect import brief, expect_close, to_array
from tfdojo.teaching.kata.sources import reference

__all__ = ["check_overfitting", "mlp_variables", "spread_biases"]  # kata 11's, and conv.py's


def hidden_of(v: dict[str, tf.Variable], x) -> tf.Tensor:
    """X W1 + b1 before the ReLU: (N, hidden)."""
    return tf.matmul(tf.reshape(x, [-1, 784]), v["W1"]) + v["b1"]


def mlp_logits(v: dict[str, tf.Variable], x) -> np.ndarray:
    """relu(X W1 + b1) W2 + b2, the reference logits (N, 10) of the variables ``v``."""
    return (tf.matmul(tf.nn.relu(hidden_of(v, x)), v["W2"]) + v["b2"]).numpy()


# ----------------------------------------------------------------------- 7 ReLU network


def expect_mlp_init(ck: Checker, MLP: type, hidden: int) -> None:
    """Fail unless MLP(seed=3, num_hiddens=hidden) starts as asked: He's truncated normal
    of the fan-in (784 for W1, ``hidden`` for W2), biases zeros."""
    built = f"MLP(seed=3, num_hiddens={hidden})"
    ck.case = f"model = {built}: its initial variables"
    model = ck.call(MLP, seed=3, num_hiddens=hidden)
    got = sorted(tuple(v.shape) for v in trainable(model, built))
    if any(1024 in shape for shape in got):
        raise Failure(
            f"{built} with W1 ({784}, {hidden})", f"shapes {got}", causes.MLP_HIDDEN_IGNORED
        )
    v = mlp_variables(model, built, hidden)
    for name, fan_in, fan_out in (("W1", 784, hidden), ("W2", hidden, 10)):
        expect_he(
            f"{name} of {built}",
            v[name].numpy(),
            (2 / fan_in) ** 0.5,
            wrong=[
                (causes.MLP_INIT_LARGE, 1.0),
                (causes.MLP_INIT_FAN_OUT, (2 / fan_out) ** 0.5),
                (causes.MLP_HIDDEN_IGNORED, (2 / 1024) ** 0.5),
                (causes.MLP_INIT_STDDEV, (1 / fan_in) ** 0.5),
            ],
            cause=causes.MLP_INIT_STDDEV,
            not_truncated=causes.MLP_NOT_TRUNCATED,
        )
    for name in ("b1", "b2"):
        expect_zeros(f"{name} of {built}", v[name].numpy(), causes.MLP_BIASES_NOT_ZERO)
    expect_own_seeds(built, {k: v[k].numpy() for k in ("W1", "W2")}, causes.MLP_SAME_SEED)


def expect_mlp_logits(ck: Checker, model, v: dict[str, tf.Variable], x) -> None:
    """Fail unless model(x) = relu(X W1 + b1) W2 + b2 from its variables ``v``, the biases
    set to [-1 .. 1] first, naming the usual wrong logits."""
    spread_biases(v)
    want = mlp_logits(v, x)
    z = hidden_of(v, x)  # X W1 + b1, (N, hidden)
    expect_close(
        "the logits",
        ck.call(model, x, dropout_rate=0.0, seed=None),
        want,
        wrong=[
            (causes.MLP_NO_RELU, (z @ v["W2"] + v["b2"]).numpy()),
            (causes.MLP_RELU_LOGITS, np.maximum(want, 0)),
            (causes.MLP_SOFTMAX, tf.nn.softmax(want).numpy()),
            (causes.MLP_NO_BIAS, want - v["b2"].numpy()),
            (causes.MLP_NO_BIAS, mlp_logits({**v, "b1": tf.zeros_like(v["b1"])}, x)),
            (causes.MLP_BIAS_AFTER, (tf.nn.relu(z - v["b1"]) + v["b1"]) @ v["W2"] + v["b2"]),
        ],
    )


@with_causes
def check_relu_network(ck: Checker) -> str:
    MLP = ck.get("MLP")
    ck.case = "model = MLP(seed=0)"
    model = ck.call(MLP, seed=0)
    v = mlp_variables(model, "MLP(seed=0)")
    expect_names("MLP(seed=0)", list(v.values()), causes.MLP_NAMES)
    # away from 784: W1's fan-in and fan-out then differ more than the two conventions of
    # a truncated normal's stddev (see expect_he)
    hidden = int(ck.rng.integers(150, 450))
    expect_mlp_init(ck, MLP, hidden)
    ck.case = "MLP(seed=0) twice, then MLP(seed=1)"
    expect_seeded(MLP, "MLP")

    small = f"MLP(seed=2, num_hiddens={hidden})"
    nets = [(model, v, "MLP(seed=0)", 64)]
    nets.append((MLP(seed=2, num_hiddens=hidden), None, small, 5))
    for net, variables, built, n in nets:
        variables = variables or mlp_variables(net, built, hidden)
        ck.case = f"{built}(x, dropout_rate=0.0, seed=None), x ({n}, 28, 28), biases [-1 .. 1]"
        expect_mlp_logits(ck, net, variables, random_images(n, 7 + n))

    expect_contract(ck, MLP(seed=0), "MLP(seed=0)")
    steps, accuracy = expect_trains(ck, MLP, reference_run.MLP)
    return (
        f"784 -> 1,024 -> 10 with a ReLU, 814,090 parameters, He's initial weights (and "
        f"{hidden} hidden units when asked); {steps} steps reached {accuracy:.1%} test accuracy."
    )


# ------------------------------------------------------------------------------- 8 L2


def squares(variables) -> tuple[float, float, float]:
    """(sum of ||W||^2 / 2 over rank >= 2, the same over rank 2 only, over rank 1)."""
    half = [(len(v.shape), float(tf.nn.l2_loss(v))) for v in variables]
    return (
        sum(s for r, s in half if r >= 2),
        sum(s for r, s in half if r == 2),
        sum(s for r, s in half if r < 2),
    )


@with_causes
def check_l2(ck: Checker) -> str:
    l2_penalty, loss_fn = ck.get("l2_penalty"), ck.get("loss_fn")
    model = reference("07_relu_network").MLP(seed=0)
    v = mlp_variables(model, "MLP(seed=0)")
    spread_biases(v)
    sq = {name: float(tf.reduce_sum(var**2)) for name, var in v.items()}
    want = (sq["W1"] + sq["W2"]) / 2

    ck.case = "l2_penalty(model), model = kata 7's MLP(seed=0) with biases [-1 .. 1]"
    expect_close(
        "l2_penalty(model)",
        ck.call(l2_penalty, model),
        want,
        wrong=[
            (causes.L2_ON_BIASES, want + (sq["b1"] + sq["b2"]) / 2),
            (causes.L2_NO_HALF, 2 * want),
            (causes.L2_MEAN, (sq["W1"] / (784 * 1024) + sq["W2"] / (1024 * 10)) / 2),
            (causes.L2_NORM, np.sqrt(sq["W1"]) + np.sqrt(sq["W2"])),
        ],
    )

    ck.case = "l2_penalty(model), model = kata 13's ConvNet(seed=0): kernels are weights too"
    convnet = reference("13_convnet").ConvNet(seed=0)
    spread_biases({n: getattr(convnet, n) for n in ("b1", "b2", "b3", "b4")})
    all_w, matrices, biases = squares(convnet.trainable_variables)
    expect_close(
        "l2_penalty(convnet)",
        ck.call(l2_penalty, convnet),
        all_w,
        wrong=[
            (causes.L2_RANK2_ONLY, matrices),
            (causes.L2_ON_BIASES, all_w + biases),
            (causes.L2_NO_HALF, 2 * all_w),
        ],
    )

    for n, beta in [(16, 0.01), (7, float(np.round(ck.rng.uniform(0.02, 0.2), 4)))]:
        ck.case = f"loss_fn(model, X, y, beta={beta}), {n} images"
        X, y = random_images(n, 8 + n), random_labels(n, 8 + n)
        ce = float(cross_entropy(model(X), y))
        expect_close(
            "loss_fn(...)",
            ck.call(loss_fn, model, X, tf.constant(y), beta),
            ce + beta * want,
            wrong=[
                (causes.L2_NOT_ADDED, ce),
                (causes.L2_NO_BETA, ce + want),
                (causes.L2_BETA_CONSTANT, ce + 0.01 * want),
                (causes.L2_ON_BIASES, ce + beta * (want + (sq["b1"] + sq["b2"]) / 2)),
                (causes.L2_CE_SUM, n * ce + beta * want),
                (causes.L2_NO_HALF, ce + 2 * beta * want),
            ],
        )

    ck.case = f"the gradients of loss_fn(model, X, y, beta={beta}) by tf.GradientTape"
    with tf.GradientTape() as tape:
        loss = loss_fn(model, X, tf.constant(y), beta)
    got = tape.gradient(loss, list(v.values()))
    with tf.GradientTape(persistent=True) as tape:
        ce = cross_entropy(model(X), y)
        ref = ce + beta * (tf.nn.l2_loss(v["W1"]) + tf.nn.l2_loss(v["W2"]))
    bare = tape.gradient(ce, list(v.values()))  # the penalty's gradient left out
    for name, g, w, b in zip(v, got, tape.gradient(ref, list(v.values())), bare):
        if g is None:
            raise Failure(f"a gradient for {name}", "None", causes.L2_OUTSIDE_TAPE)
        expect_close(f"dloss/d{name}", g, w.numpy(), wrong=[(causes.L2_OUTSIDE_TAPE, b.numpy())])
    return (
        "the penalty sums ||W||^2 / 2 over the weights only (matrices and kernels); the loss "
        "and its gradients match for several beta."
    )


# --------------------------------------------------------------------------- 9 dropout


def expect_dropout_function(ck: Checker, dropout) -> float:
    """Fail unless dropout(h, rate, seed) drops ``rate`` of h, scales the rest, follows the
    seed; returns the second rate tried (drawn from ``ck.rng``)."""
    other_rate = float(np.round(ck.rng.uniform(0.55, 0.8), 2))
    for rate in (0.25, other_rate):
        ck.case = f"dropout(h, rate={rate}, seed=[1, 2]), h = ones (200, 500)"
        got = ck.call(dropout, tf.ones([200, 500]), rate, tf.constant([1, 2]))
        expect_dropout("dropout(h, ...)", got, rate, (200, 500))
    ck.case = f"dropout(h, rate={other_rate}, seed=[3, 5]), h random normal (64, 300)"
    h = tf.random.stateless_normal([64, 300], seed=[9, 9])
    got = to_array("dropout(h, ...)", ck.call(dropout, h, other_rate, tf.constant([3, 5])))
    kept = got != 0
    expect_close(
        "the kept units",
        got[kept],
        (h.numpy() / (1 - other_rate))[kept],
        wrong=[(causes.DROPOUT_MASK_ONLY, np.full(int(kept.sum()), 1 / (1 - other_rate)))],
    )
    ck.case = "dropout(h, 0.25, seed) twice with seed [1, 2], then with seed [3, 4]"
    h = tf.ones([200, 500])
    first, again, other = (
        to_array("dropout(h, ...)", dropout(h, 0.25, tf.constant(seed)))
        for seed in ([1, 2], [1, 2], [3, 4])
    )
    expect_mask_follows("seed", first, again, other, causes.DROPOUT_NOT_SEEDED)
    return other_rate


def expect_model_drops(ck: Checker, DropoutMLP: type, rates: list[float]) -> None:
    """Fail unless DropoutMLP drops ``rate`` of its hidden units for each rate, scaled by
    1/(1-rate), the mask following the seed: read through W2 set to pass hidden units 0..9
    to the logits (b1 = 2, so that those units are positive)."""
    model = DropoutMLP(seed=0)
    v = mlp_variables(model, "DropoutMLP(seed=0)")
    v["b1"].assign(tf.fill(v["b1"].shape, 2.0))
    v["W2"].assign(tf.eye(1024, 10))
    v["b2"].assign(tf.zeros([10]))
    x = random_images(200, 19)
    units = tf.nn.relu(hidden_of(v, x)).numpy()[:, :10]  # (200, 10)
    for rate in rates:
        ck.case = (
            f"model(x, dropout_rate={rate}, seed=[5, 1]), x (200, 28, 28), W2 set to pass "
            "hidden units 0..9 to the logits"
        )
        got = to_array(
            "model(x, ...)", ck.call(model, x, dropout_rate=rate, seed=tf.constant([5, 1]))
        )
        dropped = float(np.mean(got == 0))
        if abs(dropped - rate) > 0.04:
            raise Failure(
                f"about {rate:.0%} of the hidden units dropped",
                f"{dropped:.0%}",
                causes.DROPOUT_MODEL_RATE,
            )
        scale = got[got != 0] / units[got != 0]
        if not np.allclose(scale, 1 / (1 - rate), rtol=1e-3):
            cause = causes.DROPOUT_NO_SCALE if np.allclose(scale, 1.0, rtol=1e-3) else None
            raise Failure(
                f"kept units times 1/(1 - rate) = {1 / (1 - rate):.4f}", brief(scale), cause
            )
    ck.case = "model(x, dropout_rate=0.5, seed) twice with seed [5, 1], then with seed [5, 2]"
    first, again, other = (
        to_array("model(x, ...)", model(x, dropout_rate=0.5, seed=tf.constant(s)))
        for s in ([5, 1], [5, 1], [5, 2])
    )
    if not np.array_equal(first, again):
        raise Failure("the same logits for the same seed", "others", causes.DROPOUT_NOT_SEEDED)
    if np.array_equal(first, other):
        raise Failure(
            "other dropped units for another seed", "the same", causes.DROPOUT_SEED_IGNORED
        )


@with_causes
def check_dropout(ck: Checker) -> str:
    other_rate = expect_dropout_function(ck, ck.get("dropout"))

    DropoutMLP = ck.get("DropoutMLP")
    model = DropoutMLP(seed=0)
    v = mlp_variables(model, "DropoutMLP(seed=0)")
    spread_biases(v)
    x = random_images(32, 9)
    clean = mlp_logits(v, x)
    ck.case = "model(x) twice, x (32, 28, 28): evaluation, the default dropout_rate=0.0"
    for _ in range(2):
        got = to_array("model(x)", ck.call(model, x))
        if got.shape != clean.shape or not np.allclose(got, clean, rtol=1e-4, atol=1e-4):
            raise Failure("the logits without dropout", brief(got), causes.DROPOUT_LEFT_ON)

    ck.case = "model(x, dropout_rate=0.5, seed=[7, s]) for 100 seeds s, x (32, 28, 28)"
    runs = np.stack(
        [model(x, dropout_rate=0.5, seed=tf.constant([7, s])).numpy() for s in range(100)]
    )
    if np.allclose(runs[0], clean):
        raise Failure(
            "logits with half the hidden units dropped",
            "the logits without dropout",
            causes.DROPOUT_NEVER,
        )
    if np.array_equal(runs[0], runs[1]):
        raise Failure(
            "other units dropped for seeds [7, 0] and [7, 1]",
            "the same logits",
            causes.DROPOUT_SEED_IGNORED,
        )
    if np.mean(runs[0] == 0) > 0.2:
        raise Failure(
            "dropout on the hidden units", "zeros among the logits", causes.DROPOUT_ON_LOGITS
        )
    b2 = v["b2"].numpy()
    ratio = float(np.sum((runs.mean(axis=0) - b2) * (clean - b2)) / np.sum((clean - b2) ** 2))
    if not 0.9 < ratio < 1.1:
        raise Failure(
            "dropout that keeps the expected logits: their mean over 100 seeds = the logits",
            f"a mean of {ratio:.2f} times the logits",
            causes.DROPOUT_NO_SCALE if abs(ratio - 0.5) < 0.1 else None,
        )
    expect_model_drops(ck, DropoutMLP, [0.5, 0.2, other_rate])

    expect_contract(ck, model, "DropoutMLP(seed=0)")
    evaluate = ck.get("evaluate")
    y = np.where(np.arange(32) % 2 == 0, clean.argmax(axis=1), random_labels(32, 9))
    for n in (32, 32, 20):
        ck.case = f"evaluate(model, X, y), {n} images" + (" (twice)" if n == 32 else "")
        right = clean.argmax(axis=1)[:n] == y[:n]
        want = float(np.mean(right))
        got = float(to_array("evaluate(...)", ck.call(evaluate, model, x[:n], tf.constant(y[:n]))))
        if not np.isclose(got, want):
            sums = {float(right.sum()) / k for k in (32, 64, 100, 128)}
            cause = causes.DROPOUT_EVAL_MEAN if got in sums else causes.DROPOUT_LEFT_ON
            raise Failure(f"the accuracy without dropout, {want:.4f}", f"{got:.4f}", cause)
    return (
        f"rates 0.25, {other_rate}, 0.5 and 0.2 dropped as asked, the rest scaled by "
        "1/(1-rate), a mask per seed; none at evaluation."
    )
