"""Kata 3: softmax and the cross-entropy, in TensorFlow ops, numerically stable.

Softmax turns the logits z of one image into probabilities:

    S_i = exp(z_i) / sum_j exp(z_j)                       (N, 10) -> (N, 10), rows sum to 1

The cross-entropy of S against the one-hot label L is small when the right class is
likely; the loss is its mean over the batch:

    D(S, L) = -sum_i L_i log S_i                          (N, 10), (N, 10) -> (N,)
    loss = mean over the N images                         (N,) -> ()

Stability: exp(1000) is inf, and log(0) is -inf. Subtracting each row's maximum changes
nothing (softmax(z - max z) = softmax(z)) and keeps exp() finite; and
log S_i = (z_i - max z) - log sum_j exp(z_j - max z) never takes the log of 0.

What to do: write both with tf ops (tf.reduce_max, tf.exp, tf.reduce_sum, tf.math.log,
tf.reduce_mean), along the last axis. The check compares them with tf.nn.softmax and
tf.nn.softmax_cross_entropy_with_logits, on ordinary and on extreme logits, and on a batch
whose rows have very different scales (each row is shifted by its own maximum).

Check it:  tfdojo kata check softmax_cross_entropy
"""

import tensorflow as tf


def softmax(logits):
    """Probabilities (N, K) from logits (N, K), each row summing to 1."""
    # TODO: shift each row by its max, exp, divide by the row's sum (keepdims=True).
    # BEGIN SOLUTION
    z = logits - tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K) - (N, 1)
    e = tf.exp(z)  # (N, K), each in (0, 1]
    return e / tf.reduce_sum(e, axis=-1, keepdims=True)  # (N, K) / (N, 1) -> (N, K)
    # END SOLUTION


def cross_entropy(logits, y_onehot):
    """Mean over the batch of -sum_i L_i log softmax(logits)_i: one number."""
    # TODO: log S from the logits (log-sum-exp, shifted by the max), then the mean of D.
    # BEGIN SOLUTION
    z = logits - tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K)
    log_S = z - tf.math.log(tf.reduce_sum(tf.exp(z), axis=-1, keepdims=True))  # (N, K)
    D = -tf.reduce_sum(y_onehot * log_S, axis=-1)  # (N, K) -> (N,)
    return tf.reduce_mean(D)  # (N,) -> ()
    # END SOLUTION
