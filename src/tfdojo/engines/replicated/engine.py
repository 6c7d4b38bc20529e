"""The TensorFlow step on every replica of a ``tf.distribute`` strategy.

One step with ``R`` replicas and the global batch ``B`` (``cfg.batch_size``); one
device is ``R = 1``::

    replica r takes its slice  idx[r*B/R : (r+1)*B/R]          (B/R images each)
    loss_r = sum_i CE_i / B  (+ weight_decay * l2 / R)        (tfdojo.engines.objective)
    g      = sum_r d loss_r / d theta                          (all-reduce, SUM)
    theta <- optimizer(theta, g)     on every replica, with the same g: copies stay equal

Built inside ``strategy.scope()`` so the model's, the optimizer's and the step's variables
are mirrored. Evaluation is the single-device one: each worker evaluates the whole
validation set with its copy of the weights, which all replicas share.
"""

from __future__ import annotations

import json
import re
import zlib

import numpy as np
import tensorflow as tf

from tfdojo import models
from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.typed_config import to_dict
from tfdojo.engines.objective import objective
from tfdojo.engines.replicated.strategy import Distribution
from tfdojo.engines.tensorflow_engine import TensorFlowEngine

_SYMPTOMS = "unhealthy|Socket closed|[Dd]eadline|timed out|Connection reset|refused"


def _reason(exc: BaseException) -> str:
    """The line of a collective's error that says what happened, else its status or first line.

    E.g. ``Socket closed`` (a peer died) or ``The following tasks are unhealthy (stopped
    sending heartbeats)`` (a peer hangs), rather than TensorFlow's ``Graph execution error:``.
    """
    text = str(exc)
    m = re.search(r"([^\n:]*(" + _SYMPTOMS + r")[^\n\[]*)", text)
    if m:
        return m.group(1).strip().rstrip(":")[:200]
    m = re.search(r"\b([A-Z][A-Z_]{4,}): ([^\n\[]+)", text)
    return f"{m.group(1)}: {m.group(2).strip()}"[:200] if m else first_line(exc)


class ReplicatedEngine(TensorFlowEngine):
    """:class:`~tfdojo.engines.tensorflow_engine.TensorFlowEngine` whose steps run on every
    replica of ``dist``'s strategy.

    It overrides :meth:`batch_step` (each replica computes the gradients of its slice; one
    all-reduce sums them; the update is applied once, to every copy) and
    :meth:`train_steps` (a lost worker becomes a one-line error).

    Args:
        cfg, images, labels: as :class:`TensorFlowEngine`.
        model: built inside ``dist.scope()`` (its variables mirrored).
        dist: the started strategy (:func:`tfdojo.engines.replicated.strategy.start`).
    """

    name = "replicated"
    fused = False  # replicated variables are updated by ops (the kernel needs plain handles)

    def __init__(self, cfg, model, images: np.ndarray, labels: np.ndarray, dist: Distribution):
        replicas = dist.replicas
        if cfg.batch_size % replicas:
            raise TfdojoError(
                f"batch_size: the global batch is split evenly over {replicas} replicas, so it "
                f"must be a multiple of {replicas}; received {cfg.batch_size}"
            )
        with dist.scope():
            super().__init__(cfg, model, images, labels)
        self.warp_at_once = False  # each replica jitters its own slice, step by step
        self.dist = dist
        self.per_replica = cfg.batch_size // replicas
        self.options = tf.distribute.experimental.CommunicationOptions(
            timeout_seconds=dist.spec.timeout
        )
        if dist.cluster is not None:
            self._check_same_run(cfg, images, labels, self.options)

    def replica_step(self, batch):
        """One replica's share of a step: its slice of the global batch ``batch`` (B,).

        Returns the all-reduced (summed over replicas) gradients, summed
        cross-entropy and hit count.
        """
        cfg = self.cfg
        ctx = tf.distribute.get_replica_context()
        r = tf.cast(ctx.replica_id_in_sync_group, tf.int32)
        idx = batch[r * self.per_replica : (r + 1) * self.per_replica]  # (B/R,)
        X, y = self.inputs(idx, stream=r)  # (B/R, 28, 28), (B/R,); its own jitter
        step_seed = tf.random.experimental.stateless_fold_in(
            tf.stack([self.seed, self.step.read_value()]), r
        )  # each replica its own dropout masks
        with tf.GradientTape() as tape:
            logits = self.logits(X, step_seed)  # (B/R, 10)
            loss, ce_sum, hits = objective(  # the mean over the GLOBAL batch
                self.model, logits, y, cfg.weight_decay, cfg.batch_size, self.dist.replicas
            )
        grads = tape.gradient(loss, self.params)
        hits = tf.cast(hits, tf.float32)
        # One batched all-reduce: gradients, summed losses and hit counts of all replicas.
        return ctx.all_reduce(
            tf.distribute.ReduceOp.SUM, (grads, ce_sum, hits), options=self.options
        )

    def batch_step(self, idx, lr):
        """One replicated step on the global batch ``idx`` (B,); summed loss and hits."""
        strategy = self.dist.strategy
        summed = strategy.run(self.replica_step, args=(idx,))
        # Every replica holds the same sums now: apply them once, to every copy.
        grads, ce_sum, hits = tf.nest.map_structure(
            lambda v: strategy.experimental_local_results(v)[0], summed
        )
        self.optimizer.step(self.params, grads, lr)
        self.step.assign_add(1)
        return ce_sum, tf.cast(hits, tf.int64)

    def _check_same_run(self, cfg, images: np.ndarray, labels: np.ndarray, options) -> None:
        """Refuse to train unless every worker has the same config and training data.

        Each worker gathers its slices from its own copy of the data by index, so a
        different dataset or setting on one machine would silently train on garbage.
        The fingerprint is a CRC-32 of both (24 bits, exact in float32), gathered from
        every replica (``all_gather``): they must all be equal.
        """
        crc = zlib.crc32(json.dumps(to_dict(cfg), sort_keys=True).encode())
        crc = zlib.crc32(np.ascontiguousarray(labels).tobytes(), zlib.crc32(images.tobytes(), crc))
        mine = tf.constant([float(crc % (1 << 24))])  # (1,)
        strategy = self.dist.strategy

        def gather_one():
            ctx = tf.distribute.get_replica_context()
            return ctx.all_gather(mine, axis=0, options=options)  # (R,): every replica's

        @tf.function
        def gather():
            return strategy.run(gather_one)

        reason = None
        try:
            with self.dist.waiting("while comparing the workers' config and data"):
                every = strategy.experimental_local_results(gather())[0].numpy()
        except (tf.errors.OpError, RuntimeError) as exc:
            reason = _reason(exc)
        if reason is not None:  # raised once TensorFlow's error is freed (see start)
            raise TfdojoError(
                f"{self.dist.worker}: could not reach the other workers ({reason}); "
                "start every worker, with the same command, within the collective timeout"
            )
        if len(set(every.tolist())) != 1:
            raise TfdojoError(
                f"{self.dist.worker}: the workers differ in their config or training data; "
                "run the same command on every worker, with the same dataset (same --data)"
            )

    def describe(self) -> dict:
        """The engine is TensorFlow's, with the placement: strategy, workers, replicas."""
        return {**super().describe(), "engine": "tensorflow", **self.dist.summary()}

    def final_model(self):
        """A plain (unreplicated) copy of the trained model: no replicas needed to serve it."""
        cls = type(self.model.module) if self.cfg.model.source else None  # a learner's class
        plain = models.build(self.cfg.model, self.cfg.seed, cls)
        plain.set_weights(self.model.get_weights())
        return plain

    def train_steps(self, batches: np.ndarray, rates: np.ndarray) -> tuple[float, int]:
        """Run ``len(batches)`` replicated steps; a lost worker becomes a one-line error."""
        try:
            with self.dist.waiting("during a training step"):
                return super().train_steps(batches, rates)
        except (tf.errors.OpError, RuntimeError) as exc:
            reason = f"{type(exc).__name__}: {_reason(exc)}"
        raise TfdojoError(  # once TensorFlow's error is freed (see start)
            f"{self.dist.worker}: a collective all-reduce failed ({reason}); another worker "
            "stopped or is unreachable. Start all workers again with --resume to continue "
            "from the last checkpoint"
        )
