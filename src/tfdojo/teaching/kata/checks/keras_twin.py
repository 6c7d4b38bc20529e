"""Check of kata 14: kata 13's convnet in Keras, trained by ``fit``, compared by McNemar.

The recipe is checked, not only the result: the layers by their behaviour (the learner's
weights, biases set away from 0, run through kata 13's forward pass: a ReLU missing or a
softmax on the logits shows, however the layers are written), the optimizer, learning
rate, loss, epochs and batch size by a short ``fit`` at other values than the kata's,
and the result by McNemar's test against kata 13's hand-written loop on the same steps:
Keras must not be significantly worse. Re-exported by
:mod:`~tfdojo.teaching.kata.checks.conv`, whose name the kata's record gives.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from tfdojo.results.compare import compare_predictions
from tfdojo.teaching.kata.causes import conv as causes
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.common import (
    MAX_STEPS,
    THRESHOLD,
    accuracy_of,
    expect_at_most,
    expect_finite,
)
from tfdojo.teaching.kata.checks.models_common import CONVNET_SHAPES, convnet_forward, with_causes
from tfdojo.teaching.kata.checks.reference_run import timed_training
from tfdojo.teaching.kata.expect import brief, expect_close, to_array
from tfdojo.teaching.kata.figures import verdict as in_words
from tfdojo.teaching.kata.sources import reference

PROBE = (48, 3, 16, 0.05)
"""The short fit that checks the recipe: images, epochs, batch size, learning rate."""


def describe(layer) -> str:
    """A layer's name and output shape (its name only when it has no symbolic output)."""
    try:
        return f"{layer.name} {tuple(layer.output.shape[1:])}"
    except (AttributeError, ValueError):  # a Sequential built by a call, not from keras.Input
        return layer.name


def keras_variables(model, x) -> dict[str, np.ndarray]:
    """The model's eight weight arrays as kata 13's ``{"W1": ..., "b4": ...}``, once a call
    on ``x`` has built it; a Failure naming the layers when they are not kata 13's."""
    out = tuple(to_array("model(x)", model(x)).shape)
    weights = model.get_weights()
    shapes = [tuple(w.shape) for w in weights]
    if shapes != list(CONVNET_SHAPES.values()) or out != (len(x), 10):
        count = sum(int(np.prod(s)) for s in shapes)
        layers = ", ".join(describe(layer) for layer in model.layers)
        raise Failure(
            f"kata 13's convnet: 57,722 parameters, logits ({len(x)}, 10)",
            f"{count:,} parameters, output {out}; layers: {layers}",
            causes.KERAS_LAYERS,
        )
    return dict(zip(CONVNET_SHAPES, weights))


def expect_layers(ck: Checker, model) -> None:
    """Fail unless the model computes kata 13's logits from its own weights."""
    ck.case = "model(x), x (49, 28, 28), its biases set to [-1 .. 1]: kata 13's forward pass?"
    x = tf.random.stateless_uniform([49, 28, 28], seed=[14, 1], minval=-0.5, maxval=0.5)
    v = keras_variables(model, x)
    for name in ("b1", "b2", "b3", "b4"):
        v[name] = np.linspace(-1, 1, len(v[name])).astype(np.float32)
    model.set_weights(list(v.values()))
    want = convnet_forward(v, x)
    expect_close(
        "the logits",
        ck.call(model, x),
        want,
        wrong=[
            (causes.KERAS_SOFTMAX, tf.nn.softmax(want).numpy()),
            (causes.KERAS_RELU_LOGITS, np.maximum(want, 0)),
        ]
        + [(causes.KERAS_RELU, convnet_forward(v, x, (r,))) for r in ("relu1", "relu2", "relu3")],
        atol=1e-4,
    )


def expect_recipe(ck: Checker, build_model, fit, X, y) -> None:
    """Fail unless ``fit`` trains with SGD at the lr given, the cross-entropy of logits,
    the epochs and batch size given, and returns each epoch's loss."""
    n, epochs, batch_size, lr = PROBE
    ck.case = (
        f"fit(build_model(seed=1), X, y, epochs={epochs}, batch_size={batch_size}, lr={lr}), "
        f"{n} images"
    )
    model = ck.call(build_model, seed=1)
    losses = ck.call(fit, model, X[:n], y[:n], epochs, batch_size, lr)
    if not isinstance(losses, list | tuple):
        raise Failure(
            f"a list of {epochs} losses, one per epoch", repr(losses)[:60], causes.KERAS_RETURN
        )
    optimizer = model.optimizer
    if type(optimizer).__name__ != "SGD" or float(getattr(optimizer, "momentum", 0.0)) != 0.0:
        momentum = getattr(optimizer, "momentum", 0.0)
        raise Failure(
            "keras.optimizers.SGD(learning_rate=lr), no momentum",
            f"{type(optimizer).__name__} (momentum {momentum})",
            causes.KERAS_OPTIMIZER,
        )
    if not math.isclose(float(optimizer.learning_rate), lr, rel_tol=1e-5):
        got = f"{float(optimizer.learning_rate):.4g}"
        raise Failure(f"SGD's learning rate {lr}", got, causes.KERAS_LR)
    batches = math.ceil(n / batch_size)
    if int(optimizer.iterations) != epochs * batches or len(losses) != epochs:
        raise Failure(
            f"{epochs * batches} steps and {epochs} losses: {epochs} epochs of {batches} "
            f"batches of {batch_size}",
            f"{int(optimizer.iterations)} steps, {len(losses)} losses",
            causes.KERAS_EPOCHS,
        )
    expect_finite(losses, lr)
    if float(losses[0]) < 1.5:
        raise Failure(
            "the losses of the epochs, the first about ln 10 = 2.3",
            f"{brief(np.asarray(losses, dtype=float))}",
            causes.KERAS_RETURN,
        )
    ck.case += ": its loss on 8 of the images"
    loss = keras.losses.get(model.loss) if isinstance(model.loss, str) else model.loss
    logits = model(X[:8])
    want = float(tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y[:8], logits)))
    got = float(np.mean(to_array("the loss", loss(tf.constant(y[:8]), logits))))
    if not math.isclose(got, want, rel_tol=1e-3):
        raise Failure(f"the loss of logits {want:.4f}", f"{got:.4f}", causes.KERAS_LOSS)


def expect_not_worse(c) -> None:
    """Fail when McNemar's test finds Keras significantly worse than the hand-written loop."""
    if c.significant and c.b_accuracy < c.a_accuracy:
        raise Failure(
            f"Keras fit no worse than kata 13's hand-written loop, {c.a_accuracy:.1%}",
            f"{c.b_accuracy:.1%}: {c.a_only} right only by the loop, {c.b_only} only by Keras, "
            f"McNemar p = {c.p_value:.3f}",
            causes.KERAS_WORSE,
        )


@with_causes
def check_keras(ck: Checker) -> str:
    build_model, fit = ck.get("build_model"), ck.get("fit")
    ck.case = "model = build_model(seed=0)"
    expect_layers(ck, ck.call(build_model, seed=0))
    data = ck.data()
    X_train, y_train, X_test, y_test = data.arrays()
    expect_recipe(ck, build_model, fit, X_train, y_train)

    epochs, batch_size, lr = ck.get("EPOCHS"), ck.get("BATCH_SIZE"), ck.get("LR")
    steps = epochs * math.ceil(len(y_train) / batch_size)
    expect_at_most("the steps of EPOCHS epochs", steps, MAX_STEPS)
    ck.case = (
        f"fit(model, X, y, epochs={epochs}, batch_size={batch_size}, lr={lr}) "
        f"on the {data.describe()}"
    )
    model = build_model(seed=0)
    trained = timed_training(
        ck, model, steps, ck.call, fit, model, X_train, y_train, epochs, batch_size, lr
    )
    losses = expect_finite(trained, lr)
    keras_acc = accuracy_of(model, X_test, y_test)
    ck.figures["test_accuracy"] = keras_acc
    if keras_acc < THRESHOLD:
        raise Failure(
            f"a test accuracy >= {THRESHOLD:.0%}",
            f"{keras_acc:.1%} (losses {losses})",
            causes.KERAS_LOW,
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
    ck.case = f"Keras fit and kata 13's hand-written loop on the same {c.n} test images, McNemar"
    p = float(c.p_value)
    ck.figures["reference"] = {
        "test_accuracy": float(c.a_accuracy),
        "mcnemar_p": p,
        "only_yours": int(c.b_only),
        "only_reference": int(c.a_only),
        "verdict": in_words(c.b_accuracy, c.a_accuracy, c.n, c.b_only, c.a_only, p),
    }
    expect_not_worse(c)
    verdict = "differ significantly" if c.significant else "do not differ significantly"
    return (
        f"SGD, the cross-entropy of logits and kata 13's layers, as asked; Keras fit reached "
        f"{c.b_accuracy:.1%} and kata 13's hand-written loop {c.a_accuracy:.1%} on the same "
        f"{c.n} test images; they disagree on {c.a_only + c.b_only} ({c.a_only} right only by "
        f"the loop, {c.b_only} only by Keras): McNemar p = {c.p_value:.2f}, they {verdict} "
        "(tfdojo compare does the same)."
    )
