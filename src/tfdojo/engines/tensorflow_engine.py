"""One training step in TensorFlow: loss, gradients, update — and the fast loop around it.

Read it beside :mod:`tfdojo.engines.numpy_engine`, the same step in NumPy with every gradient
written by hand: both engines have a ``Trainer`` with the same methods, and ``SGD`` and
``Adam`` with the same ``step(params, grads, lr)``. One step on a batch ``(X, y)`` of
``B`` images::

    loss = mean_i CE(softmax(f(X_i)), y_i) + weight_decay * sum_W ||W||^2 / 2
    g    = d loss / d theta                          (tf.GradientTape)
    SGD + momentum:  v <- momentum * v - lr * g;   theta <- theta + v
    Adam:            m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) g^2
                     theta <- theta - lr * m_hat / (sqrt(s_hat) + eps)

Mixed precision (``cfg.precision == "bfloat16"``): the step feeds the model bfloat16
inputs, so every layer computes its forward and backward pass in bfloat16 from the
float32 weights; the logits are cast back to float32 for the softmax and the loss, and
the gradients arrive in float32 for the float32 optimiser state.

Speed: the training images stay uint8 in one tensor; each step gathers its batch by
index and scales it on the fly; :meth:`Trainer.train_steps` runs ``k`` steps inside one
``tf.function`` call (a ``tf.range`` loop), so Python's per-step cost is paid once per
call. Determinism: each step's dropout mask comes from ``(seed, step)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.models.layers import normalize

# -- the loss ---------------------------------------------------------------------------------


def cross_entropy_and_hits(logits, y):
    """Per-example cross-entropy and whether the top score is the right class.

    Args:
        logits: float32 (B, 10) scores before softmax.
        y: int32 (B,) the right classes.

    Returns:
        ``(ce, hits)``: float32 (B,) ``-log softmax(logits)[y]`` and bool (B,).
    """
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)  # (B,)
    hits = tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y)  # (B,)
    return ce, hits


# -- the optimisers ---------------------------------------------------------------------------


class SGD(tf.Module):
    """Minibatch SGD with momentum ``mu``, updating ``params`` in place (plain SGD when 0)::

    v <- mu * v - lr * g
    theta <- theta + v

    With ``fused`` (the default), TensorFlow's ``ResourceApplyKerasMomentum`` kernel does
    both lines in one pass over each tensor (as PyTorch's fused SGD does): the update is
    memory-bound, and the five separate ops (two products, a difference, two writes) cost
    an MLP a fifth of its step. Variables replicated by ``tf.distribute`` use the ops.
    """

    def __init__(self, params: dict[str, tf.Variable], momentum: float = 0.9, fused: bool = True):
        super().__init__(name="sgd")
        self.momentum = momentum
        self.fused = fused
        zeros = {k: tf.Variable(tf.zeros_like(v)) for k, v in params.items()} if momentum else {}
        self.velocity = zeros  # v, one per parameter (none for plain SGD)

    def step(self, params: dict[str, tf.Variable], grads: dict[str, tf.Tensor], lr) -> None:
        """One update of every parameter with its gradient at learning rate ``lr``."""
        for k, g in grads.items():
            if self.momentum and self.fused:  # the two lines below, in one kernel
                tf.raw_ops.ResourceApplyKerasMomentum(
                    var=params[k].handle,
                    accum=self.velocity[k].handle,
                    lr=tf.cast(lr, g.dtype),
                    grad=g,
                    momentum=tf.constant(self.momentum, g.dtype),
                )
            elif self.momentum:
                v = self.velocity[k]
                v.assign(self.momentum * v - lr * g)  # v <- mu v - lr g
                params[k].assign_add(v)  # theta <- theta + v
            else:
                params[k].assign_sub(lr * g)  # theta <- theta - lr g


class Adam(tf.Module):
    """Adam (Kingma & Ba, 2015), bias corrections folded into the step size::

    m <- b1 m + (1 - b1) g;   s <- b2 s + (1 - b2) g^2
    theta <- theta - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(s) + eps)
    """

    b1, b2, eps = 0.9, 0.999, 1e-7

    def __init__(self, params: dict[str, tf.Variable]):
        super().__init__(name="adam")
        self.t = tf.Variable(0.0)
        self.m = {k: tf.Variable(tf.zeros_like(v)) for k, v in params.items()}
        self.s = {k: tf.Variable(tf.zeros_like(v)) for k, v in params.items()}

    def step(self, params: dict[str, tf.Variable], grads: dict[str, tf.Tensor], lr) -> None:
        t = self.t.assign_add(1.0)
        size = lr * tf.sqrt(1 - self.b2**t) / (1 - self.b1**t)
        for k, g in grads.items():
            m, s = self.m[k], self.s[k]
            m.assign(self.b1 * m + (1 - self.b1) * g)  # m <- b1 m + (1 - b1) g
            s.assign(self.b2 * s + (1 - self.b2) * tf.square(g))  # s <- b2 s + (1 - b2) g^2
            params[k].assign_sub(size * m / (tf.sqrt(s) + self.eps))


def make_optimizer(
    name: str, params: dict[str, tf.Variable], momentum: float = 0.9, fused: bool = True
):
    """``"sgd"`` (with ``momentum``) or ``"adam"``, as ``TrainConfig.optimizer``."""
    return Adam(params) if name == "adam" else SGD(params, momentum, fused)


# -- the trainer ------------------------------------------------------------------------------


class Trainer:
    """The TensorFlow engine: one model, its optimiser and its training images.

    The loop in :mod:`tfdojo.training.run` drives it (and :class:`tfdojo.engines.numpy_engine.Trainer`
    the same way): :meth:`train_steps` on each slice of an epoch's batches,
    :meth:`evaluate` after each epoch, :meth:`take_best`, :meth:`save` and
    :meth:`restore` for early stopping and checkpoints, :meth:`final_model` to export.

    Args:
        cfg: the run's :class:`tfdojo.training.settings.TrainConfig`.
        model: a :class:`tfdojo.models.base.Model` (its variables are trained in place).
        images: uint8 (N, 28, 28) training images; labels: (N,) 0..9.
    """

    engine = "tensorflow"
    fused = True  # the optimiser's fused kernels (on plain variables)

    def __init__(self, cfg, model, images: np.ndarray, labels: np.ndarray):
        self.cfg = cfg
        self.model = model
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
    def inputs(self, idx):
        """The training images at indices ``idx`` (B,), scaled, in the compute precision,
        and their labels: ``X`` (B, 28, 28), ``y`` int32 (B,)."""
        X = normalize(tf.gather(self.images, idx))  # (B, 28, 28) float32
        return tf.cast(X, self.compute_dtype), tf.gather(self.labels, idx)

    def logits(self, X, seed):
        """The model's scores float32 (B, 10) of ``X``, dropout masks drawn from ``seed``."""
        return tf.cast(self.model(X, self.cfg.dropout, seed), tf.float32)

    def train_step(self, X, y, lr):
        """One step on a batch: forward, loss, gradients, update.

        Args:
            X: (B, 28, 28) images in [-0.5, 0.5] (float32 or bfloat16); y: int32 (B,)
                classes; lr: scalar.

        Returns:
            ``(loss summed over the batch, correct predictions)`` (L2 not included).
        """
        cfg = self.cfg
        with tf.GradientTape() as tape:
            logits = self.logits(X, tf.stack([self.seed, self.step]))  # (B, 10)
            ce, hits = cross_entropy_and_hits(logits, y)
            loss = tf.reduce_mean(ce)  # mean over the batch of -log softmax(logits)[y]
            total = loss + cfg.weight_decay * self.model.l2_loss() if cfg.weight_decay else loss
        grads = tape.gradient(total, self.params)  # {name: d total / d param}
        self.optimizer.step(self.params, grads, lr)
        self.step.assign_add(1)
        batch = tf.cast(tf.shape(y)[0], tf.float32)
        return loss * batch, tf.reduce_sum(tf.cast(hits, tf.int64))

    def batch_step(self, idx, lr):
        """:meth:`train_step` on the training images at indices ``idx`` int32 (B,)."""
        X, y = self.inputs(idx)
        return self.train_step(X, y, lr)

    def _run_steps(self, batches, rates):
        """``k`` steps in one compiled call; the summed loss and the correct count."""
        loss_sum = tf.constant(0.0)
        correct = tf.constant(0, tf.int64)
        for i in tf.range(tf.shape(batches)[0]):
            loss, hits = self.batch_step(batches[i], rates[i])
            loss_sum += loss
            correct += hits
        return loss_sum, correct

    def train_steps(self, batches: np.ndarray, rates: np.ndarray) -> tuple[float, int]:
        """Run ``len(batches)`` steps: ``batches`` int32 (k, B) indices, ``rates`` (k,).

        Returns:
            ``(loss summed over every example, correct predictions)``, once the steps ended.
        """
        loss_sum, correct = self._steps(batches, rates)
        return float(loss_sum), int(correct)

    # -- evaluation ------------------------------------------------------------------------
    def _eval_batch(self, images, y):
        ce, hits = cross_entropy_and_hits(self.model(normalize(images)), y)
        return tf.reduce_sum(ce), tf.reduce_sum(tf.cast(hits, tf.int64))

    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """Mean loss and accuracy of the model on uint8 ``images`` (N, 28, 28)."""
        loss, correct = 0.0, 0
        labels = labels.astype(np.int32)
        bs = self.cfg.eval_batch_size
        for i in range(0, len(images), bs):
            l, c = self._eval(images[i : i + bs], labels[i : i + bs])
            loss += float(l)
            correct += int(c)
        n = max(len(images), 1)
        return loss / n, correct / n

    # -- the best epoch, checkpoints, export -------------------------------------------------
    def take_best(self) -> None:
        """Remember the current weights as the best epoch's."""
        for copy, v in zip(self.best, self.params.values()):
            copy.assign(v)

    def restore_best(self) -> None:
        """Put the best epoch's weights back into the model."""
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

    def save(self, folder: Path, state: dict[str, Any]) -> None:
        """Checkpoint into ``folder`` (the last two kept): weights, optimiser, ``state``."""
        ckpt = self._counters()
        for k, v in state.items():
            self.state[k].assign(v)
        key = str(folder)
        if key not in self._managers:
            self._managers[key] = tf.train.CheckpointManager(ckpt, key, max_to_keep=2)
        try:
            self._managers[key].save(checkpoint_number=int(state["epoch"]))
        except (tf.errors.OpError, OSError) as exc:
            raise TfdojoError(
                f"{folder}: could not write the checkpoint ({first_line(exc)}); the last "
                "complete one is kept: free some space, then continue with --resume"
            ) from None

    def restore(self, folder: Path) -> dict[str, Any] | None:
        """Restore the last checkpoint of ``folder``; its state, or ``None`` if it has none.

        Raises:
            TfdojoError: a corrupt checkpoint, or one of another model.
        """
        ckpt = self._counters()
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
        return {
            "epoch": int(self.state["epoch"].numpy()),
            "best_accuracy": float(self.state["best_accuracy"].numpy()),
            "best_epoch": int(self.state["best_epoch"].numpy()),
        }

    def final_model(self):
        """The trained :class:`tfdojo.models.base.Model`, to export and test."""
        return self.model
