"""Kata 7: the course's ReLU network: one hidden layer of 1,024 units.

    h = relu(X W1 + b1)       X (N, 784) @ W1 (784, 1024) + b1 (1024,) -> (N, 1024)
    logits = h W2 + b2        h (N, 1024) @ W2 (1024, 10) + b2 (10,)   -> (N, 10)

relu(z) = max(0, z), element by element. Without it the two layers would collapse into
one linear map, X (W1 W2) + ..., no better than kata 2's. Parameters:
784 x 1,024 + 1,024 + 1,024 x 10 + 10 = 814,090.

The initial weights matter: drawn with stddev 1 they make logits in the hundreds and
the first steps explode. He initialisation keeps each layer's output of the same scale
as its input: stddev = sqrt(2 / fan_in), fan_in being the number of inputs of a unit.

The model contract is kata 2's: MLP(seed=0), model(x, dropout_rate=0.0, seed=None) ->
logits (N, 10) for x (N, 28, 28); weights W1, W2 (rank 2), biases b1, b2 (rank 1).
This one ignores dropout (kata 9 adds it).

What to do: the four variables (W1 from seed [seed, 1], W2 from [seed, 2], biases
zeros, each named: tf.Variable(..., name="W1")) and the forward pass, for any
num_hiddens. The check reads your initial weights' spread (at another num_hiddens
too), compares the logits with the reference computed from your variables, then
trains the network with kata 5's loop for NUM_STEPS steps at LR and wants 85% of the
test images right.

Check it:  tfdojo kata check relu_network
"""

import tensorflow as tf

BATCH_SIZE = 128
LR = 0.1
NUM_STEPS = 200


class MLP(tf.Module):
    """logits = relu(X W1 + b1) W2 + b2: 784 -> 1,024 -> 10, 814,090 parameters."""

    def __init__(self, seed=0, num_hiddens=1024):
        super().__init__(name="mlp")
        # TODO: W1 (784, num_hiddens), b1, W2 (num_hiddens, 10), b2 as tf.Variable named
        #       "W1", "b1", ...; the weights from tf.random.stateless_truncated_normal with
        #       He's stddev, the biases zeros.
        # BEGIN SOLUTION
        W1 = tf.random.stateless_truncated_normal(
            [784, num_hiddens], seed=[seed, 1], stddev=(2 / 784) ** 0.5
        )
        W2 = tf.random.stateless_truncated_normal(
            [num_hiddens, 10], seed=[seed, 2], stddev=(2 / num_hiddens) ** 0.5
        )
        self.W1 = tf.Variable(W1, name="W1")  # (784, 1024)
        self.b1 = tf.Variable(tf.zeros([num_hiddens]), name="b1")  # (1024,)
        self.W2 = tf.Variable(W2, name="W2")  # (1024, 10)
        self.b2 = tf.Variable(tf.zeros([10]), name="b2")  # (10,)
        # END SOLUTION

    def __call__(self, x, dropout_rate=0.0, seed=None):
        """Logits (N, 10) of images x (N, 28, 28)."""
        X = tf.reshape(x, [-1, 28 * 28])  # (N, 28, 28) -> (N, 784)
        # TODO: the hidden layer with its ReLU, then the logits (no ReLU on them).
        # BEGIN SOLUTION
        h = tf.nn.relu(tf.matmul(X, self.W1) + self.b1)  # (N, 784) @ (784, 1024) -> (N, 1024)
        return tf.matmul(h, self.W2) + self.b2  # (N, 1024) @ (1024, 10) -> (N, 10)
        # END SOLUTION
