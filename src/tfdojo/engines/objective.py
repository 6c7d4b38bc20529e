"""The objective every TensorFlow engine minimises, written once.

For a batch of ``B`` images on ``R`` replicas (one device: ``R = 1``, ``B`` its batch)::

    loss = sum_i CE(softmax(logits_i), y_i) / B  +  weight_decay * sum_W ||W||^2 / 2 / R

On one device that is the mean cross-entropy plus the L2 penalty. With ``R`` replicas each
computes this on its slice of the global batch ``B``, and the all-reduce (SUM) of their
gradients is the gradient of the mean over the whole batch plus one L2 penalty: what one
device computes (:mod:`tfdojo.engines.replicated.engine`). The NumPy engine computes the same
number by hand (:meth:`tfdojo.scratch.models.Model.loss_and_grads`); the engines' contract
test checks that they agree.
"""

from __future__ import annotations

import tensorflow as tf


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


def objective(model, logits, y, weight_decay: float = 0.0, batch_size=None, replicas: int = 1):
    """The loss to differentiate, and what the loop reports of the batch.

    Args:
        model: a :class:`tfdojo.models.base.Model` (its ``l2_loss()``: ``sum_W ||W||^2 / 2``).
        logits: float32 (b, 10) of the ``b`` images this device computed; ``y``: int32 (b,).
        weight_decay: the L2 coefficient ``lambda`` (0: no penalty).
        batch_size: ``B``, the batch the mean is over (the global batch on replicas);
            ``None``: this batch, ``b``.
        replicas: ``R``, how many devices each add their share of the penalty.

    Returns:
        ``(loss, ce_sum, hits)``: the scalar loss above, the cross-entropy summed over the
        ``b`` images (float32, no L2) and the correct predictions (int64).
    """
    ce, hits = cross_entropy_and_hits(logits, y)  # (b,), (b,)
    ce_sum = tf.reduce_sum(ce)
    if batch_size is None:
        batch_size = tf.shape(y)[0]
    loss = ce_sum / tf.cast(batch_size, tf.float32)  # the mean over the batch
    if weight_decay:
        loss += weight_decay * model.l2_loss() / replicas
    return loss, ce_sum, tf.reduce_sum(tf.cast(hits, tf.int64))
