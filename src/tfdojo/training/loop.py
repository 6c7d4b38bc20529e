"""The training loop: epochs of steps on any engine; it returns what it made.

::

    from tfdojo import engines
    from tfdojo.training import loop, callbacks
    engine = engines.make(cfg, data.train.images, data.train.labels)
    result = loop.fit(cfg, data, engine, [callbacks.ProgressBar()])
    result.metrics["test_accuracy"], result.model, result.test_probabilities

Each epoch: a fresh shuffle of the training set (:func:`tfdojo.training.settings.epoch_batches`)
and its learning rates, the engine's steps on them (:class:`tfdojo.engines.Engine`), then the
validation split, the history row and the best epoch's weights. At the end the best weights
come back (``cfg.restore_best``) and the trained model scores the validation and test splits,
once each. Everything around the loop is a :class:`Callback`, as in Keras' ``fit``: the
progress bar, TensorBoard, checkpoints, early stopping, the run folder, the report.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo.core.errors import TfdojoError
from tfdojo.engines.contract import Engine, TrainState
from tfdojo.runs import history_row, history_summary
from tfdojo.runs.inference import accuracy_summary
from tfdojo.training.settings import TrainConfig, epoch_batches, learning_rates


@dataclasses.dataclass
class Training:
    """What the callbacks see of a run while it trains.

    Attributes:
        cfg: the run's config; data: the :class:`~tfdojo.data.Dataset`; engine: the engine.
        state: where the run stands (epochs done, the best epoch so far).
        history: one row per epoch done (:func:`tfdojo.runs.history_row`).
        stop: set by a callback (early stopping) to end the run after this epoch.
    """

    cfg: TrainConfig
    data: Any
    engine: Engine
    state: TrainState
    history: list[dict[str, Any]]
    stop: bool = False


@dataclasses.dataclass
class FitResult:
    """What :func:`fit` made.

    Attributes:
        cfg, data: as trained.
        model: the trained :class:`tfdojo.models.base.Model` (the best epoch's weights under
            ``cfg.restore_best``).
        history: one row per epoch; state: the last epoch and the best one.
        stopped_early: whether early stopping ended the run.
        metrics: what ``metrics.json`` records of the run (the run folder adds its own).
        valid_predictions: int64 (N_valid,) the model's classes on the validation split.
        test_probabilities: float32 (N_test, 10) on the test split: predicted once, here,
            and read by the run folder, the report and the lessons.
        run_dir: the run folder, once a :class:`~tfdojo.training.callbacks.RunFolder` wrote it.
    """

    cfg: TrainConfig
    data: Any
    model: Any
    history: list[dict[str, Any]]
    state: TrainState
    stopped_early: bool
    metrics: dict[str, Any]
    valid_predictions: np.ndarray | None = None
    test_probabilities: np.ndarray | None = None
    run_dir: Path | None = None

    @property
    def test_predictions(self) -> np.ndarray:
        """int64 (N_test,): the class of each test image, 0..9 = A..J."""
        return self.test_probabilities.argmax(axis=1)


class Callback:
    """Something done around the loop; override the moments it needs (each does nothing)."""

    def on_train_begin(self, training: Training) -> None:
        """Before the first epoch (also of a resumed run)."""

    def on_epoch_begin(self, training: Training, epoch: int) -> None:
        """Before epoch ``epoch`` (0-based) draws its batches."""

    def on_steps_end(self, training: Training, seen: int, loss_sum: float, correct: int) -> None:
        """After each call of the engine's steps: the epoch's sums so far."""

    def on_epoch_end(self, training: Training, row: dict[str, Any]) -> None:
        """After each epoch, once ``training.state`` and ``training.history`` include it."""

    def on_train_end(self, training: Training, result: FitResult) -> None:
        """Once the model is trained and scored."""


def fit(
    cfg: TrainConfig,
    data,
    engine: Engine,
    callbacks: list[Callback] | tuple[Callback, ...] = (),
    state: TrainState | None = None,
    history: list[dict[str, Any]] | None = None,
    score: bool = True,
    record: dict[str, Any] | None = None,
) -> FitResult:
    """Train ``engine`` on ``data.train`` until ``cfg.epochs`` or a callback stops it.

    Args:
        cfg: the run's config (its schedule, seed and epochs).
        data: a :class:`tfdojo.data.Dataset`.
        engine: an :class:`~tfdojo.engines.Engine` made for ``cfg`` and ``data.train``.
        callbacks: called in order at each moment (:class:`Callback`).
        state, history: where a resumed run stands (the engine restored to it).
        score: score the trained model on the validation and test splits (a multi-worker
            run's other workers do not).
        record: more fields for ``metrics`` (``threads``, ...).

    Raises:
        TfdojoError: the loss became NaN or inf (the message names the step and the
            learning rate).
    """
    training = Training(cfg, data, engine, state or TrainState(), list(history or []))
    for cb in callbacks:
        cb.on_train_begin(training)
    while training.state.epoch < cfg.epochs and not training.stop:
        row = _epoch(training, callbacks)
        for cb in callbacks:
            cb.on_epoch_end(training, row)

    if cfg.restore_best and training.history:
        engine.restore_best()
    model = engine.final_model()
    stopped = training.stop and len(training.history) < cfg.epochs
    metrics = {
        **engine.describe(),
        "precision": cfg.precision,
        **(record or {}),
        **history_summary(training.history, cfg.epochs, stopped),
        "best_epoch": training.state.best_epoch,
    }
    result = FitResult(cfg, data, model, training.history, training.state, stopped, metrics)
    if score:
        result.valid_predictions = model.predict(data.valid.images)
        result.test_probabilities = model.predict_proba(data.test.images)
        valid = accuracy_summary(data.valid.labels, result.valid_predictions)
        test = accuracy_summary(data.test.labels, result.test_predictions)
        result.metrics = {
            "model": cfg.model.name,
            "model_kind": cfg.model.kind,
            "params": model.num_params,
            "seed": cfg.seed,
            "batch_size": cfg.batch_size,
            "train_n": len(data.train),
            **metrics,
            "valid_accuracy": valid["accuracy"],
            "valid_n": valid["n"],
            "test_accuracy": test["accuracy"],
            "test_n": test["n"],
            "test_correct": test["correct"],
            "test_ci95": test["ci95"],
            "test_per_class": test["per_class"],
        }
    for cb in callbacks:
        cb.on_train_end(training, result)
    return result


def _epoch(training: Training, callbacks) -> dict[str, Any]:
    """Train one epoch, validate, keep the best weights; the epoch's history row."""
    cfg, engine, state = training.cfg, training.engine, training.state
    epoch, n = state.epoch, len(training.data.train)
    for cb in callbacks:
        cb.on_epoch_begin(training, epoch)
    start = time.perf_counter()
    steps_per_epoch = n // cfg.batch_size
    batches = epoch_batches(cfg.seed, epoch, n, cfg.batch_size)  # (steps, B)
    steps = np.arange(epoch * steps_per_epoch, (epoch + 1) * steps_per_epoch)
    rates = learning_rates(cfg, steps, steps_per_epoch)  # (steps,)
    k = engine.steps_per_call
    loss_sum, correct, seen, step_seconds = 0.0, 0, 0, 0.0
    for i in range(0, steps_per_epoch, k):
        t = time.perf_counter()
        l, c = engine.train_steps(batches[i : i + k], rates[i : i + k])
        step_seconds += time.perf_counter() - t
        if not math.isfinite(l):
            first, last = steps[i] + 1, steps[min(i + k, steps_per_epoch) - 1] + 1
            where = f"step {first}" if first == last else f"steps {first}..{last}"
            raise TfdojoError(
                f"training diverged: the loss became {l} in epoch {epoch + 1} ({where}) "
                f"at learning rate lr={float(rates[i]):.4g}; try a smaller --set lr=..."
            )
        loss_sum, correct = loss_sum + l, correct + c
        seen += len(batches[i : i + k]) * cfg.batch_size
        for cb in callbacks:
            cb.on_steps_end(training, seen, loss_sum, correct)
    valid_loss, valid_acc = engine.evaluate(training.data.valid.images, training.data.valid.labels)
    if not math.isfinite(valid_loss):
        raise TfdojoError(
            f"training diverged: the validation loss became {valid_loss} after epoch "
            f"{epoch + 1} (training loss {loss_sum / seen:.4g}) at learning rate "
            f"lr={float(rates[-1]):.4g}; try a smaller --set lr=..."
        )
    row = history_row(
        epoch + 1,
        loss_sum,
        correct,
        seen,
        (valid_loss, valid_acc),
        float(rates[-1]),
        step_seconds,
        time.perf_counter() - start,
    )
    training.history.append(row)
    if valid_acc > state.best_accuracy:
        state.best_accuracy, state.best_epoch = valid_acc, epoch + 1
        engine.take_best()
    state.epoch = epoch + 1
    return row
