"""Checks of katas 1-4: tensors, the logistic classifier, softmax and cross-entropy, one step.

The oracles are TensorFlow's own ops (tf.reshape, tf.one_hot, tf.nn.softmax,
tf.nn.softmax_cross_entropy_with_logits), tfdojo's ``normalize`` and a reference
GradientTape; inputs are random with fixed seeds.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo.models.layers import normalize
from tfdojo.teaching.kata.causes.basics import ASSIGN
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.common import (
    cross_entropy,
    expect_contract,
    expect_seeded,
    expect_variables,
    random_images,
    random_labels,
    split_weights,
    trainable,
)
from tfdojo.teaching.kata.checks.diagnoses import cross_entropy_mistakes, softmax_mistakes
from tfdojo.teaching.kata.expect import expect_close, to_array
from tfdojo.teaching.kata.sources import reference

# ------------------------------------------------------------------------------ 1 tensors


def check_tensors(ck: Checker) -> str:
    images = np.random.default_rng(0).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    rows = images.reshape(3, 784)

    ck.case = "flatten(images), images uint8 (3, 28, 28)"
    expect_close(
        "flatten(images)",
        ck.get("flatten")(tf.constant(images)),
        rows,
        wrong=[
            ("keep one row per image: tf.reshape(images, [-1, 784])", images.reshape(-1)),
            ("rows are images: (N, 784), not (784, N)", rows.T),
            (
                "the pixels are out of order: reshape reads each image row by row; no transpose",
                images.transpose(0, 2, 1).reshape(3, 784),
            ),
        ],
    )

    ck.case = "scale(images), images uint8 (3, 28, 28)"
    x = to_array("scale(images)", ck.get("scale")(tf.constant(images)))
    if x.dtype != np.float32:
        raise Failure(
            "float32 values",
            f"dtype {x.dtype}",
            "tf.cast(images, tf.float32) before scaling: models compute in float32",
        )
    p = images.astype(np.float64)
    expect_close(
        "scale(images)",
        x,
        normalize(images).numpy(),
        wrong=[
            ("the range is [0, 1]: subtract 0.5 after dividing by 255", p / 255),
            ("the range is [-1, 1]: divide by 255, then subtract 0.5", p / 127.5 - 1),
            ("the range is [-1, 1]: divide by 255, then subtract 0.5", (p - 128) / 128),
            ("divide by 255 (the largest pixel), not 256", p / 256 - 0.5),
        ],
    )

    ck.case = "one_hot(y), y = [2, 0, 9, 4]"
    y = np.array([2, 0, 9, 4], np.int32)
    got = expect_close(
        "one_hot(y)",
        ck.get("one_hot")(tf.constant(y)),
        np.eye(10)[y],
        wrong=[
            (
                "integer labels where one-hot was expected: one_hot makes (N, 10) rows with "
                "a 1 at each label's column (tf.one_hot(labels, 10))",
                y,
            ),
            ("labels count from 0: label 2 is column 2", np.eye(10)[y - 1]),
        ],
    )
    if got.dtype != np.float32:
        raise Failure(
            "float32 one-hot rows",
            f"dtype {got.dtype}",
            "the loss multiplies them with float32 log-probabilities: keep tf.one_hot's float32",
        )
    return "images flatten to (N, 784) rows, pixels scale to [-0.5, 0.5], labels one-hot."


# ---------------------------------------------------------------------------- 2 logistic


def check_logistic(ck: Checker) -> str:
    Logistic = ck.get("Logistic")

    ck.case = "model = Logistic(seed=0)"
    model = Logistic(seed=0)
    variables = trainable(model, "Logistic(seed=0)")
    expect_variables("Logistic(seed=0)", variables, [(784, 10), (10,)])
    (W,), (b,) = split_weights(variables)

    ck.case = "Logistic(seed=0) twice, then Logistic(seed=1)"
    expect_seeded(Logistic, "Logistic")

    ck.case = "model(x, dropout_rate=0.0, seed=None), x float32 (5, 28, 28), b = [-1 .. 1]"
    b.assign(tf.linspace(-1.0, 1.0, 10))  # a bias that shows whether it is added
    x = random_images(5)
    X = x.numpy().reshape(5, 784)
    want = X @ W.numpy() + b.numpy()
    expect_close(
        "the logits",
        model(x, dropout_rate=0.0, seed=None),
        want,
        wrong=[
            (
                "return the logits: softmax belongs to the loss (kata 3), and applying it "
                "here means softmax twice",
                tf.nn.softmax(want).numpy(),
            ),
            ("add the bias: logits = X W + b", X @ W.numpy()),
        ],
    )
    expect_contract(ck, model, "Logistic(seed=0)")
    return "W (784, 10) and b (10,) are variables drawn from the seed; logits = X W + b."


# ----------------------------------------------------------------- 3 softmax, cross-entropy


def check_softmax_cross_entropy(ck: Checker) -> str:
    softmax, cross_entropy_fn = ck.get("softmax"), ck.get("cross_entropy")
    rng = np.random.default_rng(3)
    for label, z in [
        ("a batch of 2 rows", [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),
        ("4 images, 10 classes", rng.normal(0, 3, size=(4, 10))),
        ("large logits", [[1000.0, 1001.0, 1002.0]]),
        ("very negative logits", [[-1000.0, -1001.0, -1002.0]]),
    ]:
        z = np.asarray(z, np.float32)
        ck.case = f"softmax(logits), {label}: {z.tolist() if z.size <= 6 else 'random'}"
        expect_close(
            "softmax(logits)",
            softmax(tf.constant(z)),
            tf.nn.softmax(z).numpy(),
            wrong=softmax_mistakes(z),
        )

    for label, z, y in [
        ("the deck's logits [2.0, 1.0, 0.1], right class 0", [[2.0, 1.0, 0.1]], [0]),
        ("4 images, 10 classes", rng.normal(0, 3, size=(4, 10)), random_labels(4, 3)),
        ("logits far apart", [[0.0, 800.0], [5.0, -5.0]], [0, 0]),
    ]:
        z, y = np.asarray(z, np.float32), np.asarray(y)
        y_onehot = np.eye(z.shape[1], dtype=np.float32)[y]
        ck.case = f"cross_entropy(logits, y_onehot), {label}"
        want = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y_onehot, z)).numpy()
        got = to_array(
            "cross_entropy(...)", cross_entropy_fn(tf.constant(z), tf.constant(y_onehot))
        )
        expect_close(
            "cross_entropy(...)",
            got.reshape(()) if got.size == 1 else got,  # one number, of whatever shape
            want,
            wrong=cross_entropy_mistakes(z, y),
        )

    ck.case = "the gradient of cross_entropy(logits, y_onehot) by tf.GradientTape, 4 images"
    z = tf.Variable(rng.normal(0, 3, size=(4, 10)).astype(np.float32))
    y_onehot = tf.one_hot(random_labels(4, 4), 10)
    with tf.GradientTape() as tape:
        loss = cross_entropy_fn(z, y_onehot)
    want = (tf.nn.softmax(z) - y_onehot) / 4  # dD/dz = (S - L) / N
    expect_close("dloss/dlogits", tape.gradient(loss, z), want.numpy())
    return "softmax and the mean cross-entropy match TensorFlow's, stable at +-1000 and 800 apart."


# ------------------------------------------------------------------------ 4 training step


def check_training_step(ck: Checker) -> str:
    loss_fn, train_step = ck.get("loss_fn"), ck.get("train_step")
    Logistic = reference("02_logistic").Logistic
    X, y, lr = random_images(32, 4), random_labels(32, 4), 0.5

    ck.case = "loss_fn(model, X, y), model = Logistic(seed=0), X (32, 28, 28), y int (32,)"
    model = Logistic(seed=0)
    logits = model(X)
    want_loss = cross_entropy(logits, y).numpy()
    sum_instead = ("the mean over the batch, not the sum: tf.reduce_mean", want_loss * 32)
    expect_close(
        "loss_fn(...)",
        loss_fn(model, X, tf.constant(y)),
        want_loss,
        wrong=[
            sum_instead,
            (
                "softmax applied twice: softmax_cross_entropy_with_logits takes the logits",
                cross_entropy(tf.nn.softmax(logits), y).numpy(),
            ),
        ],
    )

    ck.case = f"train_step(model, X, y, lr={lr}), model = Logistic(seed=0), 32 images"
    with tf.GradientTape() as tape:
        loss = cross_entropy(model(X), y)
    gW, gb = tape.gradient(loss, [model.W, model.b])
    W0, b0 = model.W.numpy(), model.b.numpy()
    got_loss = train_step(model, X, tf.constant(y), lr)
    expect_close("the loss it returns", got_loss, want_loss, wrong=[sum_instead])
    for name, v, v0, g in (("W", model.W, W0, gW.numpy()), ("b", model.b, b0, gb.numpy())):
        expect_close(
            f"{name} after the step, {name} - lr * dloss/d{name}",
            v,
            v0 - lr * g,
            wrong=[
                (ASSIGN, lr * g),
                (f"{name} was replaced by -lr * gradient: assign_sub(lr * g)", -lr * g),
                ("the step went uphill: subtract the gradient (assign_sub)", v0 + lr * g),
                (f"{name} did not change: update each variable, v.assign_sub(lr * g)", v0),
                ("multiply the gradient by the learning rate: v.assign_sub(lr * g)", v0 - g),
                (
                    "the loss was a sum over the batch, not a mean: the step is 32 times too big",
                    v0 - lr * 32 * g,
                ),
            ],
        )
    return "the loss, the tape's gradients and W <- W - lr dL/dW match the reference step."
