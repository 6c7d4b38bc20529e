"""Checks of katas 5, 6 and 10: the minibatch loop, gradient descent vs SGD, decay.

Each runs the learner's loop on the kata set with a spy on ``train_step`` (which images,
which labels, which learning rate at each step), then scores the trained model on the
test images.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.common import (
    Call,
    expect_finite,
    expect_trained,
    spy,
    train_on_kata_set,
)
from tfdojo.teaching.kata.expect import expect_close
from tfdojo.teaching.kata.sources import reference


def expect_batches(calls: list[Call], num_steps: int, batch_size: int, X, y) -> None:
    """Fail unless the spied steps took ``num_steps`` different batches of matching labels."""
    if len(calls) != num_steps:
        raise Failure(f"{num_steps} calls of train_step", f"{len(calls)}", "one step per step")
    sizes = sorted({len(c.y) for c in calls})
    if sizes != [batch_size]:
        cause = (
            "every step used all the images: that is gradient descent (kata 6); "
            "take batch_size rows at a time"
            if sizes == [len(y)]
            else "each batch has batch_size rows: X[offset : offset + batch_size]"
        )
        raise Failure(f"batches of {batch_size} images", f"batches of {sizes[:5]}", cause)
    if num_steps > 1 and np.array_equal(calls[0].X, calls[1].X):
        raise Failure(
            "a new batch at each step",
            "the same images at steps 0 and 1",
            "move the offset with the step: offset = (step * batch_size) % (N - batch_size)",
        )
    label_of = {image.tobytes(): label for image, label in zip(np.asarray(X), y)}
    for step, c in enumerate(calls[:3]):
        true = np.array([label_of.get(image.tobytes(), -1) for image in c.X])
        if not np.array_equal(true, c.y):
            raise Failure(
                f"the labels of the batch's images at step {step}, {true[:6]}...",
                f"{c.y[:6]}...",
                "slice X and y with the same rows: y[offset : offset + batch_size]",
            )


# --------------------------------------------------------------------- 5 minibatch loop


def check_minibatch_loop(ck: Checker) -> str:
    accuracy = ck.get("accuracy")
    ck.case = "accuracy(logits, y): 10 images, 10 classes, 6 of them right"
    logits = np.random.default_rng(5).normal(size=(10, 10)).astype(np.float32)
    y = logits.argmax(axis=1).astype(np.int32)
    y[:4] = (y[:4] + 1) % 10  # 4 wrong, 6 right
    expect_close(
        "accuracy(logits, y)",
        accuracy(tf.constant(logits), tf.constant(y)),
        0.6,
        wrong=[
            (
                "argmax over axis=1 (the classes of each image), not axis 0",
                np.mean(logits.argmax(axis=0) == y),
            ),
            ("the fraction of images right, not their count: the mean", 6.0),
            ("the fraction right, not wrong", 0.4),
        ],
    )

    Logistic = reference("02_logistic").Logistic
    settings = ("NUM_STEPS", "BATCH_SIZE", "LR")
    model, losses, calls = train_on_kata_set(ck, Logistic, ck.get("train"), settings)
    num_steps, batch_size, lr = (ck.get(name) for name in settings)
    expect_batches(calls, num_steps, batch_size, *ck.data().arrays()[:2])
    accuracy = expect_trained(ck, model, losses, lr)
    return (
        f"{num_steps} steps of {batch_size} images took the loss from {losses[0]:.2f} to "
        f"{losses[-1]:.2f}: test accuracy {accuracy:.1%} ({ck.data().describe()})."
    )


# ------------------------------------------------------------------------ 6 GD vs SGD


def check_gd_vs_sgd(ck: Checker) -> str:
    Logistic = ck.get("Logistic")
    gradient_descent, sgd = ck.get("gradient_descent"), ck.get("sgd")
    data = ck.data()
    X_train, y_train, X_test, y_test = data.arrays()
    X, y = X_train[:256], y_train[:256]

    ck.case = "gradient_descent(Logistic(seed=0), X, y, num_steps=3, lr=0.5), 256 images"
    with spy(ck.learner) as calls:
        losses = gradient_descent(Logistic(seed=0), X, y, 3, 0.5)
    if [len(c.y) for c in calls] != [256] * 3:
        raise Failure(
            "3 steps on all 256 images",
            f"steps on {[len(c.y) for c in calls]} images",
            "gradient descent takes every step on all of X and y",
        )
    values = expect_finite(losses, 0.5)
    if not values[-1] < values[0]:
        raise Failure("a loss going down", f"losses {values}", "subtract the gradient, with lr")

    ck.case = "sgd(Logistic(seed=0), X, y, num_steps=5, batch_size=32, lr=0.5, seed=0)"
    runs = {}
    for seed in (0, 0, 1):
        with spy(ck.learner) as calls:
            sgd(Logistic(seed=0), X, y, 5, 32, 0.5, seed=seed)
        runs.setdefault(seed, []).append(calls)
    calls = runs[0][0]
    if [len(c.y) for c in calls] != [32] * 5:
        raise Failure(
            "5 steps on batches of 32",
            f"steps on {[len(c.y) for c in calls]} images",
            "each SGD step takes batch_size rows",
        )
    if len(np.unique(calls[0].X.reshape(32, -1), axis=0)) < 32:
        raise Failure("32 different images in a batch", "repeats", "rng.choice(..., replace=False)")
    if np.array_equal(calls[0].X, calls[1].X):
        raise Failure("a new random batch at each step", "the same batch", "draw rows each step")
    same = np.array_equal(runs[0][1][0].X, calls[0].X)
    if not same or np.array_equal(runs[1][0][0].X, calls[0].X):
        raise Failure(
            "the same batches for the same seed, others for another seed",
            "batches that " + ("change from run to run" if not same else "ignore the seed"),
            "draw the rows from rng = np.random.default_rng(seed)",
        )

    ck.case = f"experiment(X_train, y_train, X_test, y_test) on the {data.describe()}"
    (_, gd_steps, gd_seconds, gd_acc), (_, sgd_steps, sgd_seconds, sgd_acc) = ck.get("experiment")(
        X_train, y_train, X_test, y_test
    )
    if sgd_acc < gd_acc:
        raise Failure(
            "SGD at least as accurate as gradient descent for the same images processed",
            f"SGD {sgd_acc:.1%}, gradient descent {gd_acc:.1%}",
            "check that sgd takes a new batch each step, with the learning rate",
        )
    return (
        f"for the same {gd_steps * len(y_train):,} images processed, gradient descent took "
        f"{gd_steps} steps ({gd_seconds:.2f} s) to {gd_acc:.1%} test accuracy, and SGD "
        f"{sgd_steps} steps ({sgd_seconds:.2f} s) to {sgd_acc:.1%}: many cheap noisy "
        "steps beat a few exact ones."
    )


# ---------------------------------------------------------------------- 10 decay


def reference_rate(step: int, lr0: float, decay_rate: float, decay_steps: int) -> float:
    return lr0 * decay_rate ** (step / decay_steps)


def check_lr_decay(ck: Checker) -> str:
    import keras  # Keras: kata 14 only

    learning_rate = ck.get("learning_rate")
    steps = [0, 1, 50, 99, 100, 150, 250]
    smooth = [0.3 * 0.5 ** (s / 100) for s in steps]
    stairs = [0.3 * 0.5 ** (s // 100) for s in steps]
    for staircase in (False, True):
        ck.case = (
            f"learning_rate(step, lr0=0.3, decay_rate=0.5, decay_steps=100, "
            f"staircase={staircase}) at steps {steps}"
        )
        schedule = keras.optimizers.schedules.ExponentialDecay(0.3, 100, 0.5, staircase=staircase)
        expect_close(
            "the learning rates",
            [float(learning_rate(s, 0.3, 0.5, 100, staircase=staircase)) for s in steps],
            [float(schedule(s)) for s in steps],
            wrong=[
                (
                    "staircase=True rounds the exponent down: step // decay_steps"
                    if staircase
                    else "staircase=False decays smoothly: step / decay_steps, not //",
                    smooth if staircase else stairs,
                ),
                ("divide the step by decay_steps", [0.3 * 0.5**s for s in steps]),
                (
                    "the rate grows: multiply by decay_rate ** exponent, do not divide",
                    [0.3 / 0.5 ** (s / 100) for s in steps],
                ),
            ],
            rtol=1e-5,
        )

    MLP = reference("07_relu_network").MLP
    settings = ("NUM_STEPS", "BATCH_SIZE", "LR0", "DECAY_RATE", "DECAY_STEPS")
    model, losses, calls = train_on_kata_set(ck, MLP, ck.get("train"), settings)
    num_steps, batch_size, lr0, decay_rate, decay_steps = (ck.get(name) for name in settings)
    expect_batches(calls, num_steps, batch_size, *ck.data().arrays()[:2])
    want = [reference_rate(s, lr0, decay_rate, decay_steps) for s in range(num_steps)]
    expect_close(
        "the learning rate of each step",
        [c.lr for c in calls],
        want,
        wrong=[
            ("pass learning_rate(step, ...) to train_step, not lr0", [lr0] * num_steps),
            (
                "the schedule is smooth here: learning_rate(..., staircase=False)",
                [lr0 * decay_rate ** (s // decay_steps) for s in range(num_steps)],
            ),
        ],
    )
    accuracy = expect_trained(ck, model, losses, lr0)
    return (
        f"the rate decayed from {want[0]:.3g} to {want[-1]:.3g} over {num_steps} steps, as "
        f"Keras's ExponentialDecay does; test accuracy {accuracy:.1%}."
    )
