"""Kata 4: one training step, by hand: the tape, the gradients, the update.

    loss(W, b) = mean cross-entropy of softmax(X W + b) against one_hot(y)
    W <- W - lr * dloss/dW        b <- b - lr * dloss/db         (gradient descent)

tf.GradientTape records the operations run inside its `with` block on tf.Variables;
`tape.gradient(loss, variables)` then gives one gradient per variable, of the same
shape and in the same order. `v.assign_sub(d)` changes a variable in place: v <- v - d.

    with tf.GradientTape() as tape:
        loss = ...                                     # computed inside the block
    grads = tape.gradient(loss, model.trainable_variables)

What to do:
- loss_fn(model, X, y): the logits, the labels one-hot (y is int (N,)), and the mean of
  tf.nn.softmax_cross_entropy_with_logits (your kata 3, in one op);
- train_step(model, X, y, lr): the loss inside a tape, its gradients with respect to
  model.trainable_variables, each variable moved by -lr * gradient; return the loss
  (computed before the update).

X is float32 (N, 28, 28), y int (N,). The check runs one step on a Logistic model
(kata 2), with two batch sizes and two learning rates, and compares the loss returned,
the gradients and the new W and b (the same tf.Variables, changed in place) with the
reference.

Check it:  tfdojo kata check training_step
"""

import tensorflow as tf


def loss_fn(model, X, y):
    """Mean cross-entropy of model(X) against the integer labels y: one number."""
    # TODO: logits = model(X); labels one-hot (N, 10); mean of the per-image cross-entropy.
    # BEGIN SOLUTION
    logits = model(X)  # (N, 10)
    y_onehot = tf.one_hot(y, 10)  # (N,) -> (N, 10)
    D = tf.nn.softmax_cross_entropy_with_logits(labels=y_onehot, logits=logits)  # (N,)
    return tf.reduce_mean(D)  # (N,) -> ()
    # END SOLUTION


def train_step(model, X, y, lr):
    """One step of gradient descent on the batch (X, y); returns the loss before it."""
    # TODO: the loss inside `with tf.GradientTape() as tape:`, then tape.gradient, then
    #       v.assign_sub(lr * g) for each variable v and its gradient g.
    # BEGIN SOLUTION
    with tf.GradientTape() as tape:
        loss = loss_fn(model, X, y)
    grads = tape.gradient(loss, model.trainable_variables)  # [dloss/dv], shapes of the v's
    for v, g in zip(model.trainable_variables, grads):
        v.assign_sub(lr * g)  # v <- v - lr * dloss/dv
    return loss
    # END SOLUTION
