"""Checks of katas 5, 6 and 10: the minibatch loop, gradient descent vs SGD, decay.

Each runs the learner's loop on the kata set with a spy on ``train_step`` (which images,
which labels, which learning rate at each step), then scores the trained model on the
test images.
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
from tfdojo.teaching.kata.checks.common import (
    MAX_STEPS,
    THRESHOLD,
    Call,
    accuracy_of,
    expect_trained,
    random_labels,
    train_on_kata_set,
)
from tfdojo.teaching.kata.checks.reference_run import LOGISTIC, compare_with_reference, parameters
from tfdojo.teaching.kata.expect import brief, expect_close, expect_runs, to_array
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
    if num_steps > MAX_STEPS:
        raise Failure(f"NUM_STEPS <= {MAX_STEPS}", str(num_steps), lc.TOO_MANY_STEPS)
    model, losses, _ = train_on_kata_set(ck, Logistic, train, settings)
    values = np.array([float(v) for v in losses], np.float64)
    if not np.all(np.isfinite(values)):
        raise Failure("finite losses", f"the first ones: {brief(values)}", lc.LR_TOO_HIGH)
    _, _, X_test, y_test = ck.data().arrays()
    accuracy = accuracy_of(model, X_test, y_test)
    if accuracy < THRESHOLD:
        raise Failure(f"the test accuracy >= {THRESHOLD:.0%}", f"{accuracy:.1%}", lc.NOT_TRAINED)
    compare_with_reference(ck, model, LOGISTIC, len(values))
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
