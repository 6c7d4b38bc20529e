"""What a training loop did, step by step: which rows, which labels, which learning rate,
which loss; for the checks of katas 5 and 6.

The loops run on :func:`numbered_images`: image i is filled with one value of its own, so
a spied batch tells which rows of X it holds (:attr:`Step.rows`). A loop is called with
settings other than its module's constants (24 images a batch, lr 0.2, 6 steps), so that
a constant written in place of an argument shows.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from types import ModuleType

import numpy as np

from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.checking import Failure
from tfdojo.teaching.kata.expect import brief


def numbered_images(n: int) -> np.ndarray:
    """float32 (n, 28, 28): image i is every pixel (i + 1) / (2n) - 0.5, in [-0.5, 0.5)."""
    values = (np.arange(n, dtype=np.float32) + 1) / (2 * n) - 0.5
    return np.broadcast_to(values[:, None, None], (n, 28, 28)).copy()


def row_numbers(X: np.ndarray, n: int) -> np.ndarray:
    """The rows of :func:`numbered_images` (n) that the images X are; -1 for another image."""
    X = np.asarray(X, np.float64)
    if X.size == 0:  # an empty batch
        return np.zeros(len(X), int)
    values = X.reshape(len(X), -1)[:, 0]
    rows = np.rint((values + 0.5) * 2 * n - 1).astype(int)
    return np.where((rows >= 0) & (rows < n), rows, -1)


@dataclasses.dataclass
class Step:
    """One call of the learner's training step: the rows of X, the labels, lr, the loss."""

    rows: np.ndarray
    y: np.ndarray
    lr: float
    loss: float


@contextlib.contextmanager
def spy_steps(module: ModuleType, n: int, name: str = "train_step") -> Iterator[list[Step]]:
    """Record every call of ``module.name(model, X, y, lr)`` on :func:`numbered_images`
    (``n``) while the block runs, and the loss it returned.

    The learner's loop looks its step up in the module's globals at each call, so
    swapping it for a recording wrapper sees each batch.
    """
    steps: list[Step] = []
    step = getattr(module, name, None)
    if step is None:
        yield steps
        return

    def recording(model, X, y, lr, *args, **kwargs):
        loss = step(model, X, y, lr, *args, **kwargs)
        rows = row_numbers(np.asarray(X), n)
        steps.append(Step(rows, np.asarray(y).reshape(-1), float(lr), float(loss)))
        return loss

    setattr(module, name, recording)
    try:
        yield steps
    finally:
        setattr(module, name, step)


@dataclasses.dataclass(frozen=True)
class LoopCauses:
    """The causes a loop check names (one kata's ids)."""

    steps: Cause
    lr: Cause
    batch_size: Cause
    labels: Cause
    no_losses: Cause
    not_step_losses: Cause


def expect_settings(steps: list[Step], num_steps: int, lr: float, causes: LoopCauses) -> None:
    """Fail unless there were ``num_steps`` steps, each at learning rate ``lr``."""
    if len(steps) != num_steps:
        raise Failure(f"{num_steps} calls of train_step", str(len(steps)), causes.steps)
    rates = sorted({s.lr for s in steps})
    if not np.allclose(rates, lr):
        received = ", ".join(f"lr={r:g}" for r in rates[:4])
        raise Failure(f"train_step called with lr={lr}", received, causes.lr)


def expect_labels(steps: list[Step], y: np.ndarray, causes: LoopCauses) -> None:
    """Fail unless every step's labels are those of its rows of X."""
    for i, s in enumerate(steps):
        if len(s.y) != len(s.rows) or np.any(s.rows < 0) or np.any(y[s.rows] != s.y):
            raise Failure(
                f"the labels of the batch's images at step {i}, {brief(y[s.rows], 6)}",
                brief(s.y, 6),
                causes.labels,
            )


def expect_losses(losses, steps: list[Step], causes: LoopCauses) -> None:
    """Fail unless ``losses`` is the list of the losses the steps returned, in order."""
    if not isinstance(losses, list | tuple) or any(v is None for v in losses):
        raise Failure(
            f"the list of the {len(steps)} losses of the steps", repr(losses)[:60], causes.no_losses
        )
    want = [s.loss for s in steps]
    try:
        got = np.array([float(v) for v in losses], np.float64)
    except (TypeError, ValueError):
        raise Failure("a list of numbers", repr(losses)[:60], causes.no_losses) from None
    if got.shape != (len(want),) or not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        raise Failure(
            f"the losses train_step returned, {brief(want)}", brief(got), causes.not_step_losses
        )


def period(batches: Sequence[np.ndarray]) -> int:
    """The smallest p >= 1 such that batch i + p is batch i for every i; 0 if none."""
    for p in range(1, len(batches)):
        if all(np.array_equal(batches[i], batches[i + p]) for i in range(len(batches) - p)):
            return p
    return 0
