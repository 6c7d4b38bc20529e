"""Check of kata 11: overfitting, measured, and its cure (L2 and dropout in one step).

The learner's ``regularised_step`` is compared with the reference step (a GradientTape on
the cross-entropy with dropout plus beta times the L2 penalty) for several betas, rates
and seeds, weights and returned loss alike; then ``train`` overfits 50 images with and
without the learner's cure. Re-exported by :mod:`~tfdojo.teaching.kata.checks.networks`,
whose name the kata's record gives.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo.teaching.kata.causes import networks as causes
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.common import (
    MAX_STEPS,
    accuracy_of,
    cross_entropy,
    expect_at_most,
    random_images,
    random_labels,
)
from tfdojo.teaching.kata.checks.models_common import mlp_variables, spread_biases, with_causes
from tfdojo.teaching.kata.checks.reference_run import timed_training
from tfdojo.teaching.kata.expect import expect_close
from tfdojo.teaching.kata.sources import reference

NAMES = ("W1", "b1", "W2", "b2")


def reference_step(model, X, y, lr, beta, dropout_rate, seed, mistake=""):
    """Kata 11's step, returning the loss before it; ``mistake`` makes a usual one:
    ``"biases"`` (L2 on the biases too), ``"sum"`` (the cross-entropy summed)."""
    v = mlp_variables(model, "DropoutMLP(seed=0)")
    penalised = [v["W1"], v["W2"]] + ([v["b1"], v["b2"]] if mistake == "biases" else [])
    with tf.GradientTape() as tape:
        D = tf.nn.softmax_cross_entropy_with_logits(
            labels=tf.one_hot(y, 10), logits=model(X, dropout_rate=dropout_rate, seed=seed)
        )
        loss = tf.reduce_sum(D) if mistake == "sum" else tf.reduce_mean(D)
        loss += beta * tf.add_n([tf.nn.l2_loss(w) for w in penalised])
    grads = tape.gradient(loss, list(v.values()))
    for var, g in zip(v.values(), grads):
        var.assign_sub(lr * g)
    return loss


def after_step(step, X, y, lr, beta, rate, seed, **kwargs) -> tuple[dict, object, tuple]:
    """(W1, b1, W2, b2 after ``step`` from DropoutMLP(seed=0) with biases [-1 .. 1] at
    ``lr``; the loss ``step`` returned; the losses after the step, without dropout, with
    and without the penalty)."""
    model = reference("09_dropout").DropoutMLP(seed=0)
    v = mlp_variables(model, "DropoutMLP(seed=0)")
    spread_biases(v)
    loss = step(model, X, tf.constant(y), lr, beta, rate, tf.constant(seed), **kwargs)
    weights = {name: var.numpy() for name, var in v.items()}
    penalty = float(tf.nn.l2_loss(v["W1"]) + tf.nn.l2_loss(v["W2"]))
    ce = float(cross_entropy(model(X), y))
    return weights, loss, (ce + beta * penalty, ce)


def expect_step(ck: Checker, step, lr: float, beta: float, rate: float, seed: list[int]) -> None:
    """Fail unless ``step`` moves the weights and returns the loss as the reference does."""
    X, y = random_images(16, 11), random_labels(16, 11)
    ck.case = (
        f"regularised_step(model, X, y, lr={lr}, beta={beta}, dropout_rate={rate}, "
        f"seed={seed}), model = DropoutMLP(seed=0) with biases [-1 .. 1], 16 images"
    )
    got, loss, _ = after_step(lambda *a: ck.call(step, *a), X, y, lr, beta, rate, seed)
    if rate:
        again, _, _ = after_step(step, X, y, lr, beta, rate, [seed[0] + 1, seed[1]])
        if all(np.array_equal(again[n], got[n]) for n in NAMES):
            kept, _, _ = after_step(reference_step, X, y, lr, beta, 0.0, seed)
            no_dropout = all(np.allclose(kept[n], got[n], rtol=1e-4, atol=1e-5) for n in NAMES)
            raise Failure(
                f"another step for another seed than {seed}",
                "the same",
                causes.OVERFIT_NO_DROPOUT if no_dropout else causes.OVERFIT_SEED,
            )
    want, want_loss, after = after_step(reference_step, X, y, lr, beta, rate, seed)
    mistakes = [
        (causes.OVERFIT_ON_BIASES, lr, beta, rate, "biases"),
        (causes.OVERFIT_NO_L2, lr, 0.0, rate, ""),
        (causes.OVERFIT_CE_SUM, lr, beta, rate, "sum"),
        (causes.OVERFIT_PARAMS, lr, 0.01, rate, ""),
        (causes.OVERFIT_PARAMS, lr, beta, 0.5, ""),
        (causes.OVERFIT_PARAMS, 0.1, beta, rate, ""),
        (causes.OVERFIT_PARAMS, 0.5, beta, rate, ""),
        (causes.OVERFIT_NO_DROPOUT, lr, beta, 0.0, ""),
    ]
    wrong = [
        (cause, after_step(reference_step, X, y, a, b, r, seed, mistake=m)[0])
        for cause, a, b, r, m in mistakes
        if (a, b, r, m) != (lr, beta, rate, "")
    ]
    for name in NAMES:
        expect_close(
            f"{name} after the step",
            got[name],
            want[name],
            wrong=[(cause, values[name]) for cause, values in wrong],
        )
    ck.case += ": the loss it returns"
    expect_close(
        "the loss returned",
        loss,
        float(want_loss),
        wrong=[(causes.OVERFIT_RETURN, value) for value in after],
        rtol=1e-3,
    )


@with_causes
def check_overfitting(ck: Checker) -> str:
    step = ck.get("regularised_step")
    beta3 = float(np.round(ck.rng.uniform(0.002, 0.05), 4))
    rate3 = float(np.round(ck.rng.uniform(0.2, 0.45), 2))
    lr3 = float(np.round(ck.rng.uniform(0.15, 0.4), 2))
    for lr, beta, rate, seed in [
        (0.1, 0.01, 0.0, [0, 1]),
        (0.1, 0.0, 0.5, [0, 1]),
        (lr3, beta3, rate3, [3, 7]),
    ]:
        expect_step(ck, step, lr, beta, rate, seed)

    small, num_steps, lr = ck.get("SMALL"), ck.get("NUM_STEPS"), ck.get("LR")
    (beta, rate), train = ck.get("cure")(), ck.get("train")
    DropoutMLP = reference("09_dropout").DropoutMLP
    expect_at_most("SMALL", small, 100)
    expect_at_most("NUM_STEPS", num_steps, MAX_STEPS)
    if beta == rate == 0:
        raise Failure("cure() with beta or dropout_rate above 0", "both 0", causes.OVERFIT_NO_CURE)
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
        timed_training(ck, model, num_steps, train, model, X_small, y_small, num_steps, lr, b, r)
        test_loss = float(cross_entropy(model(X_test), y_test))
        runs.append(
            (accuracy_of(model, X_small, y_small), accuracy_of(model, X_test, y_test), test_loss)
        )
        if b == r == 0 and runs[0][0] < 1.0:
            raise Failure(
                f"100% training accuracy: the network learns its {small} images by heart",
                f"{runs[0][0]:.0%}",
                causes.OVERFIT_NOT_100,
            )
    (train0, test0, loss0), (train1, test1, loss1) = runs
    ck.figures.update(test_accuracy=test1, overfit_test_accuracy=test0)
    if loss1 > 0.97 * loss0:
        raise Failure(
            f"a test loss at least 3% below the overfit network's {loss0:.3f}",
            f"{loss1:.3f}",
            causes.OVERFIT_WEAK,
        )
    if test1 < test0 - 0.01:
        raise Failure(
            f"a test accuracy no worse than the overfit network's {test0:.1%}",
            f"{test1:.1%} (training accuracy {train1:.0%})",
            causes.OVERFIT_STRONG,
        )
    return (
        f"the step matches for three betas, rates and seeds; on {small} images the network "
        f"overfits (training {train0:.0%}, test {test0:.1%}, test loss {loss0:.3f}); with "
        f"beta={beta} and dropout {rate}: training {train1:.0%}, test {test1:.1%}, test loss "
        f"{loss1:.3f}."
    )
