"""Mutants and variants of katas 3, softmax and cross-entropy, and 4, the training step
(checks/basics.py); :mod:`.basics` lists them with katas 1 and 2."""

from __future__ import annotations

from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

SOFTMAX = """    z = logits - tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K) - (N, 1)
    e = tf.exp(z)  # (N, K), each in (0, 1]
    return e / tf.reduce_sum(e, axis=-1, keepdims=True)  # (N, K) / (N, 1) -> (N, K)"""
CROSS_ENTROPY = """    z = logits - tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K)
    log_S = z - tf.math.log(tf.reduce_sum(tf.exp(z), axis=-1, keepdims=True))  # (N, K)"""
UPDATE = "v.assign_sub(lr * g)  # v <- v - lr * dloss/dv"
TAPE = """    with tf.GradientTape() as tape:
        loss = loss_fn(model, X, y)
"""
ONE_HOT_LOSS = """    y_onehot = tf.one_hot(y, 10)  # (N,) -> (N, 10)
    D = tf.nn.softmax_cross_entropy_with_logits(labels=y_onehot, logits=logits)  # (N,)"""


MUTANTS: list[Mutant] = [
    # -- 3 softmax and cross-entropy
    Mutant(
        "softmax_cross_entropy",
        "softmax-axis-0",
        "axis=0 in both reductions",
        SOFTMAX,
        SOFTMAX.replace("axis=-1", "axis=0"),
        "softmax_cross_entropy/softmax-axis-0",
    ),
    Mutant(
        "softmax_cross_entropy",
        "tf-softmax-axis-0",
        "tf.nn.softmax(logits, axis=0)",
        SOFTMAX,
        "    return tf.nn.softmax(logits, axis=0)",
        "softmax_cross_entropy/softmax-axis-0",
    ),
    Mutant(
        "softmax_cross_entropy",
        "softmax-no-shift",
        "no shift by the max",
        "z = logits - tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K) - (N, 1)",
        "z = logits",
        "softmax_cross_entropy/softmax-overflow",
    ),
    Mutant(
        "softmax_cross_entropy",
        "softmax-whole-sum",
        "the sum of the whole batch",
        "e / tf.reduce_sum(e, axis=-1, keepdims=True)",
        "e / tf.reduce_sum(e)",
        "softmax_cross_entropy/softmax-whole-sum",
    ),
    Mutant(
        "softmax_cross_entropy",
        "softmax-batch-max",
        "shifted by the batch's maximum",
        "tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K) - (N, 1)",
        "tf.reduce_max(logits)  # (N, K) - (N, 1)",
        "softmax_cross_entropy/softmax-batch-max",
    ),
    Mutant(
        "softmax_cross_entropy",
        "softmax-no-keepdims",
        "the row sums without keepdims",
        "e / tf.reduce_sum(e, axis=-1, keepdims=True)",
        "e / tf.reduce_sum(e, axis=-1)",
        "softmax_cross_entropy/softmax-no-keepdims",
    ),
    Mutant(
        "softmax_cross_entropy",
        "softmax-no-exp",
        "the scores divided by their sum",
        SOFTMAX,
        "    return logits / tf.reduce_sum(logits, axis=-1, keepdims=True)",
        "softmax_cross_entropy/softmax-no-exp",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-sum",
        "the sum over the batch",
        "return tf.reduce_mean(D)",
        "return tf.reduce_sum(D)",
        "softmax_cross_entropy/ce-sum",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-softmax-twice",
        "softmax before the log-softmax",
        "z = logits - tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K)\n",
        "z = tf.nn.softmax(logits)\n",
        "softmax_cross_entropy/ce-softmax-twice",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-log-of-logits",
        "the log of the logits",
        "log_S = z - tf.math.log(tf.reduce_sum(tf.exp(z), axis=-1, keepdims=True))",
        "log_S = tf.math.log(logits)",
        "softmax_cross_entropy/ce-log-of-logits",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-log-of-softmax",
        "log(softmax(z)), which underflows",
        "log_S = z - tf.math.log(tf.reduce_sum(tf.exp(z), axis=-1, keepdims=True))",
        "log_S = tf.math.log(tf.nn.softmax(logits))",
        "softmax_cross_entropy/ce-unstable",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-sign",
        "the minus sign forgotten",
        "D = -tf.reduce_sum(",
        "D = tf.reduce_sum(",
        "softmax_cross_entropy/ce-sign",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-mean-over-classes",
        "one mean over all N x K",
        "D = -tf.reduce_sum(y_onehot * log_S, axis=-1)  # (N, K) -> (N,)\n"
        "    return tf.reduce_mean(D)",
        "return -tf.reduce_mean(y_onehot * log_S)",
        "softmax_cross_entropy/ce-mean-over-classes",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-batch-max",
        "log-sum-exp shifted by the batch's maximum",
        "tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K)\n",
        "tf.reduce_max(logits)  # (N, K)\n",
        "softmax_cross_entropy/ce-batch-max",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-no-keepdims",
        "log-sum-exp without keepdims",
        "tf.reduce_sum(tf.exp(z), axis=-1, keepdims=True)",
        "tf.reduce_sum(tf.exp(z), axis=-1)",
        "softmax_cross_entropy/ce-no-keepdims",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-axis-0",
        "axis=0 in both reductions",
        CROSS_ENTROPY,
        CROSS_ENTROPY.replace("axis=-1", "axis=0"),
        "softmax_cross_entropy/ce-axis-0",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-per-image",
        "the per-image losses returned",
        "return tf.reduce_mean(D)",
        "return D",
        "softmax_cross_entropy/ce-not-one-number",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-float",
        "the loss made a Python float",
        "return tf.reduce_mean(D)",
        "return float(tf.reduce_mean(D))",
        "softmax_cross_entropy/not-differentiable",
    ),
    Mutant(
        "softmax_cross_entropy",
        "ce-log-epsilon",
        "log(softmax + 1e-10): finite, and wrong far apart",
        "log_S = z - tf.math.log(tf.reduce_sum(tf.exp(z), axis=-1, keepdims=True))",
        "log_S = tf.math.log(tf.nn.softmax(logits) + 1e-10)",
        "softmax_cross_entropy/ce-unstable",
    ),
    # -- 4 training step
    Mutant(
        "training_step",
        "assign",
        "v.assign instead of v.assign_sub",
        UPDATE,
        "v.assign(lr * g)",
        "training_step/assign-not-assign_sub",
    ),
    Mutant(
        "training_step",
        "assign-add",
        "v.assign_add: uphill",
        UPDATE,
        "v.assign_add(lr * g)",
        "training_step/uphill",
    ),
    Mutant(
        "training_step",
        "no-lr",
        "the gradient not multiplied by lr",
        UPDATE,
        "v.assign_sub(g)",
        "training_step/no-lr",
    ),
    Mutant(
        "training_step",
        "lr-constant",
        "the learning rate written as 0.5",
        UPDATE,
        "v.assign_sub(0.5 * g)",
        "training_step/lr-ignored",
    ),
    Mutant(
        "training_step",
        "loss-sum",
        "the sum over the batch",
        "return tf.reduce_mean(D)",
        "return tf.reduce_sum(D)",
        "training_step/loss-sum",
    ),
    Mutant(
        "training_step",
        "loss-per-image",
        "the per-image losses returned",
        "return tf.reduce_mean(D)",
        "return D",
        "training_step/loss-not-one-number",
    ),
    Mutant(
        "training_step",
        "labels-not-one-hot",
        "the integer labels as floats",
        "y_onehot = tf.one_hot(y, 10)",
        "y_onehot = tf.cast(y, tf.float32)",
        "any/integer-labels-not-one-hot",
    ),
    Mutant(
        "training_step",
        "softmax-twice",
        "softmax before the loss",
        "logits=logits)",
        "logits=tf.nn.softmax(logits))",
        "training_step/loss-softmax-twice",
    ),
    Mutant(
        "training_step",
        "loss-outside-tape",
        "the loss computed before the tape",
        TAPE,
        "    loss = loss_fn(model, X, y)\n    with tf.GradientTape() as tape:\n        pass\n",
        "any/gradient-none",
    ),
    Mutant(
        "training_step",
        "gradients-of-arrays",
        "gradients asked of NumPy copies",
        "grads = tape.gradient(loss, model.trainable_variables)  #",
        "grads = tape.gradient(loss, [v.numpy() for v in model.trainable_variables])  #",
        "any/tape-given-numpy",
    ),
    Mutant(
        "training_step",
        "no-return",
        "the loss no longer returned",
        "    return loss\n",
        "",
        "training_step/no-loss-returned",
    ),
    Mutant(
        "training_step",
        "loss-after-update",
        "the loss computed again after the step",
        "    return loss\n",
        "    return loss_fn(model, X, y)\n",
        "training_step/loss-after-update",
    ),
    Mutant(
        "training_step",
        "first-variable-only",
        "only W updated",
        "zip(model.trainable_variables, grads)",
        "zip(model.trainable_variables[:1], grads)",
        "training_step/not-updated",
    ),
    Mutant(
        "training_step",
        "replace-variables",
        "model.W = model.W - lr * dW: the variables replaced by tensors",
        "    for v, g in zip(model.trainable_variables, grads):\n"
        "        v.assign_sub(lr * g)  # v <- v - lr * dloss/dv\n",
        "    model.W = model.W - lr * grads[0]\n    model.b = model.b - lr * grads[1]\n",
        "training_step/variable-replaced",
    ),
]

VARIANTS: list[Variant] = [
    Variant(
        "softmax_cross_entropy",
        "tf-softmax",
        "tf.nn.softmax itself",
        SOFTMAX,
        "    return tf.nn.softmax(logits)",
    ),
    Variant(
        "softmax_cross_entropy",
        "axis-1",
        "axis=1 for the rows",
        SOFTMAX,
        SOFTMAX.replace("axis=-1", "axis=1"),
    ),
    Variant(
        "softmax_cross_entropy",
        "logsumexp",
        "tf.reduce_logsumexp",
        "log_S = z - tf.math.log(tf.reduce_sum(tf.exp(z), axis=-1, keepdims=True))",
        "log_S = logits - tf.reduce_logsumexp(logits, axis=-1, keepdims=True)",
    ),
    Variant(
        "softmax_cross_entropy",
        "tf-cross-entropy",
        "TensorFlow's own op",
        CROSS_ENTROPY,
        "    log_S = tf.nn.log_softmax(logits)  # (N, K)",
    ),
    Variant(
        "training_step",
        "assign-difference",
        "v.assign(v - lr * g)",
        UPDATE,
        "v.assign(v - lr * g)",
    ),
    Variant(
        "training_step",
        "sparse-loss",
        "the sparse op on the integer labels",
        ONE_HOT_LOSS,
        "    D = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)  # (N,)",
    ),
]
