"""Mutants and variants of the katas of checks/conv.py: 12 the conv layer, 13 the convnet,
and (from :mod:`~.keras_twin`) 14 Keras."""

from __future__ import annotations

from tfdojo.teaching.kata.mutants import keras_twin
from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

DRAW = "tf.random.stateless_truncated_normal(shape, seed=[seed, 0], stddev=stddev)"
HE = "stddev = (2 / (k * k * depth_in)) ** 0.5"
LAYER = "return tf.nn.relu(tf.nn.conv2d(x, W, strides=stride, padding=padding) + b)"
CONV2 = 'h = tf.nn.relu(tf.nn.conv2d(h, self.W2, strides=1, padding="SAME") + self.b2)'
DENSE = "h = tf.nn.relu(tf.matmul(h, self.W3) + self.b3)  # (N, 64)"
CONVNET_TAIL = """\
        self.W3 = tf.Variable(he([7 * 7 * 16, 64], [seed, 3]), name="W3")
        self.b3 = tf.Variable(tf.zeros([64]), name="b3")
        self.W4 = tf.Variable(he([64, 10], [seed, 4]), name="W4")
        self.b4 = tf.Variable(tf.zeros([10]), name="b4")

    def __call__(self, x, dropout_rate=0.0, seed=None):
        \"\"\"Logits (N, 10) of images x (N, 28, 28).\"\"\"
        h = tf.reshape(x, [-1, 28, 28, 1])  # (N, 28, 28, 1)
        # TODO: the two conv blocks, the flatten, the hidden layer, the logits.
        h = tf.nn.relu(tf.nn.conv2d(h, self.W1, strides=1, padding="SAME") + self.b1)
        h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME")  # (N, 14, 14, 16)
        h = tf.nn.relu(tf.nn.conv2d(h, self.W2, strides=1, padding="SAME") + self.b2)
        h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME")  # (N, 7, 7, 16)
        h = tf.reshape(h, [-1, 7 * 7 * 16])  # (N, 784)"""
"""Kata 13's solution from W3 to the flatten: a mistake made in several places at once."""
FLATTEN = "h = tf.reshape(h, [-1, 7 * 7 * 16])  # (N, 784)"

MUTANTS: list[Mutant] = [
    # -- 12 the conv layer
    Mutant(
        "conv_layer",
        "stddev-fixed",
        "a fixed stddev 0.1 instead of He's",
        "stddev = (2 / (k * k * depth_in)) ** 0.5",
        "stddev = 0.1",
        "conv_layer/he-stddev",
    ),
    Mutant(
        "conv_layer",
        "stddev-as-mean",
        "stddev passed third, where stateless_truncated_normal takes the mean",
        DRAW,
        "tf.random.stateless_truncated_normal(shape, [seed, 0], stddev)",
        "conv_layer/stddev-as-mean",
    ),
    Mutant(
        "conv_layer",
        "no-depth-in",
        "He's fan-in without the input depth",
        HE,
        "stddev = (2 / (k * k)) ** 0.5",
        "conv_layer/he-without-depth-in",
    ),
    Mutant(
        "conv_layer",
        "fan-out",
        "He's stddev from the fan-out",
        HE,
        "stddev = (2 / (k * k * depth_out)) ** 0.5",
        "conv_layer/he-fan-out",
    ),
    Mutant(
        "conv_layer",
        "no-stddev",
        "the stddev left out (1)",
        ", stddev=stddev)",
        ")",
        "conv_layer/he-stddev",
    ),
    Mutant(
        "conv_layer",
        "normal",
        "a normal draw, not truncated",
        "tf.random.stateless_truncated_normal(shape,",
        "tf.random.stateless_normal(shape,",
        "conv_layer/kernel-not-truncated",
    ),
    Mutant(
        "conv_layer",
        "unseeded",
        "the kernel drawn without the seed",
        DRAW,
        "tf.random.truncated_normal(shape, stddev=stddev)",
        "conv_layer/kernel-not-from-seed",
    ),
    Mutant(
        "conv_layer",
        "not-variable",
        "the kernel returned as a tensor",
        'return tf.Variable(W, name="W")',
        "return W",
        "any/weights-not-variables",
    ),
    Mutant(
        "conv_layer",
        "kernel-axes",
        "the kernel's axes (depth_out, k, k, depth_in)",
        "shape = [k, k, depth_in, depth_out]",
        "shape = [depth_out, k, k, depth_in]",
        "conv_layer/kernel-axes",
    ),
    Mutant(
        "conv_layer",
        "off-by-one",
        "VALID as ceil((n - k) / s)",
        "return math.ceil((n - k + 1) / stride)",
        "return math.ceil((n - k) / stride)",
        "conv_layer/valid-off-by-one",
    ),
    Mutant(
        "conv_layer",
        "round-down",
        "SAME rounded down",
        "return math.ceil(n / stride)",
        "return n // stride",
        "conv_layer/size-round-down",
    ),
    Mutant(
        "conv_layer",
        "params-no-bias",
        "the biases not counted",
        "return k * k * depth_in * depth_out + depth_out",
        "return k * k * depth_in * depth_out",
        "conv_layer/params-no-biases",
    ),
    Mutant(
        "conv_layer",
        "params-no-depth-in",
        "the input depth not counted",
        "return k * k * depth_in * depth_out + depth_out",
        "return k * k * depth_out + depth_out",
        "conv_layer/params-no-depth-in",
    ),
    Mutant(
        "conv_layer",
        "lower-case",
        "padding in lower case",
        "padding=padding) + b)",
        "padding=padding.lower()) + b)",
        "any/padding-lower-case",
    ),
    Mutant(
        "conv_layer",
        "no-relu",
        "no ReLU",
        LAYER,
        "return tf.nn.conv2d(x, W, strides=stride, padding=padding) + b",
        "conv_layer/no-relu",
    ),
    Mutant(
        "conv_layer",
        "bias-after-relu",
        "the bias added after the ReLU",
        LAYER,
        "return tf.nn.relu(tf.nn.conv2d(x, W, strides=stride, padding=padding)) + b",
        "conv_layer/bias-after-relu",
    ),
    Mutant(
        "conv_layer",
        "stride-1",
        "the stride ignored",
        "strides=stride, padding=padding) + b)",
        "strides=1, padding=padding) + b)",
        "conv_layer/stride-ignored",
    ),
    Mutant(
        "conv_layer",
        "padding-same",
        "the padding ignored",
        "padding=padding) + b)",
        'padding="SAME") + b)',
        "conv_layer/padding-ignored",
    ),
    # -- 13 the convnet
    Mutant(
        "convnet",
        "same-seed",
        "every weight drawn from the seed [seed, 1]",
        "self.W3 = tf.Variable(he([7 * 7 * 16, 64], [seed, 3])",
        "self.W3 = tf.Variable(he([7 * 7 * 16, 64], [seed, 1])",
        "convnet/same-seed",
    ),
    Mutant(
        "convnet",
        "no-b2",
        "conv2's bias never added",
        CONV2,
        'h = tf.nn.relu(tf.nn.conv2d(h, self.W2, strides=1, padding="SAME"))',
        "convnet/bias-missing",
    ),
    Mutant(
        "convnet",
        "no-relu2",
        "no ReLU after conv2",
        CONV2,
        'h = tf.nn.conv2d(h, self.W2, strides=1, padding="SAME") + self.b2',
        "convnet/relu-missing",
    ),
    Mutant(
        "convnet",
        "no-relu3",
        "no ReLU on the hidden dense layer",
        DENSE,
        "h = tf.matmul(h, self.W3) + self.b3",
        "convnet/relu-missing",
    ),
    Mutant(
        "convnet",
        "no-b3",
        "the hidden layer's bias never added",
        DENSE,
        "h = tf.nn.relu(tf.matmul(h, self.W3))",
        "convnet/bias-missing",
    ),
    Mutant(
        "convnet",
        "valid-conv1",
        "conv1 with VALID padding",
        'tf.nn.conv2d(h, self.W1, strides=1, padding="SAME")',
        'tf.nn.conv2d(h, self.W1, strides=1, padding="VALID")',
        "convnet/valid-padding",
    ),
    Mutant(
        "convnet",
        "valid-conv2",
        "conv2 with VALID padding",
        'tf.nn.conv2d(h, self.W2, strides=1, padding="SAME")',
        'tf.nn.conv2d(h, self.W2, strides=1, padding="VALID")',
        "convnet/valid-padding",
    ),
    Mutant(
        "convnet",
        "valid-adapted",
        "both convs VALID, the flatten and W3 made to fit (4 * 4 * 16)",
        CONVNET_TAIL,
        CONVNET_TAIL.replace("he([7 * 7 * 16, 64]", "he([4 * 4 * 16, 64]")
        .replace('padding="SAME") + self.b', 'padding="VALID") + self.b')
        .replace("[-1, 7 * 7 * 16])", "[-1, 4 * 4 * 16])"),
        "convnet/valid-padding",
    ),
    Mutant(
        "convnet",
        "no-pool2",
        "the second max-pool left out",
        'h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME")  # (N, 7, 7, 16)',
        "pass",
        "convnet/max-pool-missing",
    ),
    Mutant(
        "convnet",
        "flatten-3136",
        "flattened as if one pool only",
        FLATTEN,
        "h = tf.reshape(h, [-1, 14 * 14 * 16])",
        "any/matmul-shapes",
    ),
    Mutant(
        "convnet",
        "fixed-batch",
        "the flatten written for a batch of BATCH_SIZE",
        FLATTEN,
        "h = tf.reshape(h, [BATCH_SIZE, 7 * 7 * 16])",
        "convnet/fixed-batch",
    ),
    Mutant(
        "convnet",
        "avg-pool",
        "average-pooling instead of max-pooling",
        'h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME")  # (N, 14, 14, 16)',
        'h = tf.nn.avg_pool2d(h, ksize=2, strides=2, padding="SAME")',
        "convnet/pool-size",
    ),
    Mutant(
        "convnet",
        "hidden-128",
        "a hidden layer of 128 units",
        "he([7 * 7 * 16, 64], [seed, 3])",
        "he([7 * 7 * 16, 128], [seed, 3])",
        "any/variable-shapes",
    ),
    Mutant(
        "convnet",
        "relu-logits",
        "a ReLU on the logits",
        "return tf.matmul(h, self.W4) + self.b4",
        "return tf.nn.relu(tf.matmul(h, self.W4) + self.b4)",
        "convnet/relu-on-logits",
    ),
    Mutant(
        "convnet",
        "transposed",
        "W3 stored as (64, 784)",
        "he([7 * 7 * 16, 64], [seed, 3])",
        "he([64, 7 * 7 * 16], [seed, 3])",
        "any/weights-transposed",
    ),
    Mutant(
        "convnet",
        "biases-0.1",
        "b1 starts at 0.1",
        'self.b1 = tf.Variable(tf.zeros([16]), name="b1")',
        'self.b1 = tf.Variable(tf.fill([16], 0.1), name="b1")',
        "convnet/biases-not-zero",
    ),
    Mutant(
        "convnet",
        "stddev-0.1",
        "W2 drawn with stddev 0.1",
        "he([5, 5, 16, 16], [seed, 2])",
        "tf.random.stateless_truncated_normal([5, 5, 16, 16], [seed, 2], stddev=0.1)",
        "convnet/he-stddev",
    ),
    Mutant(
        "convnet",
        "he-no-depth",
        "W2's He stddev without the input depth",
        "he([5, 5, 16, 16], [seed, 2])",
        "tf.random.stateless_truncated_normal([5, 5, 16, 16], [seed, 2], stddev=(2 / 25) ** 0.5)",
        "convnet/he-stddev",
    ),
    Mutant(
        "convnet",
        "unnamed",
        "W3 left unnamed",
        'self.W3 = tf.Variable(he([7 * 7 * 16, 64], [seed, 3]), name="W3")',
        "self.W3 = tf.Variable(he([7 * 7 * 16, 64], [seed, 3]))",
        "convnet/variable-names",
    ),
]
MUTANTS += keras_twin.MUTANTS

VARIANTS: list[Variant] = [
    Variant(
        "conv_layer",
        "mean-zero",
        "mean 0.0 and the stddev passed by position",
        DRAW,
        "tf.random.stateless_truncated_normal(shape, [seed, 0], 0.0, stddev)",
    ),
    Variant(
        "conv_layer",
        "bias-add",
        "the bias added by tf.nn.bias_add, the stride by position",
        LAYER,
        "return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, W, stride, padding), b))",
    ),
    Variant(
        "convnet",
        "channels-first",
        "the flatten puts the channels first",
        FLATTEN,
        "h = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [-1, 784])",
    ),
    Variant(
        "convnet",
        "valid-pool",
        "max-pools with VALID padding (the same on even sizes)",
        'h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME")  # (N, 14, 14, 16)',
        'h = tf.nn.max_pool2d(h, 2, 2, "VALID")',
    ),
    Variant(
        "convnet",
        "shape-flatten",
        "the flatten from the tensor's own shape",
        FLATTEN,
        "h = tf.reshape(h, [tf.shape(h)[0], -1])",
    ),
]
VARIANTS += keras_twin.VARIANTS
