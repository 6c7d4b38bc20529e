"""What a run does around its loop, one callback each: progress, checkpoints, early
stopping, the run folder. (TensorBoard's is :class:`tfdojo.training.tensorboard.TensorBoard`,
the report's :class:`tfdojo.results.report.WriteReport`.)

``tfdojo train`` passes them all (:func:`tfdojo.training.train.train`); a notebook may pass
only the ones it wants to :func:`tfdojo.training.loop.fit`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from tfdojo import __version__, runs
from tfdojo.core.atomic import write_json
from tfdojo.core.safe_write import inside, remove
from tfdojo.training.export import SAVEDMODEL
from tfdojo.training.loop import Callback, FitResult, Training
from tfdojo.training.settings import patience_exhausted


class ProgressBar(Callback):
    """A bar per epoch on a terminal (tqdm), and one line after each epoch.

    The bar shows only when stderr is a terminal: a log file gets the epoch lines instead of
    thousands of bar updates.
    """

    def __init__(self, bar: bool | None = None):
        self.bar_enabled = sys.stderr.isatty() if bar is None else bar
        self._bar = None

    def on_epoch_begin(self, training: Training, epoch: int) -> None:
        if not self.bar_enabled:
            return

        cfg = training.cfg
        total = len(training.data.train) // cfg.batch_size * cfg.batch_size
        self._bar = tqdm(
            total=total,
            desc=f"epoch {epoch + 1}/{cfg.epochs}",
            unit="ex",
            unit_scale=True,
            leave=False,
            dynamic_ncols=True,
        )

    def on_steps_end(self, training: Training, seen: int, loss_sum: float, correct: int) -> None:
        if self._bar is not None:
            self._bar.update(seen - self._bar.n)
            self._bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")

    def on_epoch_end(self, training: Training, row: dict[str, Any]) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        print(epoch_line(row, training.cfg.epochs, training.cfg.lr_schedule), flush=True)


COSINE_END = "cosine schedule: the rate decays to 0 by the last step"
"""Said beside the last epoch's rate under the cosine schedule (``lr 7.45e-08`` is no bug)."""


def epoch_line(row: dict[str, Any], epochs: int, schedule: str = "") -> str:
    """The line printed after each epoch; its last under the ``cosine`` ``schedule`` says
    why the rate is about 0 (:data:`COSINE_END`)."""
    lr = f"lr {row['lr']:.3g}"
    if schedule == "cosine" and row["epoch"] == epochs:
        lr += f" ({COSINE_END})"
    return (
        f"epoch {row['epoch']}/{epochs}: train loss {row['train_loss']:.4f} "
        f"acc {row['train_accuracy']:.4f} | valid loss {row['valid_loss']:.4f} "
        f"acc {row['valid_accuracy']:.4f} | {lr} | "
        f"{row['examples_per_second']:,.0f} ex/s | {row['seconds']:.1f} s"
    )


class Checkpoints(Callback):
    """After each epoch, the engine's checkpoint into ``folder`` (the last two kept), so that
    ``--resume`` continues from there."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def on_epoch_end(self, training: Training, row: dict[str, Any]) -> None:
        training.engine.save(self.folder, training.state)


class EarlyStopping(Callback):
    """Stop once ``cfg.patience`` epochs have passed without a better validation accuracy
    (``patience = 0``: never)."""

    def on_train_begin(self, training: Training) -> None:
        self._check(training)  # a resumed run may have run out of patience already

    def on_epoch_end(self, training: Training, row: dict[str, Any]) -> None:
        self._check(training)

    @staticmethod
    def _check(training: Training) -> None:
        state = training.state
        training.stop = training.stop or patience_exhausted(
            training.cfg, state.epoch, state.best_epoch
        )


class RunFolder(Callback):
    """The run folder (:mod:`tfdojo.runs`): ``config.json`` first, ``history.json`` after
    each epoch, and at the end ``weights.npz`` and ``metrics.json``. (A SavedModel for serving
    is made on demand by ``tfdojo export RUN --format savedmodel``: training no longer writes
    ``model/``; older runs may hold one.)

    Args:
        run_dir: the folder, prepared (:func:`tfdojo.runs.prepare`) and locked by the caller.
        config: the resolved config as a dict (``to_dict(cfg)``).
        resume: the run continues: ``config.json`` is checked against ``config``.
    """

    def __init__(self, run_dir: str | Path, config: dict[str, Any], resume: bool = False):
        self.run_dir = Path(run_dir)
        self.config = config
        self.resume = resume

    def on_train_begin(self, training: Training) -> None:
        record = {**self.config, "data": runs.data_record(training.data)}
        runs.start(self.run_dir, record, resume=self.resume)

    def on_epoch_end(self, training: Training, row: dict[str, Any]) -> None:
        runs.write_history(self.run_dir, training.history)

    def on_train_end(self, training: Training, result: FitResult) -> None:
        runs.save_weights(result.model, self.run_dir)
        stale = inside(self.run_dir, runs.SAVED_MODEL)  # an older run's, of earlier weights
        if self.resume and stale.exists():
            remove(stale, SAVEDMODEL)  # tfdojo export RUN --format savedmodel makes a new one
        data = training.data
        where = str(data.path) if getattr(data, "path", None) else None
        where = where or str(runs.save_test_split(self.run_dir, data.test))
        metrics = {"created_by": runs.CREATED_BY, "tfdojo_version": __version__}
        for key, value in result.metrics.items():
            metrics[key] = value
            if key == "train_n":
                metrics["data"] = where
        write_json(inside(self.run_dir, "metrics.json"), metrics)
        result.metrics, result.run_dir = metrics, self.run_dir
