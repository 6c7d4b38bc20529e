"""What every engine does: the contract the training loop drives, whatever computes the steps.

Three engines implement it, checked by one parametrized test (``tests/test_engines.py``,
in the spirit of scikit-learn's ``check_estimator``):

- :class:`~tfdojo.engines.tensorflow_engine.TensorFlowEngine`: ``tf.GradientTape`` and
  compiled steps, on one device;
- :class:`~tfdojo.engines.numpy_engine.NumpyEngine`: the same step in NumPy, every
  gradient written by hand (:mod:`tfdojo.scratch`);
- :class:`~tfdojo.engines.replicated.engine.ReplicatedEngine`: the TensorFlow step on
  ``R`` replicas of ``tf.distribute`` (one device is ``R = 1``).

The loop (:func:`tfdojo.training.loop.fit`) draws each epoch's batches and learning rates
(:mod:`tfdojo.training.settings`) and hands them to :meth:`Engine.train_steps`, so every
engine sees the same run step for step: from the same seed, the same batches, the same
rates and the same initial weights, the engines agree up to floating-point rounding.
"""

from __future__ import annotations

import abc
import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import numpy as np


@dataclasses.dataclass
class TrainState:
    """Where a run stands after an epoch; saved in every checkpoint.

    Attributes:
        epoch: epochs done.
        best_accuracy: the best validation accuracy so far (-1 before the first epoch).
        best_epoch: the epoch that reached it (0 before the first epoch).
    """

    epoch: int = 0
    best_accuracy: float = -1.0
    best_epoch: int = 0


class Engine(abc.ABC):
    """One model, its optimiser and its training images, trained step by step.

    Attributes:
        name: ``"tensorflow"``, ``"numpy"`` or ``"replicated"`` (recorded in metrics.json).
        steps_per_call: how many steps :meth:`train_steps` is best given at once (the loop
            slices each epoch's batches by it; the result does not depend on it).
    """

    name: ClassVar[str]
    steps_per_call: int = 1

    @abc.abstractmethod
    def train_steps(self, batches: np.ndarray, rates: np.ndarray) -> tuple[float, int]:
        """Run ``len(batches)`` steps, one per row of indices into the training images.

        Args:
            batches: int32 (k, B): the training images of each step, by index.
            rates: float32 (k,): each step's learning rate.

        Returns:
            ``(cross-entropy summed over the k * B examples, correct predictions)``,
            without the L2 term, computed before each step's update.
        """

    @abc.abstractmethod
    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy and accuracy on uint8 ``images`` (N, 28, 28), ``labels`` (N,)."""

    @abc.abstractmethod
    def take_best(self) -> None:
        """Remember the current weights as the best epoch's."""

    @abc.abstractmethod
    def restore_best(self) -> None:
        """Put the best epoch's weights back."""

    @abc.abstractmethod
    def save(self, folder: Path, state: TrainState) -> None:
        """Checkpoint the weights, the optimiser, the best weights and ``state`` into ``folder``.

        Raises:
            TfdojoError: the checkpoint could not be written (the last complete one is kept).
        """

    @abc.abstractmethod
    def restore(self, folder: Path) -> TrainState | None:
        """Restore what :meth:`save` wrote; its state, or ``None`` if ``folder`` has none.

        Raises:
            TfdojoError: a corrupt checkpoint, or one of another model.
        """

    @abc.abstractmethod
    def get_weights(self) -> dict[str, np.ndarray]:
        """The current weights, ``{"conv1.w": array, ...}`` in layer order."""

    @abc.abstractmethod
    def final_model(self):
        """The trained :class:`tfdojo.models.base.Model` (TensorFlow, one device), to save,
        test and serve, whatever engine trained it."""

    def describe(self) -> dict[str, Any]:
        """What ``metrics.json`` records of the engine: its name and steps per call."""
        return {"engine": self.name, "steps_per_call": self.steps_per_call}
