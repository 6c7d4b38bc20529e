"""Kata 13: the course's convnet, with max-pooling (assignment 4), trained by your loop.

    x (N, 28, 28)     reshape                          (N, 28, 28, 1)   one grey channel
    conv 5x5, depth 16, stride 1, SAME, + b1, relu     (N, 28, 28, 16)
    max-pool 2x2, stride 2                             (N, 14, 14, 16)
    conv 5x5, depth 16, stride 1, SAME, + b2, relu     (N, 14, 14, 16)
    max-pool 2x2, stride 2                             (N, 7, 7, 16)
    flatten                                            (N, 784)         7 * 7 * 16,
                                                       tf.reshape's order: row, column, channel
    dense 784 -> 64, + b3, relu                        (N, 64)
    dense 64 -> 10, + b4                               (N, 10)          the logits

Parameters: 5*5*1*16 + 16 = 416, 5*5*16*16 + 16 = 6,416, 784*64 + 64 = 50,240,
64*10 + 10 = 650: 57,722. Max-pooling keeps the largest value of each 2 x 2 window:
tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME") halves the size, and a letter
moved by a pixel gives nearly the same output.

The model contract is kata 2's: ConvNet(seed=0), model(x, dropout_rate=0.0, seed=None)
-> logits (N, 10) for x float32 (N, 28, 28); kernels and weights W1..W4 (rank >= 2),
biases b1..b4 (rank 1). Dropout, if you add it, goes on the 64 hidden units.

The flatten may also put the channels first (a transpose to (N, 16, 7, 7) before the
reshape): W3's rows are then in another order, and the network is the same.

What to do: ConvNet's eight variables (kernels and weights drawn by he(), biases zeros)
and its forward pass. The check reads the spread of your initial weights, compares
your logits with tfdojo's own convnet given your weights (49 images), then trains
ConvNet(seed=0) with kata 5's loop for NUM_STEPS steps and wants 85% of the test images
right.

Check it:  tfdojo kata check convnet
"""

import tensorflow as tf

BATCH_SIZE = 32
LR = 0.1
NUM_STEPS = 150


def he(shape, seed):
    """Initial weights of ``shape``, stddev sqrt(2 / fan_in); fan_in: all axes but the last."""
    fan_in = 1
    for size in shape[:-1]:
        fan_in *= size
    return tf.random.stateless_truncated_normal(shape, seed=seed, stddev=(2 / fan_in) ** 0.5)


class ConvNet(tf.Module):
    """Two 5x5 conv + 2x2 max-pool blocks of depth 16, 64 hidden units: 57,722 parameters."""

    def __init__(self, seed=0):
        super().__init__(name="convnet")
        # TODO: W1 (5, 5, 1, 16), W2 (5, 5, 16, 16), W3 (784, 64), W4 (64, 10) from he(),
        #       seeds [seed, 1] .. [seed, 4]; b1 (16,), b2 (16,), b3 (64,), b4 (10,) zeros.
        # BEGIN SOLUTION
        self.W1 = tf.Variable(he([5, 5, 1, 16], [seed, 1]), name="W1")
        self.b1 = tf.Variable(tf.zeros([16]), name="b1")
        self.W2 = tf.Variable(he([5, 5, 16, 16], [seed, 2]), name="W2")
        self.b2 = tf.Variable(tf.zeros([16]), name="b2")
        self.W3 = tf.Variable(he([7 * 7 * 16, 64], [seed, 3]), name="W3")
        self.b3 = tf.Variable(tf.zeros([64]), name="b3")
        self.W4 = tf.Variable(he([64, 10], [seed, 4]), name="W4")
        self.b4 = tf.Variable(tf.zeros([10]), name="b4")
        # END SOLUTION

    def __call__(self, x, dropout_rate=0.0, seed=None):
        """Logits (N, 10) of images x (N, 28, 28)."""
        h = tf.reshape(x, [-1, 28, 28, 1])  # (N, 28, 28, 1)
        # TODO: the two conv blocks, the flatten, the hidden layer, the logits.
        # BEGIN SOLUTION
        h = tf.nn.relu(tf.nn.conv2d(h, self.W1, strides=1, padding="SAME") + self.b1)
        h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME")  # (N, 14, 14, 16)
        h = tf.nn.relu(tf.nn.conv2d(h, self.W2, strides=1, padding="SAME") + self.b2)
        h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME")  # (N, 7, 7, 16)
        h = tf.reshape(h, [-1, 7 * 7 * 16])  # (N, 784)
        h = tf.nn.relu(tf.matmul(h, self.W3) + self.b3)  # (N, 64)
        if dropout_rate > 0:
            h = tf.nn.experimental.stateless_dropout(h, rate=dropout_rate, seed=seed)
        return tf.matmul(h, self.W4) + self.b4  # (N, 10)
        # END SOLUTION
