"""Checks of katas 7, 8, 9 and 11: the ReLU network, L2, dropout, overfitting and its cure.

The reference values are computed here from the model's own variables with TensorFlow
ops, and the reference step with a GradientTape; biases are set away from 0 first, so
that a forgotten bias or a penalised one shows.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.common import (
    MAX_STEPS,
    accuracy_of,
    cross_entropy,
    expect_at_most,
    expect_contract,
    expect_seeded,
    expect_trains,
    expect_variables,
    random_images,
    random_labels,
    trainable,
)
from tfdojo.teaching.kata.checks.diagnoses import NO_SCALE, expect_dropout, expect_mask_follows
from tfdojo.teaching.kata.expect import brief, expect_close, to_array
from tfdojo.teaching.kata.sources import reference

MLP_SHAPES = [(784, 1024), (1024,), (1024, 10), (10,)]


def mlp_variables(model, built: str) -> dict[str, tf.Variable]:
    """``{"W1", "b1", "W2", "b2"}`` of a 784-1024-10 network, found by their shapes."""
    variables = trainable(model, built)
    expect_variables(built, variables, MLP_SHAPES)
    by_shape = {tuple(v.shape): v for v in variables}
    return dict(zip(("W1", "b1", "W2", "b2"), (by_shape[s] for s in MLP_SHAPES)))


def spread_biases(v: dict[str, tf.Variable]) -> None:
    """Biases (``b1``, ``b2``, ...) from -1 to 1 instead of zeros, so that a missing or
    penalised one shows."""
    for name in [n for n in v if n.startswith("b")]:
        v[name].assign(tf.linspace(-1.0, 1.0, v[name].shape[0]))


def hidden_of(v: dict[str, tf.Variable], x) -> tf.Tensor:
    """X W1 + b1 before the ReLU: (N, 1024)."""
    return tf.matmul(tf.reshape(x, [-1, 784]), v["W1"]) + v["b1"]


# ----------------------------------------------------------------------- 7 ReLU network


def check_relu_network(ck: Checker) -> str:
    MLP = ck.get("MLP")
    ck.case = "model = MLP(seed=0)"
    model = MLP(seed=0)
    v = mlp_variables(model, "MLP(seed=0)")
    ck.case = "MLP(seed=0) twice, then MLP(seed=1)"
    expect_seeded(MLP, "MLP")

    ck.case = "the initial logits of MLP(seed=0) for 64 images"
    x = random_images(64, 7)
    spread = float(np.std(to_array("the logits", model(x))))
    if spread > 10:
        raise Failure(
            "initial logits of about unit size",
            f"logits of standard deviation {spread:.0f}",
            "the initial weights are too large: draw them with He's stddev = "
            "sqrt(2 / fan_in), not 1",
        )

    ck.case = "model(x, dropout_rate=0.0, seed=None), x (64, 28, 28), biases set to [-1 .. 1]"
    spread_biases(v)
    hidden = hidden_of(v, x)
    want = tf.matmul(tf.nn.relu(hidden), v["W2"]) + v["b2"]
    expect_close(
        "the logits",
        model(x, dropout_rate=0.0, seed=None),
        want.numpy(),
        wrong=[
            (
                "no ReLU on the hidden layer: without it the two layers are one linear map",
                (tf.matmul(hidden, v["W2"]) + v["b2"]).numpy(),
            ),
            ("no ReLU on the logits: they are scores, negative too", tf.nn.relu(want).numpy()),
            ("return the logits: softmax belongs to the loss", tf.nn.softmax(want).numpy()),
        ],
    )

    expect_contract(ck, model, "MLP(seed=0)")
    steps, accuracy = expect_trains(ck, MLP)
    return (
        f"784 -> 1,024 -> 10 with a ReLU, 814,090 parameters; {steps} steps reached "
        f"{accuracy:.1%} test accuracy."
    )


# ------------------------------------------------------------------------------- 8 L2


def check_l2(ck: Checker) -> str:
    l2_penalty, loss_fn = ck.get("l2_penalty"), ck.get("loss_fn")
    model = reference("07_relu_network").MLP(seed=0)
    v = mlp_variables(model, "MLP(seed=0)")
    spread_biases(v)
    sq = {name: float(tf.reduce_sum(var**2)) for name, var in v.items()}
    want = (sq["W1"] + sq["W2"]) / 2
    on_biases = want + (sq["b1"] + sq["b2"]) / 2
    on_bias_cause = "L2 on the biases: penalise the weights only (rank >= 2), not b1 and b2"

    ck.case = "l2_penalty(model), model = kata 7's MLP(seed=0) with biases [-1 .. 1]"
    expect_close(
        "l2_penalty(model)",
        l2_penalty(model),
        want,
        wrong=[
            (on_bias_cause, on_biases),
            ("tf.nn.l2_loss(W) is sum(W ** 2) / 2: the / 2 is missing", 2 * want),
            (
                "the sum of the squares, not their mean",
                (sq["W1"] / (784 * 1024) + sq["W2"] / (1024 * 10)) / 2,
            ),
            ("the squared norm ||W||^2, not the norm ||W||", np.sqrt(sq["W1"]) + np.sqrt(sq["W2"])),
        ],
    )

    ck.case = "loss_fn(model, X, y, beta=0.01), 16 images"
    X, y, beta = random_images(16, 8), random_labels(16, 8), 0.01
    ce = float(cross_entropy(model(X), y))
    expect_close(
        "loss_fn(...)",
        loss_fn(model, X, tf.constant(y), beta),
        ce + beta * want,
        wrong=[
            ("add beta * l2_penalty(model) to the cross-entropy", ce),
            ("multiply the penalty by beta", ce + want),
            (on_bias_cause, ce + beta * on_biases),
        ],
    )

    ck.case = "the gradients of loss_fn(model, X, y, beta=0.01) by tf.GradientTape"
    with tf.GradientTape() as tape:
        loss = loss_fn(model, X, tf.constant(y), beta)
    got = tape.gradient(loss, list(v.values()))
    with tf.GradientTape() as tape:
        ref = cross_entropy(model(X), y) + beta * (tf.nn.l2_loss(v["W1"]) + tf.nn.l2_loss(v["W2"]))
    for name, g, w in zip(v, got, tape.gradient(ref, list(v.values()))):
        expect_close(f"dloss/d{name}", g, w.numpy())
    return "the penalty sums ||W||^2 / 2 over W1 and W2 only; the loss and its gradients match."


# --------------------------------------------------------------------------- 9 dropout


def check_dropout(ck: Checker) -> str:
    dropout = ck.get("dropout")
    h, rate = tf.ones([200, 500]), 0.25
    ck.case = "dropout(h, rate=0.25, seed=[1, 2]), h = ones (200, 500)"
    out = expect_dropout("dropout(h, ...)", dropout(h, rate, tf.constant([1, 2])), rate, (200, 500))
    ck.case = "dropout(h, 0.25, seed) twice with seed [1, 2], then with seed [3, 4]"
    again, other = (
        to_array("dropout(h, ...)", dropout(h, rate, tf.constant(seed)))
        for seed in ([1, 2], [3, 4])
    )
    expect_mask_follows(
        "seed",
        out,
        again,
        other,
        "draw the mask from the seed: tf.random.stateless_uniform(tf.shape(h), seed=seed)",
    )

    DropoutMLP = ck.get("DropoutMLP")
    model = DropoutMLP(seed=0)
    v = mlp_variables(model, "DropoutMLP(seed=0)")
    spread_biases(v)
    x = random_images(32, 9)
    clean = (tf.matmul(tf.nn.relu(hidden_of(v, x)), v["W2"]) + v["b2"]).numpy()
    left_on = (
        "dropout left on at evaluation: model(x) with dropout_rate=0.0 must drop nothing; "
        "drop only when dropout_rate > 0"
    )
    ck.case = "model(x) twice, x (32, 28, 28): evaluation, the default dropout_rate=0.0"
    for _ in range(2):
        got = to_array("model(x)", model(x))
        if got.shape != clean.shape or not np.allclose(got, clean, rtol=1e-4, atol=1e-4):
            raise Failure("the logits without dropout", brief(got), left_on)

    ck.case = "model(x, dropout_rate=0.5, seed=[7, s]) for 100 seeds s, x (32, 28, 28)"
    runs = np.stack(
        [model(x, dropout_rate=0.5, seed=tf.constant([7, s])).numpy() for s in range(100)]
    )
    if np.allclose(runs[0], clean):
        raise Failure(
            "logits with half the hidden units dropped",
            "the logits without dropout",
            "drop the hidden units when dropout_rate > 0",
        )
    if np.mean(runs[0] == 0) > 0.2:
        raise Failure(
            "dropout on the hidden units", "zeros among the logits", "drop hidden units only"
        )
    b2 = v["b2"].numpy()
    ratio = float(np.sum((runs.mean(axis=0) - b2) * (clean - b2)) / np.sum((clean - b2) ** 2))
    if not 0.9 < ratio < 1.1:
        raise Failure(
            "dropout that keeps the expected logits: their mean over 100 seeds = the logits",
            f"a mean of {ratio:.2f} times the logits",
            NO_SCALE if abs(ratio - 0.5) < 0.1 else "",
        )

    expect_contract(ck, model, "DropoutMLP(seed=0)")
    ck.case = "evaluate(model, X, y) twice, 32 images"
    y = np.where(np.arange(32) % 2 == 0, clean.argmax(axis=1), random_labels(32, 9))
    want = float(np.mean(clean.argmax(axis=1) == y))
    evaluate = ck.get("evaluate")
    for _ in range(2):
        got = float(to_array("evaluate(...)", evaluate(model, x, tf.constant(y))))
        if not np.isclose(got, want):
            raise Failure(f"the accuracy without dropout, {want:.4f}", f"{got:.4f}", left_on)
    return "a quarter of the units dropped, the rest scaled by 1/(1-rate); none at evaluation."


# ----------------------------------------------------------------------- 11 overfitting


def reference_step(model, X, y, lr, beta, dropout_rate, seed, penalise_biases=False):
    """Kata 11's step; ``penalise_biases=True`` makes the usual mistake."""
    v = mlp_variables(model, "DropoutMLP(seed=0)")
    penalised = [v["W1"], v["W2"]] + ([v["b1"], v["b2"]] if penalise_biases else [])
    with tf.GradientTape() as tape:
        loss = cross_entropy(model(X, dropout_rate=dropout_rate, seed=seed), y)
        loss += beta * tf.add_n([tf.nn.l2_loss(w) for w in penalised])
    grads = tape.gradient(loss, list(v.values()))
    for var, g in zip(v.values(), grads):
        var.assign_sub(lr * g)


def after_step(step, X, y, beta, rate, **kwargs) -> dict[str, np.ndarray]:
    """W1, b1, W2, b2 after ``step`` from DropoutMLP(seed=0) with biases [-1 .. 1], lr 0.1."""
    model = reference("09_dropout").DropoutMLP(seed=0)
    v = mlp_variables(model, "DropoutMLP(seed=0)")
    spread_biases(v)
    step(model, X, tf.constant(y), 0.1, beta, rate, tf.constant([0, 1]), **kwargs)
    return {name: var.numpy() for name, var in v.items()}


def check_overfitting(ck: Checker) -> str:
    step = ck.get("regularised_step")
    X, y = random_images(16, 11), random_labels(16, 11)
    for beta, rate in [(0.01, 0.0), (0.0, 0.5)]:
        ck.case = (
            f"regularised_step(model, X, y, lr=0.1, beta={beta}, dropout_rate={rate}, "
            "seed=[0, 1]), model = DropoutMLP(seed=0) with biases [-1 .. 1], 16 images"
        )
        got = after_step(step, X, y, beta, rate)
        want = after_step(reference_step, X, y, beta, rate)
        if rate:
            wrong = [
                (
                    "the step did not use dropout: model(X, dropout_rate=dropout_rate, "
                    "seed=seed) inside the tape",
                    after_step(reference_step, X, y, beta, 0.0),
                )
            ]
        else:
            wrong = [
                (
                    "L2 on the biases: the penalty takes the weights only",
                    after_step(reference_step, X, y, beta, rate, penalise_biases=True),
                ),
                (
                    "add beta * l2_penalty(model) to the loss",
                    after_step(reference_step, X, y, 0, 0),
                ),
            ]
        for name in ("W1", "b1", "W2", "b2"):
            expect_close(
                f"{name} after the step",
                got[name],
                want[name],
                wrong=[(cause, values[name]) for cause, values in wrong],
            )

    small, num_steps, lr = ck.get("SMALL"), ck.get("NUM_STEPS"), ck.get("LR")
    (beta, rate), train = ck.get("cure")(), ck.get("train")
    DropoutMLP = reference("09_dropout").DropoutMLP
    expect_at_most("SMALL", small, 100)
    expect_at_most("NUM_STEPS", num_steps, MAX_STEPS)
    data = ck.data()
    X_train, y_train, X_test, y_test = data.arrays()
    X_small, y_small = X_train[:small], y_train[:small]
    runs = []
    for b, r in [(0.0, 0.0), (beta, rate)]:
        ck.case = (
            f"train(DropoutMLP(seed=0), the first {small} training images, {num_steps} steps, "
            f"lr={lr}, beta={b}, dropout_rate={r}), scored on the {len(y_test)} test images"
        )
        model = DropoutMLP(seed=0)
        train(model, X_small, y_small, num_steps, lr, b, r)
        test_loss = float(cross_entropy(model(X_test), y_test))
        runs.append(
            (accuracy_of(model, X_small, y_small), accuracy_of(model, X_test, y_test), test_loss)
        )
        if b == r == 0 and runs[0][0] < 1.0:
            raise Failure(
                f"100% training accuracy: the network learns its {small} images by heart",
                f"{runs[0][0]:.0%}",
                "train longer or with a larger LR: overfitting a small batch is the first "
                "test of a training loop",
            )
    (train0, test0, loss0), (train1, test1, loss1) = runs
    if beta == rate == 0:
        raise Failure("cure() with beta or dropout_rate above 0", "both 0", "choose a cure")
    if loss1 > 0.97 * loss0:
        raise Failure(
            f"a test loss at least 3% below the overfit network's {loss0:.3f}",
            f"{loss1:.3f}",
            "a stronger cure: a larger beta or dropout rate",
        )
    if test1 < test0 - 0.01:
        raise Failure(
            f"a test accuracy no worse than the overfit network's {test0:.1%}",
            f"{test1:.1%} (training accuracy {train1:.0%})",
            "the cure is too strong: the network no longer fits even its training images",
        )
    return (
        f"on {small} images the network overfits (training {train0:.0%}, test {test0:.1%}, "
        f"test loss {loss0:.3f}); with beta={beta} and dropout {rate}: training {train1:.0%}, "
        f"test {test1:.1%}, test loss {loss1:.3f}."
    )
