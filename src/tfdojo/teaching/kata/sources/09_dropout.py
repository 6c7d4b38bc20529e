"""Kata 9: dropout: forget random hidden units at each training step.

While training, each hidden unit is zeroed with probability `rate`, so the network
cannot lean on any single unit. The kept units are scaled by 1 / (1 - rate) ("inverted
dropout"), so that each unit keeps the same expected value:

    keep_i ~ Bernoulli(1 - rate)        h_i -> keep_i * h_i / (1 - rate)        E = h_i

At evaluation nothing is dropped: model(X) with the default dropout_rate=0.0 gives the
same logits every time.

The mask comes from `seed`, an int tensor of shape (2,): tf.random.stateless_uniform
gives the same numbers for the same seed, so a run can be repeated exactly, and each
training step passes a new seed (e.g. tf.constant([0, step])).

What to do: dropout(h, rate, seed); DropoutMLP.__call__, kata 7's network with dropout
on its hidden layer when dropout_rate > 0; evaluate(model, X, y), the accuracy without
dropout. The model contract is kata 2's: DropoutMLP(seed=0),
model(x, dropout_rate=0.0, seed=None) -> logits (N, 10).

Check it:  tfdojo kata check dropout
"""

import tensorflow as tf

from tfdojo.teaching.kata.given import MLP, accuracy


def dropout(h, rate, seed):
    """h with each value zeroed with probability rate, the others divided by (1 - rate)."""
    # TODO: keep = tf.random.stateless_uniform(tf.shape(h), seed=seed) >= rate, then scale.
    # BEGIN SOLUTION
    keep = tf.random.stateless_uniform(tf.shape(h), seed=seed) >= rate  # True w.p. 1 - rate
    return tf.where(keep, h / (1.0 - rate), 0.0)
    # END SOLUTION


class DropoutMLP(MLP):
    """Kata 7's network (its variables W1, b1, W2, b2), with dropout on the hidden layer."""

    def __call__(self, x, dropout_rate=0.0, seed=None):
        """Logits (N, 10); hidden units dropped only when dropout_rate > 0 (training)."""
        X = tf.reshape(x, [-1, 28 * 28])  # (N, 28, 28) -> (N, 784)
        h = tf.nn.relu(tf.matmul(X, self.W1) + self.b1)  # (N, 1024)
        # TODO: dropout on h when dropout_rate > 0; then the logits.
        # BEGIN SOLUTION
        if dropout_rate > 0:
            h = dropout(h, dropout_rate, seed)  # (N, 1024)
        return tf.matmul(h, self.W2) + self.b2  # (N, 1024) @ (1024, 10) -> (N, 10)
        # END SOLUTION


def evaluate(model, X, y):
    """The model's accuracy on (X, y), as it predicts after training: no dropout."""
    # TODO: kata 5's accuracy of the model's logits.
    # BEGIN SOLUTION
    return accuracy(model(X), y)
    # END SOLUTION
