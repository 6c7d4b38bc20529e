"""The causes of the katas of checks/conv.py (12 the conv layer, 13 the convnet, 14 Keras),
and of the conv formulas checks/diagnoses.py shares: one module-level :class:`Cause` each."""

from __future__ import annotations

from tfdojo.teaching.kata.causes.cause import Cause

# -- the two formulas of a conv layer (checks/diagnoses.py) -----------------------------------

SIZE_NOT_WHOLE = Cause(
    "conv_layer/size-not-whole",
    "shapes",
    "an output size is a whole number: round up: math.ceil(...)",
)
SIZE_OFF_BY_ONE = Cause(
    "conv_layer/valid-off-by-one",
    "shapes",
    "off by one: a k-wide window fits in n - k + 1 positions, not n - k",
)
SIZE_ROUND_DOWN = Cause(
    "conv_layer/size-round-down",
    "shapes",
    "round up, not down: a last partial stride still gives an output (ceil)",
)
SIZE_SAME_STRIDE = Cause(
    "conv_layer/same-ignores-stride",
    "shapes",
    "with SAME padding the stride still divides the size: ceil(n / s)",
)
SIZE_SAME_AS_VALID = Cause(
    "conv_layer/same-as-valid",
    "shapes",
    "that is VALID's formula: SAME pads so that the window never shrinks the size",
)
PARAMS_NO_BIAS = Cause(
    "conv_layer/params-no-biases", "shapes", "forgot the biases: one per filter, depth_out more"
)
PARAMS_NO_DEPTH_IN = Cause(
    "conv_layer/params-no-depth-in",
    "shapes",
    "each filter spans every input channel: multiply by depth_in too",
)

# -- 12 the conv layer ------------------------------------------------------------------------

KERNEL_ORDER = Cause(
    "conv_layer/kernel-axes",
    "shapes",
    "TensorFlow's kernels are (k, k, depth_in, depth_out): height, width, in, out channels",
)
KERNEL_NOT_SEEDED = Cause(
    "conv_layer/kernel-not-from-seed",
    "randomness",
    "draw it with tf.random.stateless_truncated_normal(shape, seed=[seed, 0], ...)",
)
KERNEL_STDDEV_AS_MEAN = Cause(
    "conv_layer/stddev-as-mean",
    "init",
    "the kernel's mean is not 0: stateless_truncated_normal(shape, seed, mean, stddev) "
    "takes the mean third; name the argument, stddev=...",
)
KERNEL_STDDEV = Cause(
    "conv_layer/he-stddev",
    "init",
    "He's stddev is sqrt(2 / fan_in), fan_in = k * k * depth_in: the inputs of one output value",
)
KERNEL_NO_DEPTH_IN = Cause(
    "conv_layer/he-without-depth-in",
    "init",
    "fan_in counts every input channel: k * k * depth_in, not k * k",
)
KERNEL_FAN_OUT = Cause(
    "conv_layer/he-fan-out",
    "init",
    "fan_in, not fan_out: k * k * depth_in inputs per output value, not k * k * depth_out",
)
KERNEL_NOT_TRUNCATED = Cause(
    "conv_layer/kernel-not-truncated",
    "init",
    "draw with tf.random.stateless_truncated_normal: no value beyond two stddevs",
)
CONV_NO_RELU = Cause("conv_layer/no-relu", "recipe", "relu(conv2d(x, W) + b): the ReLU is missing")
CONV_BIAS_AFTER = Cause("conv_layer/bias-after-relu", "recipe", "add the bias b before the ReLU")
CONV_NO_BIAS = Cause("conv_layer/no-bias", "recipe", "add the bias: relu(conv2d(x, W) + b)")
CONV_STRIDE = Cause("conv_layer/stride-ignored", "parameters", "pass the stride: strides=stride")
CONV_PADDING = Cause(
    "conv_layer/padding-ignored", "parameters", "pass the padding: padding=padding"
)

# -- 13 the convnet ---------------------------------------------------------------------------

CONVNET_NAMES = Cause(
    "convnet/variable-names",
    "names",
    'name them as the exercise does: self.W1 = tf.Variable(..., name="W1"), ..., b4; the '
    "check, kata 8's penalty and tfdojo train find them by these names",
)
CONVNET_INIT = Cause(
    "convnet/he-stddev",
    "init",
    "draw each kernel and weight with he(): stddev sqrt(2 / fan_in), fan_in = all axes but "
    "the last (5 * 5 * depth_in for a kernel)",
)
CONVNET_BIASES = Cause("convnet/biases-not-zero", "init", "biases start at zero: tf.zeros([depth])")
CONVNET_RELU_LOGITS = Cause(
    "convnet/relu-on-logits", "logits", "no ReLU on the logits: they are scores"
)
CONVNET_NO_POOL = Cause(
    "convnet/max-pool-missing",
    "shapes",
    "a max-pool is missing: 28 -> 14 -> 7 takes two, else the flatten to 784 cuts each image "
    "into several rows",
)
CONVNET_VALID = Cause(
    "convnet/valid-padding",
    "shapes",
    'the convolutions pad with "SAME": with "VALID" a 5x5 kernel shrinks 28 to 24, and the '
    "flatten no longer gets 7 * 7 * 16 values per image",
)
CONVNET_NO_B2 = Cause(
    "convnet/bias-missing",
    "recipe",
    "a bias is missing: each conv and dense layer adds its own, + self.b1 .. + self.b4",
)
CONVNET_NO_RELU = Cause(
    "convnet/relu-missing",
    "recipe",
    "a ReLU is missing: after each conv (+ bias) and after the hidden dense layer",
)
CONVNET_FIXED_BATCH = Cause(
    "convnet/fixed-batch",
    "shapes",
    "the batch size is fixed in a reshape: keep -1 for the first axis, tf.reshape(h, [-1, 784])",
)
CONVNET_POOL = Cause(
    "convnet/pool-size",
    "recipe",
    'max-pool 2x2 with stride 2: tf.nn.max_pool2d(h, ksize=2, strides=2, padding="SAME")',
)

# -- 14 Keras ---------------------------------------------------------------------------------

KERAS_LAYERS = Cause(
    "keras/layers",
    "shapes",
    "padding='same' in both Conv2D, a MaxPooling2D(2) after each, then Flatten, "
    "Dense(64, activation='relu'), Dense(10)",
)
KERAS_SOFTMAX = Cause(
    "keras/softmax-on-logits",
    "logits",
    "a softmax on the last layer: the loss with from_logits=True applies it, so it would be "
    "applied twice; leave Dense(10) without activation",
)
KERAS_RELU = Cause(
    "keras/relu-missing",
    "recipe",
    "a ReLU is missing: activation='relu' in both Conv2D and in Dense(64)",
)
KERAS_RELU_LOGITS = Cause(
    "keras/activation-on-logits",
    "logits",
    "the last layer has no activation: Dense(10) gives the logits, negative ones too",
)
KERAS_OPTIMIZER = Cause(
    "keras/optimizer-not-sgd",
    "recipe",
    "the kata asks for plain SGD, keras.optimizers.SGD(learning_rate=lr): another optimizer "
    "(Adam, momentum) may score as well and compares something else",
)
KERAS_LR = Cause(
    "keras/lr-ignored",
    "parameters",
    "use the lr given: keras.optimizers.SGD(learning_rate=lr)",
)
KERAS_LOSS = Cause(
    "keras/loss",
    "logits",
    "the loss takes logits and integer labels: "
    "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
)
KERAS_EPOCHS = Cause(
    "keras/epochs-or-batch-ignored",
    "parameters",
    "pass epochs and batch_size to model.fit: fit is called with other values",
)
KERAS_RETURN = Cause(
    "keras/return-losses",
    "return",
    'return the loss of each epoch: history.history["loss"], a list of epochs numbers (an '
    "untrained 10-class model's first loss is about ln 10 = 2.3)",
)
KERAS_LOW = Cause(
    "keras/accuracy-low", "loop", "train as asked: SGD(lr), the loss of logits, the epochs given"
)
KERAS_WORSE = Cause(
    "keras/worse-than-hand-loop",
    "recipe",
    "Keras fit is significantly worse than the hand-written loop on the same steps "
    "(McNemar p < 0.05): the same network and recipe should not differ more than chance",
)
KERAS_NOT_SEEDED = Cause(
    "keras/not-seeded",
    "randomness",
    "build the model after keras.utils.set_random_seed(seed): the same seed, the same weights",
)

CONVNET_SAME_SEED = Cause(
    "convnet/same-seed",
    "randomness",
    "two weights drawn from the same seed: a stateless draw with the same seed starts with the "
    "same numbers whatever the shape, so one weight repeats another's first values; draw each "
    "from its own seed ([seed, 1], [seed, 2], [seed, 3])",
)
