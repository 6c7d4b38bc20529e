"""Train a model with the NumPy engine: the TF trainer's loop, every gradient by hand.

``tfdojo train --engine numpy`` calls :func:`train`. It follows :func:`tfdojo.train.train`
step for step -- the same initial weights (same seed), the same shuffled batches
(:func:`tfdojo.train.epoch_batches`), the same learning-rate schedule
(:func:`tfdojo.train.learning_rates`), the same update rule and loss -- and writes the
same run folder through :mod:`tfdojo.runs`: ``config.json``, ``history.json``,
``metrics.json``, ``tensorboard/`` and ``model/``, a SavedModel made by putting the NumPy
weights into the TensorFlow model. ``evaluate``, ``predict`` and the reports cannot tell the
engines apart. Only ``ckpt/`` differs: ``ckpt/numpy.npz`` (arrays only, no pickle).

One step on a batch (X, y) of B images::

    loss = mean_i CE(softmax(f(X_i)), y_i) + weight_decay * sum_W ||W||^2 / 2
    g    = d loss / d theta                         (Model.backward: the chain rule)
    v <- momentum * v - lr * g;   theta <- theta + v
"""

from __future__ import annotations

import math
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import config as config_lib
from tfdojo import runs
from tfdojo.atomic import atomic_open
from tfdojo.errors import TfdojoError
from tfdojo.scratch import layers as L
from tfdojo.scratch.models import Model, normalize
from tfdojo.scratch.optim import make_optimizer

CHECKPOINT = "ckpt/numpy.npz"


def evaluate(model: Model, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000):
    """Mean cross-entropy and accuracy of ``model`` on uint8 ``images`` (N, 28, 28)."""
    loss, correct = 0.0, 0
    for i in range(0, len(images), batch_size):
        X = normalize(images[i : i + batch_size], model.dtype.type)  # (B, 28, 28)
        y = labels[i : i + batch_size].astype(np.int64)  # (B,)
        logits, _ = model.forward(X)  # (B, 10)
        ce, _ = L.softmax_cross_entropy_forward(logits, y)
        loss += ce * len(y)
        correct += int((logits.argmax(1) == y).sum())
    n = max(len(images), 1)
    return loss / n, correct / n


def save_checkpoint(run_dir: Path, model: Model, optimizer, best: dict, state: dict) -> Path:
    """``RUN/ckpt/numpy.npz``: weights, optimiser slots, the best weights and the counters."""
    arrays = {f"params/{k}": v for k, v in model.params.items()}
    arrays.update({f"opt/{k}": v for k, v in optimizer.state().items()})
    arrays.update({f"best/{k}": v for k, v in best.items()})
    arrays.update({k: np.array(v) for k, v in state.items()})
    path = run_dir / CHECKPOINT
    with atomic_open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def load_checkpoint(run_dir: Path, model: Model, optimizer, best: dict) -> dict:
    """Restore what :func:`save_checkpoint` wrote; returns the counters.

    Raises:
        TfdojoError: a missing, corrupt or mismatched checkpoint.
    """
    path = run_dir / CHECKPOINT
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        model.set_weights({k: arrays[f"params/{k}"] for k in model.params})
        optimizer.load_state({k[4:]: v for k, v in arrays.items() if k.startswith("opt/")})
        for k in best:
            best[k] = arrays[f"best/{k}"]
        return {k: arrays[k].item() for k in ("epoch", "best_accuracy", "best_epoch")}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, TfdojoError) as exc:
        raise TfdojoError(
            f"{path}: checkpoint is corrupt or does not fit this model ({str(exc)[:200]}); "
            "start again with --overwrite"
        ) from None


def train(
    cfg, data, run_dir: str | Path, resume: bool = False, progress: bool = True
) -> dict[str, Any]:
    """Train ``cfg`` (``cfg.engine == "numpy"``) on ``data.train``; export, test, return metrics.

    Same arguments, outputs and errors as :func:`tfdojo.train.train`.

    Raises:
        TfdojoError: the loss became NaN/inf (the message names the learning rate), a
            corrupt checkpoint, or a ``run_dir`` that does not fit ``resume``.
    """
    from tfdojo.runtime import threads
    from tfdojo.train import (
        epoch_batches,
        epoch_line,
        learning_rates,
        patience_exhausted,
        progress_bar,
    )

    if cfg.engine != "numpy":
        raise TfdojoError(f"engine: tfdojo.scratch.train runs 'numpy', received {cfg.engine!r}")
    run_dir = Path(run_dir)
    runs.start(run_dir, config_lib.to_dict(cfg), resume=resume)

    model = Model(cfg.model, seed=cfg.seed)  # float32, the TF model's initial weights
    optimizer = make_optimizer(cfg.optimizer, model.params, cfg.momentum)
    best = model.get_weights()
    state = {"epoch": 0, "best_accuracy": -1.0, "best_epoch": 0}
    history: list[dict[str, Any]] = []
    if resume and (run_dir / CHECKPOINT).exists():
        state = load_checkpoint(run_dir, model, optimizer, best)
        history = runs.read_history(run_dir)[: state["epoch"]]

    images, labels = data.train.images, data.train.labels.astype(np.int64)
    n = len(images)
    steps_per_epoch = n // cfg.batch_size
    epoch = state["epoch"]
    stopped_early = patience_exhausted(cfg, epoch, state["best_epoch"])
    while epoch < cfg.epochs and not stopped_early:
        start = time.perf_counter()
        batches = epoch_batches(cfg.seed, epoch, n, cfg.batch_size)  # (steps, B)
        steps = np.arange(epoch * steps_per_epoch, (epoch + 1) * steps_per_epoch)
        rates = learning_rates(cfg, steps, steps_per_epoch)  # (steps,)
        loss_sum, correct, seen, step_seconds = 0.0, 0, 0, 0.0
        bar = progress_bar(progress, epoch, cfg.epochs, steps_per_epoch * cfg.batch_size)
        for i, idx in enumerate(batches):
            t = time.perf_counter()
            X = normalize(images[idx])  # (B, 28, 28) float32 in [-0.5, 0.5]
            y = labels[idx]  # (B,)
            rng = np.random.default_rng([cfg.seed, int(steps[i])]) if cfg.dropout else None
            with np.errstate(over="ignore", invalid="ignore"):  # a non-finite loss is caught below
                total, grads, logits = model.loss_and_grads(
                    X, y, cfg.weight_decay, cfg.dropout, rng
                )
            if not math.isfinite(total):
                raise TfdojoError(
                    f"training diverged: the loss became {total} in epoch {epoch + 1} "
                    f"(step {int(steps[i]) + 1}) at learning rate lr={float(rates[i]):.4g}; "
                    "try a smaller --set lr=..."
                )
            optimizer.step(model.params, grads, float(rates[i]))
            step_seconds += time.perf_counter() - t
            ce = total  # reported without the L2 term, as the TF engine
            if cfg.weight_decay:
                ce, _ = L.softmax_cross_entropy_forward(logits, y)
            loss_sum += ce * len(y)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
            if bar is not None:
                bar.update(len(y))
                if i % 20 == 0:
                    bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")
        if bar is not None:
            bar.close()
        valid_loss, valid_acc = evaluate(
            model, data.valid.images, data.valid.labels, cfg.eval_batch_size
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
            best = model.get_weights()
        state["epoch"] = epoch
        runs.write_history(run_dir, history)
        save_checkpoint(run_dir, model, optimizer, best, state)
        if progress:
            print(epoch_line(row, cfg.epochs), flush=True)
        stopped_early = patience_exhausted(cfg, epoch, state["best_epoch"])

    if cfg.restore_best and history:
        model.set_weights(best)
    summary = {
        "engine": "numpy",
        "threads": threads(),
        **runs.history_summary(history, cfg.epochs, stopped_early),
        "best_epoch": state["best_epoch"],
        "steps_per_call": 1,
    }
    write_tensorboard(run_dir, history)
    return runs.finish(run_dir, to_tensorflow(model, cfg), cfg, data, history, summary)


def to_tensorflow(model: Model, cfg) -> Any:
    """The TF model of ``cfg.model`` holding ``model``'s weights, for export and evaluation."""
    from tfdojo import models
    from tfdojo.runtime import configure_tensorflow

    configure_tensorflow()
    tf_model = models.build(cfg.model, seed=cfg.seed)
    tf_model.set_weights(model.get_weights())
    return tf_model


def write_tensorboard(run_dir: Path, history: list[dict[str, Any]]) -> None:
    """The per-epoch TensorBoard scalars the TF engine writes, rewritten from ``history``.

    Written once, at the end (the training loop itself never imports TensorFlow).
    """
    import shutil

    from tfdojo.runtime import configure_tensorflow
    from tfdojo.train import write_summaries

    tf = configure_tensorflow()
    shutil.rmtree(run_dir / "tensorboard", ignore_errors=True)
    writer = tf.summary.create_file_writer(str(run_dir / "tensorboard"))
    for row in history:
        write_summaries(tf, writer, row)
    writer.close()
