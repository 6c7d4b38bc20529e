"""One training step in TensorFlow: forward, loss, gradients, update, and the fast loop around it.

Read it beside :mod:`tfdojo.engines.numpy_engine`, the same step in NumPy with every
gradient written by hand: both implement :class:`~tfdojo.engines.contract.Engine`, and
their optimisers share ``step(params, grads, lr)``. One step on a batch ``(X, y)`` of
``B`` images::

    loss = mean_i CE(softmax(f(X_i)), y_i) + weight_decay * sum_W ||W||^2 / 2
    g    = d loss / d theta                          (tf.GradientTape)
    theta <- optimizer(theta, g, lr)                 (tfdojo.engines.optimizers)

Mixed precision (``cfg.precision == "bfloat16"``): the step feeds the model bfloat16
inputs, so every layer computes its forward and backward pass in bfloat16 from the
float32 weights; the logits are cast back to float32 for the softmax and the loss, and
the gradients arrive in float32 for the float32 optimiser state.

Speed: the training images stay uint8 in one tensor; each step gathers its batch by
index and scales it on the fly; :meth:`TensorFlowEngine.train_steps` runs ``k`` steps
inside one ``tf.function`` call (a ``tf.range`` loop), so Python's per-step cost is paid
once per call. With ``cfg.jitter`` (:mod:`tfdojo.engines.jitter`) the call gathers and warps
its ``k`` batches at once: one kernel over ``k * B`` images uses every thread, where one per
step used one. Determinism: each step's dropout masks and jitter come from ``(seed, step)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.safe_read import check_folder
from tfdojo.engines import jitter
from tfdojo.engines.contract import Engine, TrainState
from tfdojo.engines.objective import cross_entropy_and_hits, objective
from tfdojo.engines.optimizers import make_optimizer
from tfdojo.models.layers import normalize
from tfdojo.models.shapes import forward_flops

MAX_CHECKPOINT_BYTES = 2 << 30
"""Largest checkpoint file restored: 2 GiB (a model at ModelConfig's 50 million parameters
holds 800 MB: its weights, the best weights and two Adam slots, float32)."""

WARP_IMAGES = 1 << 16
"""Most images a call warps at once (jitter): 65,536, 205 MB of float32 twice; beyond (large
``steps_per_call`` times ``batch_size``), each step warps its own batch."""

CALL_FLOPS = 1e10
"""Work per compiled call that :func:`auto_steps_per_call` aims for."""


def auto_steps_per_call(cfg) -> int:
    """Steps per compiled call: ``cfg.steps_per_call``, or ~1e10 FLOPs a call, 1 to 200.

    Tiny models (logistic: ~50 MFLOP a step) pay mostly Python and dispatch overhead per
    call, so they run many steps per call; big ones need few.
    """
    if cfg.steps_per_call:
        return cfg.steps_per_call
    if cfg.model.source:  # a learner's model: its cost is unknown
        return 10
    step_flops = 3 * forward_flops(cfg.model) * cfg.batch_size
    return int(np.clip(CALL_FLOPS // max(step_flops, 1), 1, 200))


class TensorFlowEngine(Engine):
    """The TensorFlow engine on one device: a model, its optimiser, its training images.

    Args:
        cfg: the run's :class:`tfdojo.training.settings.TrainConfig`.
        model: a :class:`tfdojo.models.base.Model` (its variables are trained in place).
        images: uint8 (N, 28, 28) training images; labels: (N,) 0..9.
    """

    name = "tensorflow"
    fused = True  # the optimiser's fused kernels (on plain variables)

    def __init__(self, cfg, model, images: np.ndarray, labels: np.ndarray):
        self.cfg = cfg
        self.model = model
        self.steps_per_call = auto_steps_per_call(cfg)
        # jitter: a call's k batches warped at once, k * B images held twice, WARP_IMAGES at most
        self.warp_at_once = self.steps_per_call * cfg.batch_size <= WARP_IMAGES
        self.params = model.named_variables()  # {"conv1.w": Variable, ...}
        self.optimizer = make_optimizer(cfg.optimizer, self.params, cfg.momentum, self.fused)
        self.step = tf.Variable(0, dtype=tf.int64, name="step")
        self.images = tf.constant(images)  # uint8 (N, 28, 28): 784 bytes an image
        self.labels = tf.constant(labels.astype(np.int32))  # (N,)
        self.seed = tf.constant(cfg.seed, tf.int64)
        self.compute_dtype = tf.bfloat16 if cfg.precision == "bfloat16" else tf.float32
        self.best = [tf.Variable(v) for v in self.params.values()]  # the best epoch's weights
        self._steps = tf.function(
            self._run_steps,
            input_signature=[
                tf.TensorSpec([None, None], tf.int32),  # (k, B) batch indices
                tf.TensorSpec([None], tf.float32),  # (k,) learning rate of each step
            ],
        )
        self._eval = tf.function(
            self._eval_batch,
            input_signature=[
                tf.TensorSpec([None, 28, 28], tf.uint8),
                tf.TensorSpec([None], tf.int32),
            ],
        )
        self._checkpoint: tf.train.Checkpoint | None = None
        self._managers: dict[str, tf.train.CheckpointManager] = {}
        if cfg.model.source:  # a learner's model: a mistake shows here, eagerly, in one line
            X, _ = self.inputs(tf.range(min(2, len(labels))))
            self.logits(X, tf.constant([cfg.seed, 0], tf.int64))

    # -- one step ------------------------------------------------------------------------
    def inputs(self, idx, first_step=None, stream=0):
        """The training images at indices ``idx``, scaled, jittered, in the compute precision,
        and their labels.

        Args:
            idx: int32 (B,) one step's indices, or (k, B) those of ``k`` steps from
                ``first_step`` on (default: the step about to be taken).
            stream: folded into the jitter's seed (a replica's id: each its own draws).

        Returns:
            ``X`` (B, 28, 28) or (k, B, 28, 28), ``y`` int32 (B,) or (k, B).
        """
        X = normalize(tf.gather(self.images, idx))  # (..., B, 28, 28) float32
        if self.cfg.jitter:
            X = self.jittered(X, self.step if first_step is None else first_step, stream)
        return tf.cast(X, self.compute_dtype), tf.gather(self.labels, idx)

    def jittered(self, X, first_step, stream=0):
        """``X`` (B, 28, 28) or (k, B, 28, 28) warped by :mod:`~tfdojo.engines.jitter`, step
        ``first_step + i``'s numbers drawn from ``(seed, first_step + i)`` and ``stream``."""
        grid = X[None] if X.shape.rank == 3 else X  # (k, B, 28, 28), k = 1 for one step
        k, b = tf.shape(grid)[0], tf.shape(grid)[1]
        step_ids = tf.cast(first_step, tf.int64) + tf.range(tf.cast(k, tf.int64))
        fold = tf.random.experimental.stateless_fold_in

        def draw(step):  # one step's u (B, 5): from (seed, step), the salt, the stream
            seed = fold(fold(tf.stack([self.seed, step]), jitter.SALT), stream)
            return tf.random.stateless_uniform([b, 5], seed, -1.0, 1.0)

        u = tf.map_fn(draw, step_ids, fn_output_signature=tf.float32)  # (k, B, 5)
        warped = jitter.warp_tf(
            tf.reshape(grid, [-1, 28, 28]), tf.reshape(u, [-1, 5]), self.cfg.jitter
        )
        return tf.reshape(warped, tf.shape(X))

    def logits(self, X, seed):
        """The model's scores float32 (B, 10) of ``X``, dropout masks drawn from ``seed``."""
        return tf.cast(self.model(X, self.cfg.dropout, seed), tf.float32)

    def train_step(self, X, y, lr):
        """One step on a batch: forward, loss, gradients, update.

        Args:
            X: (B, 28, 28) images in [-0.5, 0.5] (float32 or bfloat16); y: int32 (B,)
                classes; lr: scalar.

        Returns:
            ``(cross-entropy summed over the batch, correct predictions)`` (no L2).
        """
        with tf.GradientTape() as tape:
            logits = self.logits(X, tf.stack([self.seed, self.step]))  # (B, 10)
            loss, ce_sum, hits = objective(self.model, logits, y, self.cfg.weight_decay)
        grads = tape.gradient(loss, self.params)  # {name: d loss / d param}
        self.optimizer.step(self.params, grads, lr)
        self.step.assign_add(1)
        return ce_sum, hits

    def batch_step(self, idx, lr):
        """:meth:`train_step` on the training images at indices ``idx`` int32 (B,)."""
        X, y = self.inputs(idx)
        return self.train_step(X, y, lr)

    def _run_steps(self, batches, rates):
        """``k`` steps in one compiled call: ``batches`` int32 (k, B) indices, ``rates``
        float32 (k,); the summed cross-entropy and the correct count."""
        loss_sum = tf.constant(0.0)
        correct = tf.constant(0, tf.int64)
        at_once = bool(self.cfg.jitter) and self.warp_at_once
        if at_once:  # the k batches gathered and warped at once (see the module)
            X, y = self.inputs(batches)  # (k, B, 28, 28), (k, B)
        for i in tf.range(tf.shape(batches)[0]):
            if at_once:
                loss, hits = self.train_step(X[i], y[i], rates[i])
            else:
                loss, hits = self.batch_step(batches[i], rates[i])
            loss_sum += loss
            correct += hits
        return loss_sum, correct

    def train_steps(self, batches: np.ndarray, rates: np.ndarray) -> tuple[float, int]:
        loss_sum, correct = self._steps(batches, rates)
        return float(loss_sum), int(correct)

    # -- evaluation ------------------------------------------------------------------------
    def _eval_batch(self, images, y):
        ce, hits = cross_entropy_and_hits(self.model(normalize(images)), y)
        return tf.reduce_sum(ce), tf.reduce_sum(tf.cast(hits, tf.int64))

    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        loss, correct = 0.0, 0
        labels = labels.astype(np.int32)
        bs = self.cfg.eval_batch_size
        for i in range(0, len(images), bs):
            l, c = self._eval(images[i : i + bs], labels[i : i + bs])
            loss += float(l)
            correct += int(c)
        n = max(len(images), 1)
        return loss / n, correct / n

    # -- the best epoch, checkpoints, the trained model ------------------------------------
    def take_best(self) -> None:
        for copy, v in zip(self.best, self.params.values()):
            copy.assign(v)

    def restore_best(self) -> None:
        for copy, v in zip(self.best, self.params.values()):
            v.assign(copy)

    def _counters(self) -> tf.train.Checkpoint:
        """Everything a checkpoint holds; the counters are made outside any strategy scope."""
        if self._checkpoint is None:
            self.state = {
                "epoch": tf.Variable(0, dtype=tf.int64),
                "best_accuracy": tf.Variable(-1.0, dtype=tf.float64),
                "best_epoch": tf.Variable(0, dtype=tf.int64),
            }
            best = tf.Module()
            best.values = self.best
            self._checkpoint = tf.train.Checkpoint(
                model=self.model, optimizer=self.optimizer, step=self.step, best=best, **self.state
            )
        return self._checkpoint

    def save(self, folder: Path, state: TrainState) -> None:
        """Checkpoint into ``folder`` (the last two kept): weights, optimiser, ``state``."""
        ckpt = self._counters()
        self.state["epoch"].assign(state.epoch)
        self.state["best_accuracy"].assign(state.best_accuracy)
        self.state["best_epoch"].assign(state.best_epoch)
        key = str(folder)
        if key not in self._managers:
            self._managers[key] = tf.train.CheckpointManager(ckpt, key, max_to_keep=2)
        try:
            self._managers[key].save(checkpoint_number=state.epoch)
        except (tf.errors.OpError, OSError) as exc:
            raise TfdojoError(
                f"{folder}: could not write the checkpoint ({first_line(exc)}); the last "
                "complete one is kept: free some space, then continue with --resume"
            ) from None

    def restore(self, folder: Path) -> TrainState | None:
        ckpt = self._counters()
        if Path(folder).is_dir():  # TensorFlow opens them by name: no FIFO, no device, capped
            check_folder(folder, MAX_CHECKPOINT_BYTES, "a checkpoint file")
        path = tf.train.latest_checkpoint(str(folder))
        if not path:
            return None
        try:
            ckpt.restore(path).assert_existing_objects_matched()
        except (tf.errors.OpError, ValueError, AssertionError, IndexError, KeyError) as exc:
            raise TfdojoError(
                f"{path}: checkpoint is corrupt or does not fit this model ({first_line(exc)}); "
                "start again with --overwrite"
            ) from None
        return TrainState(
            epoch=int(self.state["epoch"].numpy()),
            best_accuracy=float(self.state["best_accuracy"].numpy()),
            best_epoch=int(self.state["best_epoch"].numpy()),
        )

    def get_weights(self) -> dict[str, np.ndarray]:
        return self.model.get_weights()

    def final_model(self):
        return self.model
