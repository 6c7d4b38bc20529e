"""The causes ``tfdojo kata check --strict`` names when a kata's rules, read from the code,
are broken (:mod:`tfdojo.teaching.kata.strict`): the asked recipe, not only its result."""

from __future__ import annotations

from tfdojo.teaching.kata.causes.cause import Cause

NUMPY_IN_TF = Cause(
    "tensors/strict-numpy",
    "recipe",
    "write it with TensorFlow ops: NumPy (np.*, .numpy()) leaves TensorFlow, its graph and its GPU",
)
KERAS_LAYERS = Cause(
    "any/strict-keras-layers",
    "recipe",
    "write the variables and the matmul (or conv2d) yourself: this kata is what a Keras "
    "layer hides",
)
UNSEEDED_RANDOM = Cause(
    "any/strict-unseeded-random",
    "randomness",
    "draw with tf.random.stateless_* and the seed given: tf.random.normal, uniform and "
    "truncated_normal (and Keras initializers) follow a global state, so no two runs agree",
)
GLOBAL_RNG = Cause(
    "any/strict-global-rng",
    "randomness",
    "draw from one generator, np.random.default_rng(seed), made once: np.random.choice, "
    "shuffle, permutation and seed use NumPy's global state",
)
LIBRARY_SOFTMAX = Cause(
    "softmax_cross_entropy/strict-library-softmax",
    "recipe",
    "write the softmax and the cross-entropy from tf.exp, tf.reduce_max, tf.reduce_sum and "
    "tf.math.log: tf.nn.softmax* and tf.nn.*cross_entropy* are the check's oracles",
)
OPTIMIZER = Cause(
    "any/strict-optimizer",
    "recipe",
    "move the variables yourself (v.assign_sub(lr * g)): an optimizer, .apply_gradients or "
    ".minimize hides the update this kata teaches",
)
LIBRARY_DROPOUT = Cause(
    "dropout/strict-library-dropout",
    "recipe",
    "build the mask yourself from tf.random.stateless_uniform: tf.nn.dropout and Keras' "
    "Dropout are what this kata writes",
)
REGULARIZER = Cause(
    "l2/strict-regularizer",
    "recipe",
    "sum tf.nn.l2_loss of the weight matrices yourself: a Keras regularizer is not part of "
    "this model",
)
SCHEDULE = Cause(
    "lr_decay/strict-schedule",
    "recipe",
    "compute lr0 * decay_rate ** (step / decay_steps) yourself: a Keras schedule is what "
    "this kata writes",
)
NOT_SGD = Cause(
    "keras/strict-not-sgd",
    "recipe",
    "compile with keras.optimizers.SGD(learning_rate=lr): the kata asks for plain SGD; "
    "another optimiser may score as well and teaches something else",
)
LIBRARY_IN_NUMPY = Cause(
    "any/strict-library-in-numpy",
    "recipe",
    "by hand, in NumPy: TensorFlow or SciPy would do the kata for you",
)
FIXED_BATCH = Cause(
    "any/strict-fixed-batch",
    "shapes",
    "it works at one batch size only: write -1 or tf.shape(x)[0] where the batch goes, never "
    "the size the check happens to use",
)
ROWS_MIXED = Cause(
    "any/strict-rows-mixed",
    "axis",
    "each image's result must depend on that image only: a reduction along axis 0 (or over "
    "the whole batch) mixes the images of a batch",
)
