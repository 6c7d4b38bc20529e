"""Check of kata 10: learning-rate decay, the schedule and the loop that follows it.

    lr(step) = lr0 * decay_rate ** (step / decay_steps)           smooth
    lr(step) = lr0 * decay_rate ** floor(step / decay_steps)      staircase

``learning_rate`` is compared with Keras's ``ExponentialDecay`` for settings other than
the module's constants (two fixed, one drawn from ``ck.rng``), smooth, staircase and by
default; ``train`` runs on numbered images (:mod:`.batches`) with a spy on ``train_step``
for two settings of its own (the rate, the batch, the labels and the loss of each step),
then trains kata 7's network on the kata set with the module's constants. Re-exported by
:mod:`~tfdojo.teaching.kata.checks.loops`, whose name the kata's record gives.
"""

from __future__ import annotations

import math

import numpy as np

from tfdojo.teaching.kata.causes import loops as lc
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.batches import (
    LoopCauses,
    expect_labels,
    expect_losses,
    numbered_images,
    period,
    spy_steps,
)
from tfdojo.teaching.kata.checks.common import random_labels, train_to_threshold
from tfdojo.teaching.kata.expect import brief, expect_close
from tfdojo.teaching.kata.sources import reference

DECAY = LoopCauses(
    lc.STEPS_COUNT_10,
    lc.RATE_NOT_PASSED,
    lc.BATCH_SIZE_10,
    lc.LABELS_MISMATCH_10,
    lc.NO_LOSSES_10,
    lc.NOT_THE_STEP_LOSSES_10,
)
MODULE = (0.3, 0.5, 100)
"""The exercise's LR0, DECAY_RATE, DECAY_STEPS: a learner's number written in place of an
argument is one of these, or the module's constant."""


def rate(step: int, lr0: float, decay_rate: float, decay_steps: int, rounding=None) -> float:
    """``lr0 * decay_rate ** (step / decay_steps)``, the exponent rounded by ``rounding``
    (``math.floor`` for the staircase) when given."""
    exponent = step / decay_steps
    return lr0 * decay_rate ** (rounding(exponent) if rounding else exponent)


def usual_mistakes(steps, lr0, decay_rate, decay_steps, rounding, constants) -> tuple[list, list]:
    """``(cause, rates at steps)`` of the usual wrong schedules for settings ``lr0,
    decay_rate, decay_steps`` (the exponent rounded by ``rounding`` when given): the wrong
    formulas, then a constant in place of an argument (the learner's module ``constants``
    or the exercise's values)."""
    k0, kr, ks = constants
    exponents = [rounding(s / decay_steps) if rounding else s / decay_steps for s in steps]

    def rates(lr0=lr0, decay_rate=decay_rate, decay_steps=decay_steps, at=None, r=rounding):
        return [rate(at(s) if at else s, lr0, decay_rate, decay_steps, r) for s in steps]

    formulas = [
        (lc.EXPONENT_NOT_DIVIDED, rates(decay_steps=1)),
        (lc.RATE_GROWS, rates(decay_rate=1 / decay_rate)),
        (lc.STEP_FROM_ONE, rates(at=lambda s: s + 1)),
        (lc.NOT_EXPONENTIAL, [lr0 * (1 - (1 - decay_rate) * e) for e in exponents]),
        (lc.NOT_EXPONENTIAL, [lr0 / (1 + decay_rate * e) for e in exponents]),
    ]
    constant = [(lc.LR0_CONSTANT, rates(lr0=v)) for v in {k0, MODULE[0]}]
    constant += [(lc.DECAY_RATE_CONSTANT, rates(decay_rate=v)) for v in {kr, MODULE[1]}]
    constant += [(lc.DECAY_STEPS_CONSTANT, rates(decay_steps=v)) for v in {ks, MODULE[2]}]
    return formulas, constant


def settings_from(rng: np.random.Generator) -> tuple[float, float, int]:
    """lr0 in [0.1, 1), decay_rate in [0.3, 0.9], decay_steps in 3..40: never the module's."""
    lr0 = float(np.round(rng.uniform(0.1, 1.0), 3))
    decay_rate = float(np.round(rng.uniform(0.3, 0.9), 2))
    decay_steps = int(rng.integers(3, 41))
    return (
        lr0 + (lr0 == MODULE[0]) * 0.01,
        decay_rate + (decay_rate == MODULE[1]) * 0.01,
        decay_steps,
    )


def expect_schedule(ck: Checker, learning_rate, lr0: float, decay_rate: float, decay_steps: int):
    """Fail unless ``learning_rate`` gives Keras's rates, smooth, staircase and by default."""
    import keras  # Keras: kata 14 and this oracle only

    d = decay_steps
    steps = [0, 1, d // 2, d - 1, d, d + 1, 2 * d + d // 3, 3 * d]
    constants = tuple(ck.get(name) for name in ("LR0", "DECAY_RATE", "DECAY_STEPS"))
    for staircase in (False, True, None):
        given = "" if staircase is None else f", staircase={staircase}"
        ck.case = (
            f"learning_rate(step, lr0={lr0}, decay_rate={decay_rate}, decay_steps={d}{given}) "
            f"at steps {steps}"
        )
        kwargs = {} if staircase is None else {"staircase": staircase}
        got = [ck.call(learning_rate, s, lr0, decay_rate, d, **kwargs) for s in steps]
        schedule = keras.optimizers.schedules.ExponentialDecay(lr0, d, decay_rate, bool(staircase))
        want = [float(schedule(s)) for s in steps]
        floor = math.floor if staircase else None
        formulas, constant = usual_mistakes(steps, lr0, decay_rate, d, floor, constants)
        wrong = formulas + constant
        if staircase:
            wrong.insert(0, (lc.STAIRCASE_IGNORED, [rate(s, lr0, decay_rate, d) for s in steps]))
            for rounding in (math.ceil, round, lambda e: math.floor(e + 0.5)):
                rounded = [rate(s, lr0, decay_rate, d, rounding) for s in steps]
                wrong.insert(1, (lc.STAIRS_ROUNDING, rounded))
        else:
            stairs = [rate(s, lr0, decay_rate, d, math.floor) for s in steps]
            cause = lc.SMOOTH_ROUNDED if staircase is False else lc.DEFAULT_STAIRS
            wrong.insert(0, (cause, stairs))
        if any(v is None for v in got):
            raise Failure("a number at each step", brief(np.array(got, object)), lc.NO_RETURN_10)
        expect_close("the learning rates", [float(v) for v in got], want, wrong, 1e-5, 1e-9)


def expect_loop(ck: Checker, train, n: int, num_steps: int, batch_size: int, settings) -> None:
    """Fail unless ``train`` takes ``num_steps`` batches of ``batch_size`` numbered images
    with their labels, each at its step's decayed rate, and returns the steps' losses."""
    lr0, decay_rate, decay_steps = settings
    X, y = numbered_images(n), random_labels(n, num_steps)
    ck.case = (
        f"train(Logistic(seed=0), X, y, num_steps={num_steps}, batch_size={batch_size}, "
        f"lr0={lr0}, decay_rate={decay_rate}, decay_steps={decay_steps}), {n} images"
    )
    Logistic = reference("02_logistic").Logistic
    with spy_steps(ck.learner, n) as steps:
        losses = ck.call(train, Logistic(seed=0), X, y, num_steps, batch_size, *settings)
    if len(steps) != num_steps:
        raise Failure(f"{num_steps} calls of train_step", str(len(steps)), lc.STEPS_COUNT_10)
    sizes = sorted({len(s.rows) for s in steps})
    if sizes != [batch_size]:
        short = max(sizes) == batch_size
        raise Failure(
            f"batches of {batch_size} images",
            f"batches of {sizes[:5]}",
            lc.SHORT_BATCH_10 if short else lc.BATCH_SIZE_10,
        )
    expect_labels(steps, y, DECAY)
    rates = [s.lr for s in steps]
    same_rows = period([s.rows for s in steps]) == 1
    if same_rows and np.allclose(rates, lr0, rtol=1e-6):
        raise Failure(
            "a new batch and a smaller rate at each step",
            f"the same rows at lr={lr0}",
            lc.STEP_STUCK,
        )
    at = range(num_steps)
    constants = tuple(ck.get(name) for name in ("LR0", "DECAY_RATE", "DECAY_STEPS"))
    formulas, constant = usual_mistakes(at, *settings, None, constants)
    wrong = [
        (lc.RATE_NOT_PASSED, [lr0] * num_steps),
        (lc.TRAIN_STAIRCASE, [rate(s, *settings, math.floor) for s in at]),
        (lc.TRAIN_CONSTANTS, [rate(s, *constants) for s in at]),
        (lc.TRAIN_CONSTANTS, [rate(s, *MODULE) for s in at]),
        (lc.PER_EPOCH, [rate(s * batch_size // n, *settings) for s in at]),
        (lc.PER_EPOCH, [rate(s // (n // batch_size), *settings) for s in at]),
        *formulas,
        *[(lc.TRAIN_CONSTANTS, r) for _, r in constant],
    ]
    want = [rate(s, *settings) for s in at]
    expect_close("the learning rate of each step", rates, want, wrong, 1e-5, 1e-9)
    if same_rows:
        raise Failure("a new batch at each step", "the same rows at every step", lc.SAME_BATCH_10)
    expect_losses(losses, steps, DECAY)


def check_lr_decay(ck: Checker) -> str:
    learning_rate = ck.get("learning_rate")
    for settings in ((0.8, 0.9, 30), (0.12, 0.4, 7), settings_from(ck.rng)):
        expect_schedule(ck, learning_rate, *settings)

    train = ck.get("train")
    drawn = (
        int(ck.rng.integers(40, 81)),
        int(ck.rng.integers(6, 11)),
        int(ck.rng.integers(6, 17)),
        (
            float(np.round(ck.rng.uniform(0.1, 0.5), 2)),
            float(np.round(ck.rng.uniform(0.3, 0.8), 2)),
            int(ck.rng.integers(2, 6)),
        ),
    )
    for n, num_steps, batch_size, settings in ((60, 9, 12, (0.4, 0.6, 4)), drawn):
        expect_loop(ck, train, n, num_steps, batch_size, settings)

    MLP = reference("07_relu_network").MLP
    settings = ("NUM_STEPS", "BATCH_SIZE", "LR0", "DECAY_RATE", "DECAY_STEPS")
    num_steps, batch_size, lr0, decay_rate, decay_steps = (ck.get(name) for name in settings)
    ck.case = f"the constants NUM_STEPS = {num_steps}, LR0 = {lr0}"
    causes = (lc.TOO_MANY_STEPS_10, lc.LR_TOO_HIGH_10, lc.NOT_TRAINED_10)
    _, _, accuracy = train_to_threshold(ck, MLP, train, settings, causes)
    first, last = (
        rate(0, lr0, decay_rate, decay_steps),
        rate(num_steps - 1, lr0, decay_rate, decay_steps),
    )
    return (
        f"the schedule matches Keras's ExponentialDecay for three settings, smooth and "
        f"staircase; the loop decays the rate step by step for two; on the kata set the rate "
        f"went from {first:.3g} to {last:.3g} over {num_steps} steps: test accuracy {accuracy:.1%}."
    )
