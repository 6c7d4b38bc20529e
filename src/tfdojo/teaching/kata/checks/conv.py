"""Checks of katas 12-14: the conv layer, the course's convnet, the same convnet in Keras.

Oracles: tfdojo's shape calculator for the output-size and parameter formulas
(:mod:`~tfdojo.teaching.kata.checks.diagnoses`); ``tf.nn.conv2d`` on the learner's own
kernel; tfdojo's own convnet (:mod:`tfdojo.models`) given the learner's weights; and for
Keras (:mod:`~tfdojo.teaching.kata.checks.keras_twin`, re-exported here), kata 13's
reference trained by its hand-written loop on the same data, compared by McNemar's test.
Kernels are checked by their statistics at an input depth other than 1 (He's fan-in is
k * k * depth_in), layers at several depths, strides, paddings and batch sizes.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo import models
from tfdojo.models import ModelConfig
from tfdojo.teaching.kata.causes import conv as causes
from tfdojo.teaching.kata.causes import networks as net_causes
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks import reference_run
from tfdojo.teaching.kata.checks.common import (
    expect_contract,
    expect_seeded,
    expect_trains,
    expect_variables,
    trainable,
)
from tfdojo.teaching.kata.checks.diagnoses import expect_num_params, expect_output_sizes
from tfdojo.teaching.kata.checks.keras_twin import check_keras
from tfdojo.teaching.kata.checks.models_common import (
    CONVNET_SHAPES,
    convnet_forward,
    expect_he,
    expect_names,
    expect_own_seeds,
    expect_zeros,
    spread_biases,
    with_causes,
)
from tfdojo.teaching.kata.expect import expect_close, to_array

__all__ = ["check_conv_layer", "check_convnet", "check_keras"]

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


# --------------------------------------------------------------------------- 12 conv layer


def expect_kernel(ck: Checker, make_kernel) -> int:
    """Fail unless make_kernel gives a seeded tf.Variable (k, k, depth_in, depth_out) drawn
    with He's stddev sqrt(2 / (k * k * depth_in)), at a depth_in drawn from ``ck.rng``, which
    it returns."""
    ck.case = "W = make_kernel(3, 1, 8, seed=0)"
    W = ck.call(make_kernel, 3, 1, 8, seed=0)
    if not isinstance(W, tf.Variable):
        raise Failure("a tf.Variable", type(W).__name__, net_causes.NOT_A_VARIABLE)
    shape = tuple(W.shape)
    if shape != (3, 3, 1, 8):
        cause = causes.KERNEL_ORDER if sorted(shape) == [1, 3, 3, 8] else None
        raise Failure("W of shape (3, 3, 1, 8)", f"shape {shape}", cause)
    ck.case = "make_kernel(3, 1, 8, seed=0) twice, then with seed=1"
    if not np.array_equal(W.numpy(), make_kernel(3, 1, 8, seed=0).numpy()) or np.array_equal(
        W.numpy(), make_kernel(3, 1, 8, seed=1).numpy()
    ):
        raise Failure(
            "the same kernel for the same seed, another for another seed",
            "kernels that do not follow the seed",
            causes.KERNEL_NOT_SEEDED,
        )
    # 2..4: He's stddev 0.2, 0.16, 0.14, far from a fixed 0.1 (which depth 8 would give)
    depth_in = int(ck.rng.integers(2, 5))
    ck.case = f"W = make_kernel(5, {depth_in}, 32, seed=2): its statistics"
    W = to_array("make_kernel(...)", ck.call(make_kernel, 5, depth_in, 32, seed=2))
    if W.shape != (5, 5, depth_in, 32):
        cause = causes.KERNEL_ORDER if sorted(W.shape) == sorted((5, 5, depth_in, 32)) else None
        raise Failure(f"W of shape (5, 5, {depth_in}, 32)", f"shape {W.shape}", cause)
    fan_in = 5 * 5 * depth_in
    expect_he(
        f"make_kernel(5, {depth_in}, 32)",
        W,
        (2 / fan_in) ** 0.5,
        wrong=[
            (causes.KERNEL_NO_DEPTH_IN, (2 / 25) ** 0.5),
            (causes.KERNEL_FAN_OUT, (2 / (25 * 32)) ** 0.5),
        ],
        cause=causes.KERNEL_STDDEV,
        not_truncated=causes.KERNEL_NOT_TRUNCATED,
        off_centre=causes.KERNEL_STDDEV_AS_MEAN,
    )
    return depth_in


@with_causes
def check_conv_layer(ck: Checker) -> str:
    expect_output_sizes(ck, ck.get("output_size"))
    expect_num_params(ck, ck.get("num_params"))
    depth_in = expect_kernel(ck, ck.get("make_kernel"))

    conv_layer = ck.get("conv_layer")
    depth = int(ck.rng.integers(2, 6))
    cases = [(2, 28, 3, 1, 8, padding, stride) for padding, stride, _ in DECK_TABLE]
    cases += [(3, 11, 5, depth, 6, "SAME", 2), (5, 9, 3, depth, 4, "VALID", 3)]
    for i, (n, size, k, d_in, d_out, padding, stride) in enumerate(cases):
        ck.case = (
            f"conv_layer(x, W, b, stride={stride}, padding={padding!r}), x ({n}, {size}, "
            f"{size}, {d_in}), W ({k}, {k}, {d_in}, {d_out})"
            + (": the deck's table" if i < len(DECK_TABLE) else "")
        )
        x = tf.random.stateless_uniform(
            [n, size, size, d_in], seed=[12, i], minval=-0.5, maxval=0.5
        )
        W = tf.Variable(tf.random.stateless_normal([k, k, d_in, d_out], seed=[12, 10 + i]) * 0.3)
        b = tf.Variable(tf.linspace(-0.5, 0.5, d_out))
        other = "VALID" if padding == "SAME" else "SAME"
        conv = tf.nn.conv2d(x, W, strides=stride, padding=padding)
        expect_close(
            "the output",
            ck.call(conv_layer, x, W, b, stride, padding),
            tf.nn.relu(conv + b).numpy(),
            wrong=[
                (causes.CONV_NO_RELU, (conv + b).numpy()),
                (causes.CONV_NO_BIAS, tf.nn.relu(conv).numpy()),
                (causes.CONV_BIAS_AFTER, (tf.nn.relu(conv) + b).numpy()),
                (causes.CONV_STRIDE, tf.nn.relu(tf.nn.conv2d(x, W, 1, padding) + b).numpy()),
                (causes.CONV_PADDING, tf.nn.relu(tf.nn.conv2d(x, W, stride, other) + b).numpy()),
            ],
        )
    return (
        "SAME/1 gives 28 x 28 x 8, VALID/1 26 x 26 x 8, VALID/2 13 x 13 x 8, as the deck's "
        f"table says, and other depths and strides too; He's kernels at depth_in {depth_in}; "
        "80 parameters, as num_params(3, 1, 8) says."
    )


# ----------------------------------------------------------------------------- 13 convnet


def convnet_variables(model, built: str) -> dict[str, tf.Variable]:
    """``{"W1": ..., "b4": ...}`` of a kata 13 convnet, checked against tfdojo's shapes."""
    variables = trainable(model, built)
    valid = {(n * n * 16, 64) for n in (4, 5, 6)}  # the flatten after a VALID conv
    found = [tuple(v.shape) for v in variables if tuple(v.shape) in valid]
    if found:
        raise Failure(
            f"{built}'s W3 of shape (784, 64): 7 * 7 * 16 values per image",
            f"W3 of shape {found[0]}",
            causes.CONVNET_VALID,
        )
    expect_variables(built, variables, list(CONVNET_SHAPES.values()))
    missing = [
        name for name in CONVNET_NAMES if not isinstance(getattr(model, name, None), tf.Variable)
    ]
    if missing:
        raise Failure(
            "variables named W1, b1, ..., W4, b4", f"no {', '.join(missing)}", causes.CONVNET_NAMES
        )
    expect_names(built, variables, causes.CONVNET_NAMES)
    return {name: getattr(model, name) for name in CONVNET_NAMES}


def tfdojo_convnet(v: dict[str, tf.Variable]):
    """tfdojo's own convnet (:mod:`tfdojo.models`) holding the learner's weights: the oracle."""
    model = models.build(CONVNET)
    model.set_weights({CONVNET_NAMES[name]: np.asarray(var) for name, var in v.items()})
    return model


def convnet_mistakes(v: dict, x) -> list:
    """The usual wrong logits of kata 13's convnet on ``x`` (N = 49, so that every wrong
    flatten of a VALID padding or a missing pool still reshapes to 784, to other N)."""
    want = convnet_forward(v, x)
    n = len(x)
    shaped = [
        (
            causes.CONVNET_VALID,
            n * 24 * 24 // 4 // 4 * 16 // 784,
        ),  # conv1 VALID: 28 -> 24 -> 12 -> 6
        (causes.CONVNET_VALID, n * 5 * 5 * 16 // 784),  # conv2 VALID: 14 -> 10 -> 5
        (causes.CONVNET_VALID, n * 4 * 4 * 16 // 784),  # both VALID: 28 -> 24 -> 12 -> 8 -> 4
        (causes.CONVNET_NO_POOL, n * 14 * 14 * 16 // 784),
        (causes.CONVNET_NO_POOL, n * 28 * 28 * 16 // 784),
    ]
    return (
        [(causes.CONVNET_RELU_LOGITS, np.maximum(want, 0))]
        + [(causes.CONVNET_NO_B2, convnet_forward(v, x, (b,))) for b in ("b1", "b2", "b3", "b4")]
        + [
            (causes.CONVNET_NO_RELU, convnet_forward(v, x, (r,)))
            for r in ("relu1", "relu2", "relu3")
        ]
        + [
            (causes.CONVNET_POOL, convnet_forward(v, x, pools=p))
            for p in [(0, 2), (2, 0), (0, 0), (3, 2), (2, 3), (3, 3)]
        ]
        + [(cause, np.zeros((rows, 10))) for cause, rows in shaped]
    )


def expect_convnet_logits(ck: Checker, model, v: dict, x, built: str) -> str:
    """Fail unless ``model(x)`` gives kata 13's logits from ``v``, flattened channels last
    (tfdojo's and Keras' order) or channels first: returns the order found."""
    want = tfdojo_convnet(v)(x).numpy()
    try:
        got = to_array("the logits", ck.call(model, x, dropout_rate=0.0, seed=None))
    except tf.errors.InvalidArgumentError:
        try:
            model(x[:32], dropout_rate=0.0, seed=None)
        except tf.errors.InvalidArgumentError:
            raise  # not the batch: the known errors name it
        raise Failure(
            f"{built} to take any number of images",
            "an error for 49 images, none for 32",
            causes.CONVNET_FIXED_BATCH,
        ) from None
    if got.shape == want.shape and np.allclose(
        got, convnet_forward(v, x, flatten="chw"), atol=1e-4, rtol=1e-4
    ):
        return "channels first"
    expect_close("the logits", got, want, wrong=convnet_mistakes(v, x), atol=1e-4)
    return "channels last"


@with_causes
def check_convnet(ck: Checker) -> str:
    ConvNet = ck.get("ConvNet")
    ck.case = "model = ConvNet(seed=0)"
    model = ck.call(ConvNet, seed=0)
    v = convnet_variables(model, "ConvNet(seed=0)")
    ck.case = "ConvNet(seed=4): its initial variables"
    init = convnet_variables(ck.call(ConvNet, seed=4), "ConvNet(seed=4)")
    for name, shape in CONVNET_SHAPES.items():
        if len(shape) == 1:
            expect_zeros(f"{name} of ConvNet(seed=4)", init[name].numpy(), causes.CONVNET_BIASES)
        else:
            fan_in = int(np.prod(shape[:-1]))
            expect_he(
                f"{name} {shape} of ConvNet(seed=4)",
                init[name].numpy(),
                (2 / fan_in) ** 0.5,
                wrong=[],
                cause=causes.CONVNET_INIT,
                not_truncated=causes.CONVNET_INIT,
            )
    weights = {n: init[n].numpy() for n, shape in CONVNET_SHAPES.items() if len(shape) > 1}
    expect_own_seeds("ConvNet(seed=4)", weights, causes.CONVNET_SAME_SEED)
    ck.case = "ConvNet(seed=0) twice, then ConvNet(seed=1)"
    expect_seeded(ConvNet, "ConvNet")

    ck.case = "model(x, dropout_rate=0.0, seed=None), x (49, 28, 28), biases set to [-1 .. 1]"
    spread_biases(v)
    x = tf.random.stateless_uniform([49, 28, 28], seed=[13, 1], minval=-0.5, maxval=0.5)
    order = expect_convnet_logits(ck, model, v, x, "ConvNet(seed=0)")

    expect_contract(ck, model, "ConvNet(seed=0)")
    steps, accuracy = expect_trains(ck, ConvNet, reference_run.CONVNET)
    return (
        f"28 -> 14 -> 7 through two conv + max-pool blocks, 57,722 parameters, He's initial "
        f"weights, the same logits as tfdojo's convnet (flattened {order}); {steps} steps "
        f"reached {accuracy:.1%} test accuracy."
    )
