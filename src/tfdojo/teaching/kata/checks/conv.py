"""Checks of katas 12-14: the conv layer, the course's convnet, the same convnet in Keras.

Oracles: tfdojo's shape calculator for the output-size and parameter formulas
(:mod:`~tfdojo.teaching.kata.checks.diagnoses`); ``tf.nn.conv2d`` on the learner's own
kernel; tfdojo's own convnet (:mod:`tfdojo.models`) given the learner's weights; and for
Keras, kata 13's reference trained by its hand-written loop on the same data, compared by
McNemar's test (:func:`tfdojo.results.compare.compare_predictions`).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from tfdojo import models
from tfdojo.models import ModelConfig
from tfdojo.models.shapes import layers
from tfdojo.results.compare import compare_predictions
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.common import (
    MAX_STEPS,
    NOT_A_VARIABLE,
    THRESHOLD,
    accuracy_of,
    expect_at_most,
    expect_contract,
    expect_finite,
    expect_seeded,
    expect_trains,
    expect_variables,
    trainable,
)
from tfdojo.teaching.kata.checks.diagnoses import expect_num_params, expect_output_sizes
from tfdojo.teaching.kata.checks.networks import spread_biases
from tfdojo.teaching.kata.expect import expect_close, to_array
from tfdojo.teaching.kata.sources import reference

DECK_TABLE = [("SAME", 1, 28), ("VALID", 1, 26), ("VALID", 2, 13)]
"""The deck's table: 28 x 28 input, 3 x 3 patch, depth 8: (padding, stride, output size)."""

CONVNET = ModelConfig(
    name="convnet",
    conv_depths=(16, 16),
    conv_patches=(5,),
    conv_strides=(1,),
    conv_padding=("SAME",),
    pools=(2,),
    hidden=(64,),
)
"""The course's convnet with max-pooling (assignment 4), as tfdojo's models describe it."""

CONVNET_NAMES = {
    "W1": "conv1.w",
    "b1": "conv1.b",
    "W2": "conv2.w",
    "b2": "conv2.b",
    "W3": "dense1.w",
    "b3": "dense1.b",
    "W4": "logits.w",
    "b4": "logits.b",
}
"""The kata's variable names and the names of the same weights in tfdojo's model."""

KERNEL_ORDER = (
    "TensorFlow's kernels are (k, k, depth_in, depth_out): height, width, in, out channels"
)


# --------------------------------------------------------------------------- 12 conv layer


def check_conv_layer(ck: Checker) -> str:
    expect_output_sizes(ck, ck.get("output_size"))
    expect_num_params(ck, ck.get("num_params"))

    make_kernel, conv_layer = ck.get("make_kernel"), ck.get("conv_layer")
    ck.case = "W = make_kernel(3, 1, 8, seed=0)"
    W = make_kernel(3, 1, 8, seed=0)
    if not isinstance(W, tf.Variable):
        raise Failure("a tf.Variable", type(W).__name__, NOT_A_VARIABLE)
    shape = tuple(W.shape)
    if shape != (3, 3, 1, 8):
        cause = KERNEL_ORDER if sorted(shape) == [1, 3, 3, 8] else ""
        raise Failure("W of shape (3, 3, 1, 8)", f"shape {shape}", cause)
    ck.case = "make_kernel(3, 1, 8, seed=0) twice, then with seed=1"
    if not np.array_equal(W.numpy(), make_kernel(3, 1, 8, seed=0).numpy()) or np.array_equal(
        W.numpy(), make_kernel(3, 1, 8, seed=1).numpy()
    ):
        raise Failure(
            "the same kernel for the same seed, another for another seed",
            "kernels that do not follow the seed",
            "draw it with tf.random.stateless_truncated_normal(shape, seed=[seed, 0], ...)",
        )

    x = tf.random.stateless_uniform([2, 28, 28, 1], seed=[12, 1], minval=-0.5, maxval=0.5)
    b = tf.Variable(tf.linspace(-0.5, 0.5, 8))
    for padding, stride, _ in DECK_TABLE:
        ck.case = (
            f"conv_layer(x, W, b, stride={stride}, padding={padding!r}), "
            "x (2, 28, 28, 1), W (3, 3, 1, 8): the deck's table"
        )
        other = "VALID" if padding == "SAME" else "SAME"
        conv = tf.nn.conv2d(x, W, strides=stride, padding=padding)
        expect_close(
            "the output",
            conv_layer(x, W, b, stride, padding),
            tf.nn.relu(conv + b).numpy(),
            wrong=[
                ("relu(conv2d(x, W) + b): the ReLU is missing", (conv + b).numpy()),
                ("add the bias b before the ReLU", tf.nn.relu(conv).numpy()),
                ("pass the stride: strides=stride", tf.nn.conv2d(x, W, 1, padding).numpy()),
                ("pass the padding: padding=padding", tf.nn.conv2d(x, W, stride, other).numpy()),
            ],
        )
    params = W.shape.num_elements() + b.shape[0]
    return (
        f"SAME/1 gives 28 x 28 x 8, VALID/1 26 x 26 x 8, VALID/2 13 x 13 x 8, as the deck's "
        f"table says; {params} parameters, as num_params(3, 1, 8) says."
    )


# ----------------------------------------------------------------------------- 13 convnet


def convnet_variables(model, built: str) -> dict[str, tf.Variable]:
    """``{"W1": ..., "b4": ...}`` of a kata 13 convnet, checked against tfdojo's shapes."""

    shapes = [shape for layer in layers(CONVNET) for shape in layer.weights.values()]
    expect_variables(built, trainable(model, built), shapes)
    missing = [
        name for name in CONVNET_NAMES if not isinstance(getattr(model, name, None), tf.Variable)
    ]
    if missing:
        raise Failure(
            "variables named W1, b1, ..., W4, b4",
            f"no {', '.join(missing)}",
            "name them as the exercise does: the check finds them by name",
        )
    return {name: getattr(model, name) for name in CONVNET_NAMES}


def tfdojo_convnet(v: dict[str, tf.Variable]):
    """tfdojo's own convnet (:mod:`tfdojo.models`) holding the learner's weights: the oracle."""

    model = models.build(CONVNET)
    model.set_weights({CONVNET_NAMES[name]: var.numpy() for name, var in v.items()})
    return model


def check_convnet(ck: Checker) -> str:
    ConvNet = ck.get("ConvNet")
    ck.case = "model = ConvNet(seed=0)"
    model = ConvNet(seed=0)
    v = convnet_variables(model, "ConvNet(seed=0)")
    ck.case = "ConvNet(seed=0) twice, then ConvNet(seed=1)"
    expect_seeded(ConvNet, "ConvNet")

    ck.case = "model(x, dropout_rate=0.0, seed=None), x (8, 28, 28), biases set to [-1 .. 1]"
    spread_biases(v)
    x = tf.random.stateless_uniform([8, 28, 28], seed=[13, 1], minval=-0.5, maxval=0.5)
    want = tfdojo_convnet(v)(x).numpy()
    expect_close(
        "the logits",
        model(x, dropout_rate=0.0, seed=None),
        want,
        wrong=[
            ("no ReLU on the logits: they are scores", np.maximum(want, 0)),
            (
                "a max-pool is missing: 28 -> 14 -> 7 takes two, else the flatten to 784 "
                "cuts each image into 4 rows",
                np.zeros((4 * 8, 10)),
            ),
        ],
    )

    expect_contract(ck, model, "ConvNet(seed=0)")
    steps, accuracy = expect_trains(ck, ConvNet)
    return (
        f"28 -> 14 -> 7 through two conv + max-pool blocks, 57,722 parameters, the same logits "
        f"as tfdojo's convnet; {steps} steps reached {accuracy:.1%} test accuracy."
    )


# ------------------------------------------------------------------------------- 14 Keras


def check_keras(ck: Checker) -> str:
    build_model, fit = ck.get("build_model"), ck.get("fit")
    ck.case = "model = build_model(seed=0)"
    model = build_model(seed=0)
    count = model.count_params()
    out_shape = tuple(model.output_shape)
    if count != 57_722 or out_shape != (None, 10):
        layers = ", ".join(
            f"{layer.name} {tuple(layer.output.shape[1:])}" for layer in model.layers
        )
        raise Failure(
            "kata 13's convnet: 57,722 parameters, an output (None, 10)",
            f"{count:,} parameters, output {out_shape}; layers: {layers}",
            "padding='same' in both Conv2D, a MaxPooling2D(2) after each, then Flatten, "
            "Dense(64, activation='relu'), Dense(10)",
        )
    x = tf.random.stateless_uniform([4, 28, 28], seed=[14, 1], minval=-0.5, maxval=0.5)
    logits = to_array("model(x)", model(x))
    if np.allclose(logits.sum(axis=1), 1.0, atol=1e-4) and np.all(logits >= 0):
        raise Failure(
            "logits from the last layer",
            "rows that sum to 1",
            "a softmax on the last layer: the loss with from_logits=True applies it, so it "
            "would be applied twice; leave Dense(10) without activation",
        )

    epochs, batch_size, lr = ck.get("EPOCHS"), ck.get("BATCH_SIZE"), ck.get("LR")
    data = ck.data()
    X_train, y_train, X_test, y_test = data.arrays()
    steps = epochs * math.ceil(len(y_train) / batch_size)
    expect_at_most("the steps of EPOCHS epochs", steps, MAX_STEPS)
    ck.case = (
        f"fit(model, X, y, epochs={epochs}, batch_size={batch_size}, lr={lr}) "
        f"on the {data.describe()}"
    )
    losses = expect_finite(fit(model, X_train, y_train, epochs, batch_size, lr), lr)
    keras_acc = accuracy_of(model, X_test, y_test)
    if keras_acc < THRESHOLD:
        raise Failure(
            f"a test accuracy >= {THRESHOLD:.0%}", f"{keras_acc:.1%} (losses {losses})", ""
        )

    ck.case = f"kata 13's ConvNet trained by its hand-written loop, {steps} steps of {batch_size}"
    hand = reference("13_convnet").ConvNet(seed=0)
    reference("05_minibatch_loop").train(hand, X_train, y_train, steps, batch_size, lr)

    c = compare_predictions(
        y_test,
        to_array("hand-written logits", hand(X_test)),
        to_array("Keras logits", model(X_test)),
        names=("the hand-written loop", "Keras fit"),
    )
    verdict = "differ significantly" if c.significant else "do not differ significantly"
    return (
        f"Keras fit reached {c.b_accuracy:.1%} and kata 13's hand-written loop "
        f"{c.a_accuracy:.1%} on the same {c.n} test images; they disagree on "
        f"{c.a_only + c.b_only} ({c.a_only} right only by the loop, {c.b_only} only by Keras): "
        f"McNemar p = {c.p_value:.2f}, they {verdict} (tfdojo compare does the same)."
    )
