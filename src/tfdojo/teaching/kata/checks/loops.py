"""Checks of katas 5, 6 and 10: the minibatch loop, gradient descent vs SGD, decay.

Each runs the learner's loop on the kata set with a spy on ``train_step`` (which images,
which labels, which learning rate at each step), then scores the trained model on the
test images. Kata 10's check lives in :mod:`.decay` and is re-exported here.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo.teaching.kata.causes import loops as lc
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.batches import (
    LoopCauses,
    Step,
    expect_labels,
    expect_losses,
    expect_settings,
    numbered_images,
    period,
    spy_steps,
)
from tfdojo.teaching.kata.checks.common import random_labels, train_to_threshold
from tfdojo.teaching.kata.checks.decay import check_lr_decay
from tfdojo.teaching.kata.checks.reference_run import LOGISTIC, compare_with_reference, parameters
from tfdojo.teaching.kata.expect import expect_close, expect_runs, to_array
from tfdojo.teaching.kata.sources import reference

__all__ = ["check_gd_vs_sgd", "check_lr_decay", "check_minibatch_loop"]


# --------------------------------------------------------------------- 5 minibatch loop

MINIBATCH = LoopCauses(
    lc.STEPS_COUNT,
    lc.LR_IGNORED,
    lc.BATCH_SIZE_IGNORED,
    lc.LABELS_MISMATCH,
    lc.NO_LOSSES,
    lc.NOT_THE_STEP_LOSSES,
)
INT_MISMATCH = r"expected to be a int(32|64) tensor but is a int(32|64) tensor"


def expect_accuracy_fn(ck: Checker, accuracy) -> None:
    """accuracy(logits, y) on 10 images (square: argmax over the wrong axis shows), 7 and
    13, with y an int32 tensor and an int32 array."""
    rng = np.random.default_rng(5)
    for n, wrong_n, as_tensor in ((10, 4, True), (7, 3, False), (13, 5, True)):
        logits = rng.normal(size=(n, 10)).astype(np.float32)
        y = logits.argmax(axis=1).astype(np.int32)
        y[:wrong_n] = (y[:wrong_n] + 1) % 10
        right = (n - wrong_n) / n
        kind = "an int32 tensor" if as_tensor else "an int32 NumPy array"
        ck.case = f"accuracy(logits, y): {n} images, 10 classes, {n - wrong_n} right, y {kind}"
        got = expect_runs(
            ck.call,
            "a fraction in [0, 1]",
            accuracy,
            tf.constant(logits),
            tf.constant(y) if as_tensor else y,
            known=[(INT_MISMATCH, lc.ARGMAX_INT64)],
        )
        got = to_array("accuracy(logits, y)", got)
        expect_close(
            "accuracy(logits, y)",
            got.reshape(()) if got.size == 1 else got,
            right,
            wrong=[
                (lc.ARGMAX_AXIS_0, np.mean(logits.argmax(axis=0) == y) if n == 10 else -1),
                (lc.COUNT_NOT_FRACTION, float(n - wrong_n)),
                (lc.FRACTION_WRONG, 1 - right),
                *[(lc.FIXED_COUNT, (n - wrong_n) / k) for k in (10, 32, 128, 100, 600)],
            ],
        )


def check_minibatch_loop(ck: Checker) -> str:
    expect_accuracy_fn(ck, ck.get("accuracy"))

    train = ck.get("train")
    n, num_steps, batch_size, lr = 100, 6, 24, 0.2
    X, y = numbered_images(n), random_labels(n, 6)
    ck.case = (
        f"train(Logistic(seed=0), X, y, num_steps={num_steps}, batch_size={batch_size}, "
        f"lr={lr}), {n} images"
    )
    Logistic = reference("02_logistic").Logistic
    with spy_steps(ck.learner, n) as steps:
        losses = ck.call(train, Logistic(seed=0), X, y, num_steps, batch_size, lr)
    expect_settings(steps, num_steps, lr, MINIBATCH)
    sizes = sorted({len(s.rows) for s in steps})
    if sizes != [batch_size]:
        cause = lc.BATCH_SIZE_IGNORED
        if sizes == [n]:
            cause = lc.WHOLE_SET
        elif max(sizes) == batch_size:
            cause = lc.SHORT_BATCH
        raise Failure(f"batches of {batch_size} images", f"batches of {sizes[:5]}", cause)
    expect_labels(steps, y, MINIBATCH)
    if period([s.rows for s in steps]) == 1:
        raise Failure("a new batch at each step", "the same rows at every step", lc.SAME_BATCH)
    expect_losses(losses, steps, MINIBATCH)

    settings = ("NUM_STEPS", "BATCH_SIZE", "LR")
    num_steps, batch_size, lr = (ck.get(name) for name in settings)
    ck.case = f"the constants NUM_STEPS = {num_steps}, BATCH_SIZE = {batch_size}, LR = {lr}"
    causes = (lc.TOO_MANY_STEPS, lc.LR_TOO_HIGH, lc.NOT_TRAINED)
    model, losses, accuracy = train_to_threshold(ck, Logistic, train, settings, causes)
    compare_with_reference(ck, model, LOGISTIC, len(losses))
    return (
        f"{num_steps} steps of {batch_size} images took the loss from {losses[0]:.2f} to "
        f"{losses[-1]:.2f}: test accuracy {accuracy:.1%} ({ck.data().describe()}); the loop "
        "follows num_steps, batch_size and lr, and the accuracy any number of images."
    )


# ------------------------------------------------------------------------ 6 GD vs SGD

GD_SGD = LoopCauses(
    lc.STEPS,
    lc.LR,
    lc.BATCH_SIZE,
    lc.LABELS_MISMATCH_6,
    lc.NO_LOSSES_6,
    lc.NOT_THE_STEP_LOSSES_6,
)
TOO_LARGE_SAMPLE = r"larger sample than population"


def expect_gradient_descent(ck: Checker, Logistic, gradient_descent) -> None:
    n, num_steps, lr = 200, 3, 0.3
    X, y = numbered_images(n), random_labels(n, 7)
    ck.case = (
        f"gradient_descent(Logistic(seed=0), X, y, num_steps={num_steps}, lr={lr}), {n} images"
    )
    with spy_steps(ck.learner, n) as steps:
        losses = ck.call(gradient_descent, Logistic(seed=0), X, y, num_steps, lr)
    expect_settings(steps, num_steps, lr, GD_SGD)
    if any(len(s.rows) != n for s in steps):
        sizes = [len(s.rows) for s in steps]
        raise Failure(
            f"{num_steps} steps on all {n} images", f"steps on {sizes} images", lc.GD_NOT_ALL_ROWS
        )
    expect_labels(steps, y, GD_SGD)
    expect_losses(losses, steps, GD_SGD)


def sgd_batches(ck: Checker, sgd, Logistic, seed: int, n: int, y) -> list[Step]:
    """The steps of ``sgd(Logistic(seed=0), X, y, 12, 20, 0.3, seed=seed)`` on ``n`` images."""
    with spy_steps(ck.learner, n) as steps:
        losses = expect_runs(
            ck.call,
            "12 steps on batches of 20 rows",
            sgd,
            Logistic(seed=0),
            numbered_images(n),
            y,
            12,
            20,
            0.3,
            seed=seed,
            known=[(TOO_LARGE_SAMPLE, lc.BATCH_SIZE)],
        )
    expect_settings(steps, 12, 0.3, GD_SGD)
    sizes = sorted({len(s.rows) for s in steps})
    if sizes != [20]:
        raise Failure("batches of 20 images", f"batches of {sizes[:5]}", lc.BATCH_SIZE)
    expect_labels(steps, y, GD_SGD)
    expect_losses(losses, steps, GD_SGD)
    return steps


def expect_sgd(ck: Checker, Logistic, sgd) -> None:
    """sgd on 100 numbered images, 12 steps of 20 (five batches a pass), seeds 0, 0, 5."""
    n, y = 100, random_labels(100, 8)
    ck.case = "sgd(Logistic(seed=0), X, y, num_steps=12, batch_size=20, lr=0.3, seed=0), 100 images"
    steps = sgd_batches(ck, sgd, Logistic, 0, n, y)
    batches = [np.sort(s.rows) for s in steps]
    if any(len(np.unique(b)) < len(b) for b in batches):
        raise Failure(
            "20 different rows in each batch", "a row twice in a batch", lc.WITH_REPLACEMENT
        )
    p = period(batches)
    if p == 1:
        first = np.sort(np.random.default_rng(0).choice(n, size=20, replace=False))
        again = np.array_equal(batches[0], first)
        raise Failure(
            "a new random batch at each step",
            "the same rows at every step",
            lc.GENERATOR_IN_LOOP if again else lc.SAME_BATCH_6,
        )
    if p:
        raise Failure(
            "new random batches all along",
            f"the same {p} batches again and again",
            lc.GENERATOR_PER_EPOCH,
        )
    ck.case = "sgd(..., seed=0) twice, then sgd(..., seed=5): the batches of each run"
    again = [np.sort(s.rows) for s in sgd_batches(ck, sgd, Logistic, 0, n, y)]
    other = [np.sort(s.rows) for s in sgd_batches(ck, sgd, Logistic, 5, n, y)]
    if not all(np.array_equal(a, b) for a, b in zip(batches, again)):
        raise Failure(
            "the same batches for the same seed", "batches that change from run to run", lc.UNSEEDED
        )
    if all(np.array_equal(a, b) for a, b in zip(batches, other)):
        raise Failure(
            "other batches for another seed", "the same batches for seeds 0 and 5", lc.SEED_IGNORED
        )


def check_gd_vs_sgd(ck: Checker) -> str:
    Logistic = ck.get("Logistic")
    expect_gradient_descent(ck, Logistic, ck.get("gradient_descent"))
    expect_sgd(ck, Logistic, ck.get("sgd"))

    data = ck.data()
    X_train, y_train, X_test, y_test = data.arrays()
    ck.case = f"experiment(X_train, y_train, X_test, y_test) on the {data.describe()}"
    (_, gd_steps, gd_seconds, gd_acc), (_, sgd_steps, sgd_seconds, sgd_acc) = ck.call(
        ck.get("experiment"), X_train, y_train, X_test, y_test
    )
    ck.figures.update(steps=int(sgd_steps), seconds=float(sgd_seconds))
    ck.figures.update(test_accuracy=float(sgd_acc), parameters=parameters(Logistic(seed=0)))
    ck.figures["gradient_descent"] = dict(
        steps=int(gd_steps), seconds=float(gd_seconds), test_accuracy=float(gd_acc)
    )
    if sgd_acc < gd_acc:
        raise Failure(
            "SGD at least as accurate as gradient descent for the same images processed",
            f"SGD {sgd_acc:.1%}, gradient descent {gd_acc:.1%}",
            lc.SGD_WORSE,
        )
    return (
        f"for the same {gd_steps * len(y_train):,} images processed, gradient descent took "
        f"{gd_steps} steps ({gd_seconds:.2f} s) to {gd_acc:.1%} test accuracy, and SGD "
        f"{sgd_steps} steps ({sgd_seconds:.2f} s) to {sgd_acc:.1%}: many cheap noisy "
        "steps beat a few exact ones."
    )
