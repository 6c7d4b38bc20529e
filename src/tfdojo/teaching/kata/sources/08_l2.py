"""Kata 8: L2 regularisation: a price on large weights.

    loss = cross_entropy + beta * sum over the weights W of ||W||^2 / 2
    ||W||^2 / 2 = tf.nn.l2_loss(W) = (sum of W's entries squared) / 2

Its gradient, beta * W, pulls every weight a little toward 0 at each step ("weight
decay"), so the network prefers many small weights to a few large ones, and fits noise
less. Biases are not penalised: each only shifts one unit's output, and pulling them to
0 would only hurt the fit. Weights are the variables of rank >= 2 (W1 (784, 1024), a
kernel (5, 5, 1, 16)); biases have rank 1 (b1 (1024,)).

What to do: l2_penalty(model) and loss_fn(model, X, y, beta), with X (N, 28, 28) and y
int (N,). The check uses the ReLU network of kata 7 and the convnet of kata 13 (its
kernels are weights too) and compares the penalty, the loss at several beta and its
gradients (by tf.GradientTape) with the reference.

Check it:  tfdojo kata check l2
"""

import tensorflow as tf


def l2_penalty(model):
    """sum of ||W||^2 / 2 over the model's weights (rank >= 2), biases left out."""
    # TODO: pick the weights among model.trainable_variables, add up their tf.nn.l2_loss.
    # BEGIN SOLUTION
    weights = [v for v in model.trainable_variables if len(v.shape) >= 2]  # W1, W2
    return tf.add_n([tf.nn.l2_loss(W) for W in weights])
    # END SOLUTION


def loss_fn(model, X, y, beta):
    """Mean cross-entropy of model(X) against y, plus beta * l2_penalty(model)."""
    # TODO: kata 4's loss, plus the penalty times beta.
    # BEGIN SOLUTION
    y_onehot = tf.one_hot(y, 10)  # (N,) -> (N, 10)
    D = tf.nn.softmax_cross_entropy_with_logits(labels=y_onehot, logits=model(X))  # (N,)
    return tf.reduce_mean(D) + beta * l2_penalty(model)
    # END SOLUTION
