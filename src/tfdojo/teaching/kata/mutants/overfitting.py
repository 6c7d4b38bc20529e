"""Mutants and variants of kata 11, overfitting (checks/overfitting.py); part of
:mod:`~tfdojo.teaching.kata.mutants.networks`' lists."""

from __future__ import annotations

from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

MUTANTS: list[Mutant] = [
    Mutant(
        "overfitting",
        "on-biases",
        "L2 on every variable",
        "loss = tf.reduce_mean(D) + beta * l2_penalty(model)",
        "loss = tf.reduce_mean(D) + beta * sum(tf.nn.l2_loss(v) for v in model.variables)",
        "overfitting/l2-on-biases",
    ),
    Mutant(
        "overfitting",
        "no-dropout",
        "the step calls the model without dropout",
        "logits = model(X, dropout_rate=dropout_rate, seed=seed)",
        "logits = model(X)",
        "overfitting/step-without-dropout",
    ),
    Mutant(
        "overfitting",
        "rate-0.5",
        "the step drops half whatever dropout_rate",
        "dropout_rate=dropout_rate, seed=seed)",
        "dropout_rate=0.5, seed=seed)",
        "overfitting/setting-ignored",
    ),
    Mutant(
        "overfitting",
        "beta-0.01",
        "beta written as 0.01",
        "loss = tf.reduce_mean(D) + beta * l2_penalty(model)",
        "loss = tf.reduce_mean(D) + 0.01 * l2_penalty(model)",
        "overfitting/setting-ignored",
    ),
    Mutant(
        "overfitting",
        "lr-0.1",
        "the step moves by 0.1 whatever lr",
        "v.assign_sub(lr * g)",
        "v.assign_sub(0.1 * g)",
        "overfitting/setting-ignored",
    ),
    Mutant(
        "overfitting",
        "one-mask",
        "one dropout mask for every step",
        "dropout_rate=dropout_rate, seed=seed)",
        "dropout_rate=dropout_rate, seed=tf.constant([0, 1]))",
        "overfitting/seed-ignored",
    ),
    Mutant(
        "overfitting",
        "no-penalty",
        "no L2 in the loss",
        "loss = tf.reduce_mean(D) + beta * l2_penalty(model)",
        "loss = tf.reduce_mean(D)",
        "overfitting/no-penalty",
    ),
    Mutant(
        "overfitting",
        "penalty-outside-tape",
        "the penalty added after the tape closed",
        "        loss = tf.reduce_mean(D) + beta * l2_penalty(model)\n    grads",
        "        loss = tf.reduce_mean(D)\n    loss += beta * l2_penalty(model)\n    grads",
        "any/gradient-none",
    ),
    Mutant(
        "overfitting",
        "sum",
        "the cross-entropy summed",
        "loss = tf.reduce_mean(D) +",
        "loss = tf.reduce_sum(D) +",
        "overfitting/cross-entropy-sum",
    ),
    Mutant(
        "overfitting",
        "no-return",
        "the step returns nothing",
        "        v.assign_sub(lr * g)  # v <- v - lr * dloss/dv\n    return loss",
        "        v.assign_sub(lr * g)  # v <- v - lr * dloss/dv",
        "any/no-return",
    ),
    Mutant(
        "overfitting",
        "loss-after",
        "the loss returned is computed after the update",
        "    return loss\n",
        "    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(\n"
        "        labels=tf.one_hot(y, 10), logits=model(X)))\n",
        "overfitting/return-loss",
    ),
    Mutant(
        "overfitting",
        "no-cure",
        "no regularisation chosen",
        "return 1e-2, 0.5",
        "return 0.0, 0.0",
        "overfitting/no-cure",
    ),
    Mutant(
        "overfitting",
        "weak-cure",
        "a cure too weak to change anything",
        "return 1e-2, 0.5",
        "return 1e-7, 0.0",
        "overfitting/cure-too-weak",
    ),
]

VARIANTS: list[Variant] = [
    Variant(
        "overfitting",
        "keras-loss",
        "the cross-entropy from Keras' sparse loss",
        "D = tf.nn.softmax_cross_entropy_with_logits(labels=tf.one_hot(y, 10), logits=logits)",
        "D = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)",
    ),
]
