"""What several checks share: inputs, the learner's variables, a spy on the training step.

Every input is drawn from a fixed seed, so a check asks the same questions each time.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import tensorflow as tf

from tfdojo.models.learner import contract_breach, variables_by_name
from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.reference_run import (
    Reference,
    compare_with_reference,
    timed_training,
)
from tfdojo.teaching.kata.expect import brief, to_array
from tfdojo.teaching.kata.sources import reference

MAX_STEPS = 300
THRESHOLD = 0.85
"""The test accuracy the training katas ask for (the references reach about 92%)."""

NOT_A_VARIABLE = (
    "wrap the weights in tf.Variable: a tf.Module tracks only variables, and the "
    "GradientTape watches only variables (a tf.constant or a NumPy array gets a None gradient)"
)


def random_images(n: int, seed: int = 0) -> tf.Tensor:
    """float32 (n, 28, 28) uniform in [-0.5, 0.5]: scaled images, as every model takes."""
    return tf.random.stateless_uniform([n, 28, 28], seed=[seed, 1], minval=-0.5, maxval=0.5)


def random_labels(n: int, seed: int = 0) -> np.ndarray:
    """int32 (n,) labels in 0..9."""
    return np.random.default_rng(seed).integers(0, 10, size=n).astype(np.int32)


def cross_entropy(logits, y) -> tf.Tensor:
    """The reference loss: mean softmax cross-entropy of ``logits`` against int labels ``y``."""
    y_onehot = tf.one_hot(y, 10)
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_onehot, logits=logits))


def trainable(model: tf.Module, built: str) -> list[tf.Variable]:
    """The model's trainable variables; a Failure naming any weight that is not a variable."""
    others = [
        f"{k} is a {type(v).__name__}"
        for k, v in vars(model).items()
        if hasattr(v, "shape") and not isinstance(v, tf.Variable)
    ]
    found = list(model.trainable_variables)
    if others or not found:
        received = ", ".join(others) if others else "no variable"
        raise Failure(f"{built} to hold its weights as tf.Variables", received, NOT_A_VARIABLE)
    return found


def expect_contract(ck: Checker, model: tf.Module, built: str) -> None:
    """Fail unless ``model`` keeps the contract of the models tfdojo trains
    (``tfdojo train --model FILE.py:NAME``): tf.Tensor logits (N, 10) for any N, a
    gradient to every variable, a call that runs in a tf.function."""
    ck.case = f"{built} called as tfdojo train calls it: 2 and 5 images, a tape, a tf.function"
    path = getattr(ck.learner, "__file__", None)  # a notebook's cells have none
    breach = contract_breach(model, variables_by_name(model), path)
    if breach is not None:
        received = breach.received.replace(f"{path}:", f"{Path(path).name} line ") if path else ""
        raise Failure(breach.expected, received or breach.received, breach.cause)


def split_weights(variables: list[tf.Variable]) -> tuple[list[tf.Variable], list[tf.Variable]]:
    """``(weights, biases)``: weights have rank >= 2 (W, kernels), biases rank 1."""
    weights = [v for v in variables if len(v.shape) >= 2]
    biases = [v for v in variables if len(v.shape) < 2]
    return weights, biases


def expect_variables(built: str, variables: list[tf.Variable], shapes: list[tuple]) -> None:
    """Fail unless the variables have exactly ``shapes`` (in any order), naming a transposed W."""
    got = sorted(tuple(v.shape) for v in variables)
    want = sorted(tuple(s) for s in shapes)
    if got == want:
        return
    cause = ""
    for shape in got:
        if len(shape) == 2 and shape not in want and shape[::-1] in want:
            cause = (
                f"a weight matrix of shape {shape} is transposed: W is (inputs, outputs), "
                f"{shape[::-1]}, so that X W multiplies (N, inputs) @ (inputs, outputs)"
            )
    params = sum(int(np.prod(s)) for s in want)
    raise Failure(
        f"{built} with variables of shapes {want} ({params:,} parameters)",
        f"{got} ({sum(int(np.prod(s)) for s in got):,} parameters)",
        cause,
    )


def expect_seeded(Model: type, name: str) -> None:
    """Fail unless ``Model(seed=0)`` twice gives the same weights and ``seed=1`` others."""
    first, again, other = (
        [v.numpy() for v in trainable(Model(seed=s), f"{name}(seed={s})")] for s in (0, 0, 1)
    )
    if not all(np.array_equal(a, b) for a, b in zip(first, again)):
        raise Failure(
            f"the same initial weights from {name}(seed=0) twice",
            "different ones",
            "draw the weights from the seed: tf.random.stateless_truncated_normal(..., "
            "seed=[seed, k]); tf.random.normal without a seed differs at every call",
        )
    if all(np.array_equal(a, c) for a, c in zip(first, other)):
        raise Failure(
            f"different initial weights from {name}(seed=0) and {name}(seed=1)",
            "the same weights",
            "use the seed argument: stateless_truncated_normal(shape, seed=[seed, k], ...)",
        )


def accuracy_of(model, X, y) -> float:
    """Fraction of images whose largest logit is the right class (the model evaluated as is)."""
    logits = to_array("the model's logits", model(X))
    return float(np.mean(logits.argmax(axis=1) == np.asarray(y)))


@dataclasses.dataclass
class Call:
    """One call of the learner's training step, as the spy saw it."""

    X: np.ndarray
    y: np.ndarray
    lr: float


@contextlib.contextmanager
def spy(module: ModuleType, name: str = "train_step") -> Iterator[list[Call]]:
    """Record every call of ``module.name(model, X, y, lr, ...)`` while the block runs.

    The learner's loop looks its step up in the module's globals at each call, so
    swapping it for a recording wrapper sees each batch and learning rate. A module
    without the step records nothing.
    """
    calls: list[Call] = []
    step = getattr(module, name, None)
    if step is None:
        yield calls
        return

    def recording(model, X, y, lr, *args, **kwargs):
        calls.append(Call(np.asarray(X), np.asarray(y), float(lr)))
        return step(model, X, y, lr, *args, **kwargs)

    setattr(module, name, recording)
    try:
        yield calls
    finally:
        setattr(module, name, step)


def expect_finite(losses, lr) -> np.ndarray:
    """The losses as floats; a Failure at the first that is inf or nan (learning rate too high)."""
    values = np.array([float(to_array("a loss", v)) for v in losses], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        raise Failure(
            "finite losses",
            f"loss {values[i]} at step {i} (the first ones: {brief(values[:4])})",
            f"the learning rate is too high (lr = {lr}): each step overshoots further until "
            "the numbers overflow; try one ten times smaller",
        )
    return values


def expect_accuracy(what: str, accuracy: float, threshold: float, cause: str = "") -> None:
    """Fail unless ``accuracy`` reaches ``threshold``."""
    if accuracy < threshold:
        raise Failure(f"{what} >= {threshold:.0%}", f"{accuracy:.1%}", cause)


def expect_trained(ck: Checker, model, losses, lr) -> float:
    """The test accuracy of a model trained by the learner's loop; a Failure below 85%."""
    if not isinstance(losses, list | tuple) or not losses:
        raise Failure("the list of the losses of the steps", repr(losses)[:60], "return them")
    values = expect_finite(losses, lr)
    _, _, X_test, y_test = ck.data().arrays()
    accuracy = accuracy_of(model, X_test, y_test)
    ck.figures["test_accuracy"] = accuracy
    went_down = values[-10:].mean() < values[:10].mean()
    expect_accuracy(
        "the test accuracy",
        accuracy,
        THRESHOLD,
        "train longer (more steps) or with a larger learning rate"
        if went_down
        else "the loss did not go down: does each step get the learning rate and its batch?",
    )
    return accuracy


def train_on_kata_set(
    ck: Checker, Model: type, train: Callable, settings: Sequence[str]
) -> tuple[tf.Module, list, list[Call]]:
    """Train ``Model(seed=0)`` on the kata set with ``train(model, X, y, *settings)``.

    ``settings`` names the learner's constants passed after ``X, y``, ``NUM_STEPS``
    first. Returns the model, the losses ``train`` returned and the spied steps; the
    steps, the training's wall time and the model's parameters go to ``ck.figures``.
    """
    values = [ck.get(name) for name in settings]
    expect_at_most("NUM_STEPS", values[0], MAX_STEPS)
    data = ck.data()
    X_train, y_train, _, _ = data.arrays()
    given = ", ".join(f"{name.lower()}={value}" for name, value in zip(settings, values))
    ck.case = f"train({Model.__name__}(seed=0), X, y, {given}) on the {data.describe()}"
    model = Model(seed=0)
    with spy(ck.learner) as calls:
        losses = timed_training(ck, model, values[0], train, model, X_train, y_train, *values)
    return model, losses, calls


def train_to_threshold(
    ck: Checker,
    Model: type,
    train: Callable,
    settings: Sequence[str],
    causes: tuple[Cause, Cause, Cause],
) -> tuple[tf.Module, list, float]:
    """:func:`train_on_kata_set`, then the verdicts of a training kata whose own loop trains.

    ``causes`` are the kata's ``(too many steps, losses not finite, under 85%)``: NUM_STEPS
    (``settings[0]``) at most :data:`MAX_STEPS`, every returned loss finite, the test
    accuracy at least :data:`THRESHOLD`. Returns the model, the losses and the accuracy.
    """
    too_many, too_high, not_trained = causes
    num_steps = ck.get(settings[0])
    if num_steps > MAX_STEPS:
        raise Failure(f"NUM_STEPS <= {MAX_STEPS}", str(num_steps), too_many)
    model, losses, _ = train_on_kata_set(ck, Model, train, settings)
    values = np.array([float(v) for v in losses], np.float64)
    if not np.all(np.isfinite(values)):
        raise Failure("finite losses", f"the first ones: {brief(values)}", too_high)
    _, _, X_test, y_test = ck.data().arrays()
    accuracy = accuracy_of(model, X_test, y_test)
    if accuracy < THRESHOLD:
        raise Failure(f"the test accuracy >= {THRESHOLD:.0%}", f"{accuracy:.1%}", not_trained)
    return model, losses, accuracy


def expect_trains(ck: Checker, Model: type, compared: Reference | None = None) -> tuple[int, float]:
    """Train ``Model(seed=0)`` with kata 5's loop and the learner's NUM_STEPS, BATCH_SIZE, LR.

    Returns the number of steps and the test accuracy; a Failure below 85%. Once it
    passes, the trained model is compared with the reference ``compared`` trained alike
    (figures only, see :mod:`~tfdojo.teaching.kata.checks.reference_run`).
    """

    train = reference("05_minibatch_loop").train
    model, losses, _ = train_on_kata_set(ck, Model, train, ("NUM_STEPS", "BATCH_SIZE", "LR"))
    accuracy = expect_trained(ck, model, losses, ck.get("LR"))
    if compared is not None:
        ck.case = f"your trained {Model.__name__} beside the reference's, on the test images"
        compare_with_reference(ck, model, compared, len(losses))
    return len(losses), accuracy


def expect_at_most(name: str, value: int, limit: int) -> None:
    if value > limit:
        raise Failure(f"{name} <= {limit}", str(value), "the kata asks for it within that many")
