"""Kata 2: the logistic classifier, a tf.Module holding two variables.

    logits = X W + b        X (N, 784) @ W (784, 10) + b (10,) -> (N, 10)

One score per letter for each image (softmax turns them into probabilities: kata 3).
W has 784 x 10 = 7,840 weights and b has 10 biases: 7,850 parameters.

A tf.Module keeps track of the tf.Variable attributes you give it: they are listed by
`model.trainable_variables`, and a tf.GradientTape computes their gradients (kata 4).
A tf.constant or a NumPy array is neither tracked nor watched.

The model contract, the same for every kata model (and for tfdojo's own models):

    model = Logistic(seed=0)                         # seed: draws the initial weights
    logits = model(x, dropout_rate=0.0, seed=None)   # x float32 (N, 28, 28) in [-0.5, 0.5]
                                                     # logits (N, 10)
    weights (rank >= 2) are named W..., biases (rank 1) b...: L2 (kata 8) takes weights only.

What to do: in __init__, W (784, 10) drawn from `seed` with
tf.random.stateless_truncated_normal (stddev 0.1) and b (10,) zeros, both tf.Variable,
named "W" and "b"; in __call__, the logits. This model has no dropout: it ignores
dropout_rate and seed. The check looks at the initial W and b (their spread) before it
calls the model, then calls it with 1, 5 and 13 images.

Check it:  tfdojo kata check logistic        A hint:  tfdojo kata hint logistic
"""

import tensorflow as tf


class Logistic(tf.Module):
    """logits = X W + b: the deck's logistic classifier, 7,850 parameters."""

    def __init__(self, seed=0):
        super().__init__(name="logistic")
        # TODO: self.W (784, 10), random from [seed, 0]; self.b (10,) zeros; as tf.Variable.
        # BEGIN SOLUTION
        W0 = tf.random.stateless_truncated_normal([784, 10], seed=[seed, 0], stddev=0.1)
        self.W = tf.Variable(W0, name="W")  # (784, 10)
        self.b = tf.Variable(tf.zeros([10]), name="b")  # (10,)
        # END SOLUTION

    def __call__(self, x, dropout_rate=0.0, seed=None):
        """Logits (N, 10) of images x (N, 28, 28)."""
        X = tf.reshape(x, [-1, 28 * 28])  # (N, 28, 28) -> (N, 784)
        # TODO: return the logits X W + b (tf.matmul, or the @ operator).
        # BEGIN SOLUTION
        return tf.matmul(X, self.W) + self.b  # (N, 784) @ (784, 10) + (10,) -> (N, 10)
        # END SOLUTION
