"""Train a model on notMNIST: minibatch SGD (momentum) or Adam, in a compiled TensorFlow loop.

::

    from tfdojo import train, data
    cfg = train.make_config("mlp", sets=["epochs=3"])
    metrics = train.train(cfg, data.load(), "runs/mlp")

One training step on a batch ``(X, y)`` of ``B`` images::

    loss = mean_i CE(softmax(f(X_i)), y_i) + weight_decay * sum_W ||W||^2 / 2
    g    = d loss / d theta                          (tf.GradientTape)
    SGD + momentum:  v <- momentum * v - lr * g;   theta <- theta + v
    Adam:            m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) g^2
                     theta <- theta - lr * m_hat / (sqrt(s_hat) + eps)

Speed: the training images stay uint8 in one tensor; each step gathers its batch
by index and scales it on the fly; ``steps_per_call`` steps run inside one
``tf.function`` call (a ``tf.range`` loop), so Python's per-step cost is paid once
per call. Determinism: the epoch's shuffle comes from ``(seed, epoch)`` and each
step's dropout mask from ``(seed, step)``, so a resumed run repeats exactly what
an uninterrupted one does, for the same seed and thread count.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tfdojo import config as config_lib
from tfdojo import models, runs
from tfdojo.errors import TfdojoError
from tfdojo.models import ModelConfig

if TYPE_CHECKING:
    from tfdojo.distribute import StrategyConfig

DEFAULT_MODEL = "cnn"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on; saved as ``RUN/config.json``.

    Attributes:
        model: the architecture (see :class:`tfdojo.models.ModelConfig`).
        engine: ``"tensorflow"`` (this module) or ``"numpy"`` (:mod:`tfdojo.scratch`).
        seed: seeds the initial weights, the shuffles and the dropout masks.
        epochs: passes over the training set.
        batch_size: images per step ``B``.
        optimizer: ``"sgd"`` (with ``momentum``; 0 is plain SGD) or ``"adam"``.
        lr: the learning rate at the start (> 0).
        momentum: SGD's momentum ``mu`` in [0, 1).
        lr_schedule: ``constant``; ``exponential``: ``lr * lr_decay ** (epoch / lr_decay_epochs)``
            (smooth, per step); ``step``: ``lr * lr_decay ** floor(epoch / lr_decay_epochs)``;
            ``cosine``: ``lr * (1 + cos(pi * t / T)) / 2`` over the whole run.
        lr_decay: the factor of ``exponential`` and ``step`` schedules, in (0, 1].
        lr_decay_epochs: epochs per decay factor.
        weight_decay: L2 coefficient ``lambda`` (on weights, not biases).
        dropout: probability of dropping each hidden dense unit while training.
        patience: early stopping: stop after this many epochs without a better
            validation accuracy (0: never stop early).
        restore_best: export the weights of the epoch with the best validation accuracy.
        steps_per_call: training steps per compiled call; 0 picks from the model's size.
        eval_batch_size: images per step when evaluating.
        deterministic: ``tf.config.experimental.enable_op_determinism()``.
    """

    model: ModelConfig = dataclasses.field(default_factory=lambda: models.get(DEFAULT_MODEL).model)
    engine: Literal["tensorflow", "numpy"] = "tensorflow"
    seed: int = 0
    epochs: int = 10
    batch_size: int = 128
    optimizer: Literal["sgd", "adam"] = "sgd"
    lr: float = 0.05
    momentum: float = 0.9
    lr_schedule: Literal["constant", "exponential", "step", "cosine"] = "cosine"
    lr_decay: float = 0.5
    lr_decay_epochs: float = 1.0
    weight_decay: float = 0.0
    dropout: float = 0.0
    patience: int = 0
    restore_best: bool = True
    steps_per_call: int = 0
    eval_batch_size: int = 1000
    deterministic: bool = True

    def validate(self) -> None:
        """Refuse values no run can use (called on every override)."""
        checks = [
            (self.lr > 0 and math.isfinite(self.lr), "lr", "a number > 0", self.lr),
            (self.epochs >= 1, "epochs", "a whole number >= 1", self.epochs),
            (self.batch_size >= 1, "batch_size", "a whole number >= 1", self.batch_size),
            (0 <= self.momentum < 1, "momentum", "a number in [0, 1)", self.momentum),
            (0 < self.lr_decay <= 1, "lr_decay", "a number in (0, 1]", self.lr_decay),
            (self.lr_decay_epochs > 0, "lr_decay_epochs", "a number > 0", self.lr_decay_epochs),
            (self.weight_decay >= 0, "weight_decay", "a number >= 0", self.weight_decay),
            (0 <= self.dropout < 1, "dropout", "a number in [0, 1)", self.dropout),
            (self.patience >= 0, "patience", "a whole number >= 0", self.patience),
            (
                self.steps_per_call >= 0,
                "steps_per_call",
                "a whole number >= 0",
                self.steps_per_call,
            ),
            (
                self.eval_batch_size >= 1,
                "eval_batch_size",
                "a whole number >= 1",
                self.eval_batch_size,
            ),
        ]
        for ok, key, expected, value in checks:
            if not ok:
                raise TfdojoError(f"{key}: expected {expected}, received {value!r}")


def default_config(model: str = DEFAULT_MODEL) -> TrainConfig:
    """The preset's architecture and its tuned training settings (see :mod:`tfdojo.models`)."""
    preset = models.get(model)
    return config_lib.replace(
        TrainConfig(model=preset.model), preset.train, where=f"preset {model}"
    )


def make_config(
    model: str | None = None,
    toml_path: str | Path | None = None,
    sets: list[str] | None = None,
    **overrides: Any,
) -> TrainConfig:
    """Defaults of the chosen model, then the TOML file, then ``--set``, then ``overrides``.

    The model is ``model`` if given, else ``model.name`` from ``--set`` or the TOML
    file, else ``cnn``. ``overrides`` with value ``None`` are ignored (unset CLI flags).
    """
    name = model
    if name is None:
        name = config_lib.parse_sets(sets).get("model.name")
    if name is None and toml_path:
        name = config_lib.read_toml(toml_path).get("model", {}).get("name")
    cfg = config_lib.layered(default_config(name or DEFAULT_MODEL), toml_path, sets)
    given = {k: v for k, v in overrides.items() if v is not None}
    return config_lib.replace(cfg, given, where="option") if given else cfg


# -- the learning rate ----------------------------------------------------------------------


def learning_rates(cfg: TrainConfig, steps: np.ndarray, steps_per_epoch: int) -> np.ndarray:
    """The learning rate at each global step in ``steps`` (float32), per ``cfg.lr_schedule``.

    With ``e = step / steps_per_epoch`` (epochs done, fractional) and ``E = cfg.epochs``::

        constant:     lr
        exponential:  lr * decay ** (e / decay_epochs)
        step:         lr * decay ** floor(e / decay_epochs)
        cosine:       lr * (1 + cos(pi * e / E)) / 2
    """
    e = np.asarray(steps, np.float64) / steps_per_epoch
    if cfg.lr_schedule == "exponential":
        rate = cfg.lr * cfg.lr_decay ** (e / cfg.lr_decay_epochs)
    elif cfg.lr_schedule == "step":
        rate = cfg.lr * cfg.lr_decay ** np.floor(e / cfg.lr_decay_epochs)
    elif cfg.lr_schedule == "cosine":
        rate = cfg.lr * 0.5 * (1 + np.cos(np.pi * np.minimum(e, cfg.epochs) / cfg.epochs))
    else:
        rate = np.full_like(e, cfg.lr)
    return rate.astype(np.float32)


def auto_steps_per_call(cfg: TrainConfig) -> int:
    """Steps per compiled call: ~1e10 FLOPs of work per call, between 1 and 200.

    Tiny models (logistic: ~50 MFLOP a step) pay mostly Python and dispatch
    overhead per call, so they run many steps per call; big ones need few.
    """
    if cfg.steps_per_call:
        return cfg.steps_per_call
    from tfdojo.shapes import forward_flops

    step_flops = 3 * forward_flops(cfg.model) * cfg.batch_size
    return int(np.clip(1e10 // max(step_flops, 1), 1, 200))


def epoch_batches(seed: int, epoch: int, n: int, batch_size: int) -> np.ndarray:
    """Indices int32 (steps, B) of epoch ``epoch``'s batches: a fresh shuffle, last partial dropped.

    The shuffle depends only on ``(seed, epoch)``, so resuming at any epoch repeats it.
    """
    steps = n // batch_size
    if steps == 0:
        raise TfdojoError(
            f"batch_size: expected at most the {n} training images, received {batch_size}"
        )
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return order[: steps * batch_size].reshape(steps, batch_size).astype(np.int32)


# -- the compiled pieces ----------------------------------------------------------------------


def make_optimizer(cfg: TrainConfig, variables):
    """SGD with momentum or Adam over ``variables``, as a ``tf.Module`` (its slots checkpoint)."""
    import tensorflow as tf

    class SGD(tf.Module):
        """``v <- mu v - lr g;  theta <- theta + v`` (plain SGD when ``mu = 0``)."""

        def __init__(self, momentum: float):
            super().__init__(name="sgd")
            self.momentum = momentum
            self.velocity = [tf.Variable(tf.zeros_like(v)) for v in variables] if momentum else []

        def apply(self, grads, lr):
            if not self.momentum:
                for v, g in zip(variables, grads):
                    v.assign_sub(lr * g)
                return
            for v, g, vel in zip(variables, grads, self.velocity):
                vel.assign(self.momentum * vel - lr * g)
                v.assign_add(vel)

    class Adam(tf.Module):
        """Adam (Kingma & Ba, 2015) with ``b1 = 0.9``, ``b2 = 0.999``, ``eps = 1e-7``."""

        b1, b2, eps = 0.9, 0.999, 1e-7

        def __init__(self):
            super().__init__(name="adam")
            self.t = tf.Variable(0.0)
            self.m = [tf.Variable(tf.zeros_like(v)) for v in variables]
            self.s = [tf.Variable(tf.zeros_like(v)) for v in variables]

        def apply(self, grads, lr):
            t = self.t.assign_add(1.0)
            # Bias corrections folded into the step size.
            step = lr * tf.sqrt(1 - self.b2**t) / (1 - self.b1**t)
            for v, g, m, s in zip(variables, grads, self.m, self.s):
                m.assign(self.b1 * m + (1 - self.b1) * g)
                s.assign(self.b2 * s + (1 - self.b2) * tf.square(g))
                v.assign_sub(step * m / (tf.sqrt(s) + self.eps))

    return Adam() if cfg.optimizer == "adam" else SGD(cfg.momentum)


class Trainer:
    """The compiled training and evaluation steps of one model on one training set."""

    def __init__(self, cfg: TrainConfig, model, images: np.ndarray, labels: np.ndarray):
        import tensorflow as tf

        from tfdojo.models.layers import normalize

        self.cfg = cfg
        self.model = model
        self.variables = list(model.named_variables().values())
        self.optimizer = make_optimizer(cfg, self.variables)
        self.step = tf.Variable(0, dtype=tf.int64, name="step")
        self.images = tf.constant(images)  # uint8 (N, 28, 28): 784 bytes an image
        self.labels = tf.constant(labels.astype(np.int32))  # (N,)
        seed = tf.constant(cfg.seed, tf.int64)

        def loss_fn(logits, y):
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
            return tf.reduce_mean(ce)  # mean over the batch of -log softmax(logits)[y]

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, None], tf.int32),  # (k, B) batch indices
                tf.TensorSpec([None], tf.float32),  # (k,) learning rate of each step
            ]
        )
        def train_steps(batches, rates):
            """Run ``k`` steps; return the summed loss (batch mean * B) and the correct count."""
            loss_sum = tf.constant(0.0)
            correct = tf.constant(0, tf.int64)
            for i in tf.range(tf.shape(batches)[0]):
                idx = batches[i]
                X = normalize(tf.gather(self.images, idx))  # (B, 28, 28) float32
                y = tf.gather(self.labels, idx)  # (B,)
                with tf.GradientTape() as tape:
                    logits = model(X, cfg.dropout, tf.stack([seed, self.step]))  # (B, 10)
                    loss = loss_fn(logits, y)
                    total = loss + cfg.weight_decay * model.l2_loss() if cfg.weight_decay else loss
                grads = tape.gradient(total, self.variables)
                self.optimizer.apply(grads, rates[i])
                self.step.assign_add(1)
                batch = tf.cast(tf.shape(idx)[0], tf.float32)
                loss_sum += loss * batch
                hits = tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y)
                correct += tf.reduce_sum(tf.cast(hits, tf.int64))
            return loss_sum, correct

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, 28, 28], tf.uint8),
                tf.TensorSpec([None], tf.int32),
            ]
        )
        def eval_batch(images, y):
            logits = model(normalize(images))
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
            hits = tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y)
            return tf.reduce_sum(ce), tf.reduce_sum(tf.cast(hits, tf.int64))

        self.train_steps = train_steps
        self.eval_batch = eval_batch

    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """Mean loss and accuracy of the model on uint8 ``images`` (N, 28, 28)."""
        loss, correct = 0.0, 0
        labels = labels.astype(np.int32)
        bs = self.cfg.eval_batch_size
        for i in range(0, len(images), bs):
            l, c = self.eval_batch(images[i : i + bs], labels[i : i + bs])
            loss += float(l)
            correct += int(c)
        n = max(len(images), 1)
        return loss / n, correct / n


class Snapshot:
    """A copy of a model's variables (the best epoch's), checkpointed with the run."""

    def __init__(self, model):
        import tensorflow as tf

        self.source = list(model.named_variables().values())
        self.module = tf.Module()
        self.module.values = [tf.Variable(v) for v in self.source]

    def take(self) -> None:
        for copy, v in zip(self.module.values, self.source):
            copy.assign(v)

    def restore(self) -> None:
        for copy, v in zip(self.module.values, self.source):
            v.assign(copy)


# -- the run ----------------------------------------------------------------------------------


def train(
    cfg: TrainConfig,
    data,
    run_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
    strategy: StrategyConfig | None = None,
) -> dict[str, Any]:
    """Train ``cfg`` on ``data.train``, validate each epoch, export, test; return the metrics.

    Writes ``run_dir/config.json`` (resolved ``cfg``), ``history.json`` (each epoch),
    ``ckpt/`` (each epoch), ``tensorboard/``, ``model/`` (a SavedModel) and
    ``metrics.json``, then ``tfdojo.report.write_report(run_dir)`` if that exists.

    Args:
        cfg: the config; ``cfg.engine`` must be ``"tensorflow"``.
        data: a :class:`tfdojo.data.Dataset`.
        run_dir: the run folder; must be new (or empty) unless ``resume``.
        resume: continue from the last checkpoint of ``run_dir`` with its saved config.
        progress: show a progress bar on stderr.
        strategy: where to train (:class:`tfdojo.distribute.StrategyConfig`); ``None``
            is one device. With several replicas ``cfg.batch_size`` is the global batch.
            Only the chief writes ``run_dir``; the other workers return a short summary.

    Raises:
        TfdojoError: the loss became NaN/inf (the message names the learning rate),
            a corrupt checkpoint, a ``run_dir`` that does not fit ``resume``, or a
            worker lost in a multi-worker run.
    """
    from tfdojo import distribute
    from tfdojo.runtime import configure_tensorflow, threads

    if cfg.engine != "tensorflow":
        raise TfdojoError(f"engine: tfdojo.train runs 'tensorflow', received {cfg.engine!r}")
    tf = configure_tensorflow()
    dist = distribute.start(strategy, tf)  # before any op: it may configure the devices
    if cfg.deterministic:
        tf.config.experimental.enable_op_determinism()
    run_dir = Path(run_dir)
    if dist.is_chief:
        runs.start(run_dir, config_lib.to_dict(cfg), resume=resume)

    with dist.scope():
        model = models.build(cfg.model, seed=cfg.seed)
        best = Snapshot(model)
    trainer = dist.make_trainer(cfg, model, data.train.images, data.train.labels)
    state = {
        "epoch": tf.Variable(0, dtype=tf.int64),
        "best_accuracy": tf.Variable(-1.0, dtype=tf.float64),
        "best_epoch": tf.Variable(0, dtype=tf.int64),
    }
    ckpt = tf.train.Checkpoint(
        model=model, optimizer=trainer.optimizer, step=trainer.step, best=best.module, **state
    )
    manager = tf.train.CheckpointManager(ckpt, str(dist.checkpoint_dir(run_dir)), max_to_keep=2)
    history: list[dict[str, Any]] = []
    latest = tf.train.latest_checkpoint(str(run_dir / "ckpt")) if resume else None
    if latest:  # every worker restores the chief's checkpoint
        runs.restore_checkpoint(ckpt, latest)
        history = runs.read_history(run_dir)[: int(state["epoch"].numpy())]

    n = len(data.train)
    steps_per_epoch = n // cfg.batch_size
    k = auto_steps_per_call(cfg)
    writer = tf.summary.create_file_writer(str(run_dir / "tensorboard")) if dist.is_chief else None
    epoch = int(state["epoch"].numpy())
    stopped_early = patience_exhausted(cfg, epoch, int(state["best_epoch"].numpy()))
    try:
        while epoch < cfg.epochs and not stopped_early:
            start = time.perf_counter()
            batches = epoch_batches(cfg.seed, epoch, n, cfg.batch_size)
            steps = np.arange(epoch * steps_per_epoch, (epoch + 1) * steps_per_epoch)
            rates = learning_rates(cfg, steps, steps_per_epoch)
            loss_sum, correct, seen, step_seconds = 0.0, 0, 0, 0.0
            bar = progress_bar(progress, epoch, cfg.epochs, steps_per_epoch * cfg.batch_size)
            for i in range(0, steps_per_epoch, k):
                t = time.perf_counter()
                l, c = trainer.train_steps(batches[i : i + k], rates[i : i + k])
                l, c = float(l), int(c)  # waits for the steps to finish
                step_seconds += time.perf_counter() - t
                if not math.isfinite(l):
                    raise TfdojoError(
                        f"training diverged: the loss became {l} in epoch {epoch + 1} "
                        f"(steps {epoch * steps_per_epoch + i + 1}.."
                        f"{epoch * steps_per_epoch + i + k}) "
                        f"at learning rate lr={float(rates[i]):.4g}; try a smaller --set lr=..."
                    )
                loss_sum, correct = loss_sum + l, correct + c
                seen += len(batches[i : i + k]) * cfg.batch_size
                if bar is not None:
                    bar.update(len(batches[i : i + k]) * cfg.batch_size)
                    bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")
            if bar is not None:
                bar.close()
            valid_loss, valid_acc = trainer.evaluate(data.valid.images, data.valid.labels)
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
            if valid_acc > state["best_accuracy"].numpy():
                state["best_accuracy"].assign(valid_acc)
                state["best_epoch"].assign(epoch)
                best.take()
            state["epoch"].assign(epoch)
            if dist.is_chief:
                write_summaries(tf, writer, row)
                runs.write_history(run_dir, history)
            manager.save(checkpoint_number=epoch)  # every worker: the chief's in run_dir
            if progress:
                print(epoch_line(row, cfg.epochs), flush=True)
            stopped_early = patience_exhausted(cfg, epoch, int(state["best_epoch"].numpy()))
    finally:
        if writer is not None:
            writer.close()
        dist.close()

    if cfg.restore_best and history:
        best.restore()
    dist.dump_weights(model)
    summary = {
        "engine": "tensorflow",
        "threads": threads(),
        **runs.history_summary(history, cfg.epochs, stopped_early),
        "best_epoch": int(state["best_epoch"].numpy()),
        "steps_per_call": k,
        **dist.summary(),
    }
    if not dist.is_chief:
        return {"chief": False, "worker": dist.worker, "model": cfg.model.name, **summary}
    if dist.strategy is not None:  # export a plain copy: no replicas needed to serve it
        plain = models.build(cfg.model, seed=cfg.seed)
        plain.set_weights(model.get_weights())
        model = plain
    return runs.finish(run_dir, model, cfg, data, history, summary)


def patience_exhausted(cfg: TrainConfig, epoch: int, best_epoch: int) -> bool:
    return bool(cfg.patience) and epoch - best_epoch >= cfg.patience


def progress_bar(enabled: bool, epoch: int, epochs: int, total: int):
    """A tqdm bar for one epoch, or None when disabled or stderr is not a terminal
    (a log file gets the one line per epoch instead of thousands of bar updates)."""
    import sys

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
    return (
        f"epoch {row['epoch']}/{epochs}: train loss {row['train_loss']:.4f} "
        f"acc {row['train_accuracy']:.4f} | valid loss {row['valid_loss']:.4f} "
        f"acc {row['valid_accuracy']:.4f} | lr {row['lr']:.3g} | "
        f"{row['examples_per_second']:,.0f} ex/s | {row['seconds']:.1f} s"
    )


def write_summaries(tf, writer, row: dict[str, Any]) -> None:
    """Per-epoch TensorBoard scalars: loss and accuracy (train/valid), learning rate, speed.

    Written with the core ``tf.summary.write`` and the scalar plugin's metadata, so
    TensorBoard shows them as scalars without tfdojo depending on the tensorboard package.
    """
    from tensorflow.core.framework import summary_pb2

    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = "scalars"  # TensorBoard's scalar plugin, data version 0
    values = {"lr": row["lr"], "examples_per_second": row["examples_per_second"]}
    for split in ("train", "valid"):
        values[f"loss/{split}"] = row[f"{split}_loss"]
        values[f"accuracy/{split}"] = row[f"{split}_accuracy"]
    with writer.as_default():
        for tag, value in values.items():
            tf.summary.write(tag, tf.constant(value, tf.float32), step=row["epoch"], metadata=meta)
    writer.flush()


def report_hook_available() -> bool:
    """Whether :mod:`tfdojo.report` (HTML/plots of a run) is installed."""
    return importlib.util.find_spec("tfdojo.report") is not None
