"""Train a model on notMNIST: the run loop, the same for the TensorFlow and NumPy engines.

::

    from tfdojo.training import run as train
    cfg = train.make_config("mlp", sets=["epochs=3"])
    metrics, run_dir = train.run(cfg, out="runs/mlp")       # builds the data if missing
    metrics = train.resume("runs/mlp", epochs=5)            # two more epochs

Each epoch: a fresh shuffle of the training set (:func:`tfdojo.training.settings.epoch_batches`),
the engine's steps on it (:class:`tfdojo.engines.tensorflow_engine.Trainer` or
:class:`tfdojo.engines.numpy_engine.Trainer`), then validation, the history row, the best
epoch's weights, a checkpoint, and early stopping. At the end: the best weights
restored, the model tested and saved (:func:`tfdojo.runs.finish`), the report written
(:func:`tfdojo.results.report.write_report`).
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import runs
from tfdojo.core.errors import TfdojoError
from tfdojo.core.text import plural
from tfdojo.core.typed_config import replace, to_dict
from tfdojo.training.settings import (
    TrainConfig,
    auto_steps_per_call,
    default_config,
    epoch_batches,
    from_saved,
    learning_rates,
    make_config,
    patience_exhausted,
)
from tfdojo.training.tensorboard import write_summaries

__all__ = ["TrainConfig", "default_config", "make_config", "resume", "run", "train"]


def train(
    cfg: TrainConfig,
    data,
    run_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
    strategy=None,
    threads: int | None = None,
    model_class=None,
) -> dict[str, Any]:
    """Train ``cfg`` on ``data.train``, validate each epoch, test, save; return the metrics.

    Writes ``run_dir/config.json`` (resolved ``cfg``), ``history.json`` (each epoch),
    ``ckpt/`` (each epoch), ``tensorboard/``, ``weights.npz``, ``model/`` (a SavedModel),
    ``metrics.json`` and ``report/``.

    Args:
        cfg: the config; ``cfg.engine`` picks the engine.
        data: a :class:`tfdojo.data.Dataset`.
        run_dir: the run folder; must be new (or empty) unless ``resume``.
        resume: continue from the last checkpoint of ``run_dir`` with its saved config.
        progress: a progress bar on a terminal, and one line per epoch.
        strategy: where to train (:class:`tfdojo.engines.replicated.StrategyConfig`); ``None``
            is one device. With several replicas ``cfg.batch_size`` is the global batch.
            Only the chief writes ``run_dir``; the other workers return a short summary.
        threads: TensorFlow's intra- and inter-op threads (default: ``--threads``, every core).
        model_class: for a learner's model (``cfg.model.source``), its class, loaded from
            the path the user gave (:func:`tfdojo.models.learner.load_class`).

    Raises:
        TfdojoError: the loss became NaN/inf (the message names the learning rate),
            a corrupt checkpoint, a ``run_dir`` that does not fit ``resume``, or a
            worker lost in a multi-worker run.
    """
    from tfdojo.core.precision import resolve_precision
    from tfdojo.core.tf_setup import configure_tensorflow
    from tfdojo.core.threads import threads as threads_in_force

    threads = threads or threads_in_force()
    tf = configure_tensorflow(threads)  # before anything imports TensorFlow
    from tfdojo.engines.replicated import strategy as distribute

    run_dir = Path(run_dir)
    if cfg.engine == "numpy" and strategy is not None and strategy.kind != "none":
        raise TfdojoError(f"--strategy {strategy.kind}: only with --engine tensorflow")
    if cfg.engine == "numpy" and cfg.model.source:
        raise TfdojoError("--engine numpy: trains tfdojo's own models, not a model of your file")
    precision, why = resolve_precision(cfg.precision, cfg.engine, cfg.model.kind)
    cfg = replace(cfg, {"precision": precision}, where="precision")  # saved: what auto chose
    if progress:
        line = f"{cfg.model.name}: training in {precision} ({why}), {plural(threads, 'thread')}"
        print(line, flush=True)
    dist = distribute.start(strategy)  # before any op: it may configure the devices
    with contextlib.ExitStack() as held:
        held.callback(dist.close)  # on every path: a worker's signal guard and temporary folder
        if cfg.deterministic:
            tf.config.experimental.enable_op_determinism()
        if dist.is_chief:
            held.enter_context(runs.lock(run_dir))  # no other process writes it meanwhile
            runs.start(run_dir, {**to_dict(cfg), "data": runs.data_record(data)}, resume=resume)
        if cfg.engine == "numpy":
            from tfdojo.engines.numpy_engine import Trainer

            engine, k = Trainer(cfg, data.train.images, data.train.labels), 1
        else:
            engine = dist.make_trainer(cfg, data.train.images, data.train.labels, model_class)
            k = auto_steps_per_call(cfg)

        history: list[dict[str, Any]] = []
        state = {"epoch": 0, "best_accuracy": -1.0, "best_epoch": 0}
        if resume:  # every worker restores the chief's checkpoint
            restored = engine.restore(run_dir / "ckpt")
            if restored is not None:
                state = restored
                history = runs.read_history(run_dir)[: state["epoch"]]
        if dist.is_chief:
            writer = tf.summary.create_file_writer(str(run_dir / "tensorboard"))
            held.callback(writer.close)
        else:
            writer = None
        _epochs(cfg, data, engine, k, state, history, run_dir, dist, writer, progress)

        if cfg.restore_best and history:
            engine.restore_best()
        model = engine.final_model()
        dist.dump_weights(model)
        stopped_early = patience_exhausted(cfg, state["epoch"], state["best_epoch"])
        summary = {
            "engine": engine.engine,
            "precision": precision,
            "threads": threads,
            **runs.history_summary(history, cfg.epochs, stopped_early),
            "best_epoch": state["best_epoch"],
            "steps_per_call": k,
            **dist.summary(),
        }
        if not dist.is_chief:
            return {"chief": False, "worker": dist.worker, "model": cfg.model.name, **summary}
        metrics = runs.finish(run_dir, model, cfg, data, summary)
        from tfdojo.results.report import write_report

        write_report(run_dir, model=model)  # the model in hand: nothing is imported again
        return metrics


def _epochs(cfg, data, engine, k, state, history, run_dir, dist, writer, progress) -> None:
    """Train epoch after epoch until ``cfg.epochs`` or early stopping; updates ``state``."""
    n = len(data.train)
    steps_per_epoch = n // cfg.batch_size
    epoch = state["epoch"]
    while epoch < cfg.epochs and not patience_exhausted(cfg, epoch, state["best_epoch"]):
        start = time.perf_counter()
        batches = epoch_batches(cfg.seed, epoch, n, cfg.batch_size)  # (steps, B)
        steps = np.arange(epoch * steps_per_epoch, (epoch + 1) * steps_per_epoch)
        rates = learning_rates(cfg, steps, steps_per_epoch)  # (steps,)
        loss_sum, correct, seen, step_seconds = 0.0, 0, 0, 0.0
        bar = progress_bar(progress, epoch, cfg.epochs, steps_per_epoch * cfg.batch_size)
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
            if bar is not None:
                bar.update(len(batches[i : i + k]) * cfg.batch_size)
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")
        if bar is not None:
            bar.close()
        valid_loss, valid_acc = engine.evaluate(data.valid.images, data.valid.labels)
        if not math.isfinite(valid_loss):
            raise TfdojoError(
                f"training diverged: the validation loss became {valid_loss} after epoch "
                f"{epoch + 1} (training loss {loss_sum / seen:.4g}) at learning rate "
                f"lr={float(rates[-1]):.4g}; try a smaller --set lr=..."
            )
        epoch += 1
        row = runs.history_row(
            epoch,
            loss_sum,
            correct,
            seen,
            (valid_loss, valid_acc),
            float(rates[-1]),
            step_seconds,
            time.perf_counter() - start,
        )
        history.append(row)
        if valid_acc > state["best_accuracy"]:
            state.update(best_accuracy=valid_acc, best_epoch=epoch)
            engine.take_best()
        state["epoch"] = epoch
        if dist.is_chief:
            write_summaries(writer, row, engine.model.get_weights())
            runs.write_history(run_dir, history)
        engine.save(dist.checkpoint_dir(run_dir), state)  # every worker: the chief's in run_dir
        if progress:
            print(epoch_line(row, cfg.epochs), flush=True)


# -- the run, from the command line or a notebook ---------------------------------------------


def run(
    cfg: TrainConfig,
    data=None,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = True,
    strategy=None,
    threads: int | None = None,
    log=print,
    model_class=None,
) -> tuple[dict[str, Any], Path]:
    """Train ``cfg`` into a new run folder; return ``(metrics, run folder)``.

    Args:
        data: a dataset folder or :class:`~tfdojo.data.Dataset`; ``None``: the default
            dataset, built from this machine's fonts if missing.
        out: the run folder (default ``runs/<model>-<date>-<time>``).
        overwrite: replace ``out`` if it holds an earlier run (never another folder).
        strategy, threads, progress, model_class: as :func:`train`.
        log: where the "building the data" message goes.
    """
    from tfdojo.engines.replicated.cluster import resolve_cluster

    cluster = resolve_cluster(strategy) if strategy is not None else None  # checked first
    out = Path(out) if out is not None else default_run_dir(cfg)
    if cluster is None or cluster.is_chief:  # the other workers never write the run folder
        runs.prepare(out, overwrite=overwrite)
    data = load_data(data, log, threads)
    metrics = train(cfg, data, out, False, progress, strategy, threads, model_class)
    return metrics, out


def resume(
    run_dir: str | Path,
    data=None,
    progress: bool = True,
    strategy=None,
    threads: int | None = None,
    log=print,
    model_class=None,
    **changes: Any,
) -> dict[str, Any]:
    """Continue a run from its last checkpoint, with its saved config.

    Args:
        run_dir: the run folder.
        changes: new values of :data:`tfdojo.runs.RESUMABLE_KEYS` (``epochs=20``,
            ``patience=3``); ``None`` values are ignored.
        data, progress, strategy, threads, log, model_class: as :func:`run`.

    Raises:
        TfdojoError: not a run folder, or a change to another setting.
    """
    from tfdojo.engines.replicated.cluster import resolve_cluster

    run_dir = Path(run_dir)
    cluster = resolve_cluster(strategy) if strategy is not None else None
    if cluster is not None and not cluster.is_chief and not (run_dir / "config.json").exists():
        raise TfdojoError(
            f"--resume: {run_dir}/config.json not found on {cluster.name}; every worker "
            "reads the chief's run folder to resume (a shared folder, or a copy)"
        )
    runs.prepare(run_dir, resume=True)
    saved = runs.read_json(run_dir / "config.json", "config")
    cfg = from_saved(saved)
    recorded = saved.get("data") if isinstance(saved.get("data"), dict) else {}
    if data is None and "path" in recorded:  # the dataset it started on, not the default
        if recorded["path"] is None:
            raise TfdojoError(
                f"--resume: {run_dir} was trained on data held in memory; pass the same data "
                "(train.train(cfg, data, run_dir, resume=True))"
            )
        data = recorded["path"]
    changes = {k: v for k, v in changes.items() if v is not None}
    refused = sorted(set(changes) - set(runs.RESUMABLE_KEYS))
    if refused:
        raise TfdojoError(
            f"--resume continues with the run's saved config; only "
            f"{', '.join(runs.RESUMABLE_KEYS)} may change, received {', '.join(refused)}"
        )
    if changes:
        cfg = replace(cfg, changes, where="--resume")
    data = load_data(data, log, threads)
    return train(cfg, data, run_dir, True, progress, strategy, threads, model_class)


def default_run_dir(cfg: TrainConfig) -> Path:
    """``runs/<model>-<YYYYmmdd-HHMMSS>``."""
    return Path("runs") / f"{cfg.model.name}-{time.strftime('%Y%m%d-%H%M%S')}"


def load_data(data=None, log=print, threads: int | None = None):
    """A :class:`~tfdojo.data.Dataset` from ``data`` (a folder, or one already loaded);
    ``None``: the default dataset, built from this machine's fonts first (with ``threads``
    processes) if missing."""
    from tfdojo.data import dataset

    if data is not None and not isinstance(data, str | Path):
        return data
    if data is None and not dataset.exists():
        from tfdojo.core.paths import default_data_dir
        from tfdojo.data.build import BuildConfig, build

        log(f"no dataset in {default_data_dir()} yet: building it from this machine's fonts")
        build(default_data_dir(), BuildConfig(), processes=threads)
    return dataset.load(data)


# -- what a run shows while it trains ---------------------------------------------------------


def progress_bar(enabled: bool, epoch: int, epochs: int, total: int):
    """A tqdm bar for one epoch, or None when disabled or stderr is not a terminal
    (a log file gets the one line per epoch instead of thousands of bar updates)."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=f"epoch {epoch + 1}/{epochs}",
        unit="ex",
        unit_scale=True,
        leave=False,
        dynamic_ncols=True,
    )


def epoch_line(row: dict[str, Any], epochs: int) -> str:
    """The line printed after each epoch."""
    return (
        f"epoch {row['epoch']}/{epochs}: train loss {row['train_loss']:.4f} "
        f"acc {row['train_accuracy']:.4f} | valid loss {row['valid_loss']:.4f} "
        f"acc {row['valid_accuracy']:.4f} | lr {row['lr']:.3g} | "
        f"{row['examples_per_second']:,.0f} ex/s | {row['seconds']:.1f} s"
    )
