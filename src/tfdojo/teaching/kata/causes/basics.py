"""The causes of the katas of checks/basics.py: one module-level :class:`Cause` each.

Kata 1 ``tensors``, 2 ``logistic``, 3 ``softmax_cross_entropy``, 4 ``training_step``, and
the causes any kata's shared helpers name (``any/...``). The sentences of softmax and the
cross-entropy are shared with the NumPy track (:mod:`.by_hand`): the same mistake, the same
words, a cause id per kata.
"""

from __future__ import annotations

from tfdojo.teaching.kata.causes.cause import Cause

# -- any kata (the checks' shared helpers) ---------------------------------------------------

MISSING_NAME = Cause(
    "any/missing-name",
    "names",
    "keep the names the exercise gives: the check calls them by name",
)
NO_RETURN = Cause(
    "any/no-return", "return", "the function returned nothing: did you forget `return`?"
)
NOT_FINITE = Cause(
    "any/not-finite",
    "numerics",
    "inf or nan where numbers were expected: an exp() that overflowed, or log(0)?",
)

# -- sentences shared by kata 3 and the NumPy track ------------------------------------------

AXIS_0 = (
    "each row is its own distribution: reduce along axis=-1 (the classes), not axis=0, "
    "which mixes the images of the batch (tf.nn.softmax(logits, axis=0) does the same)"
)
WHOLE_SUM = (
    "each row is its own distribution and each row should sum to 1: sum along axis=-1, "
    "keepdims=True"
)
NO_KEEPDIMS = (
    "keep the reduced axis: a sum or a max with axis=-1, keepdims=True is (N, 1) and "
    "divides (N, K) row by row; without keepdims, (N,) lines up with the classes, not the rows"
)
BATCH_MAX = (
    "shift each row by its own maximum (axis=-1, keepdims=True): shifted by the batch's "
    "maximum, a row far below it gives exp() = 0 everywhere, 0 / 0 = nan or log(0)"
)
OVERFLOW = (
    "exp() of large scores overflows to inf (inf / inf = nan, and exp(-1000) is 0): "
    "subtract each row's maximum first, softmax(z - max z) = softmax(z)"
)
NO_EXP = "take exp() of the scores first: S_i = exp(z_i) / sum_j exp(z_j)"
REDUCED = "one probability per score: that reduced too far; return e / sum(e), same shape as z"
CE_SUM = "the mean over the batch, not the sum: take the mean"
CE_TWICE = (
    "softmax applied twice: the inputs are logits, take their softmax once "
    "(softmax twice squeezes every probability towards 1/K)"
)
CE_OF_LOGITS = (
    "the log of the logits, as if they were probabilities: apply softmax first "
    "(log S = z - log sum exp z)"
)
CE_SIGN = "the sign: D = -sum L log S is positive"
CE_UNSTABLE = (
    "log(softmax(z)) underflows: softmax is exactly 0 for a class 800 below the best, and "
    "log(0) = -inf; compute log S = (z - max z) - log sum exp(z - max z) (log-sum-exp)"
)
CE_ALL_CLASSES = "pick each row's right class (the label's column), not every class"
CE_NOT_ONE = "the loss is one number: the mean over the batch"
CE_OVER_CLASSES = (
    "the mean over the images only: sum -L log S over the classes first (axis=-1), then "
    "the mean over the batch; a mean over all N x K numbers divides by K too"
)

# -- 1 tensors --------------------------------------------------------------------------------

FLATTEN_ONE_ROW = Cause(
    "tensors/flatten-one-row",
    "shapes",
    "keep one row per image: tf.reshape(images, [-1, 784]); [-1] alone makes one long "
    "vector of every pixel of every image",
)
FLATTEN_TRANSPOSED = Cause(
    "tensors/flatten-transposed",
    "shapes",
    "rows are images: (N, 784), not (784, N); the -1 goes first, tf.reshape(images, [-1, 784])",
)
FLATTEN_ORDER = Cause(
    "tensors/flatten-pixel-order",
    "shapes",
    "the pixels are out of order: reshape reads each image row by row; no transpose",
)
FLATTEN_FIXED_N = Cause(
    "tensors/flatten-fixed-n",
    "parameters",
    "the number of images changes from call to call: let TensorFlow work it out, "
    "tf.reshape(images, [-1, 784]) (or tf.shape(images)[0])",
)
SCALE_NOT_CENTRED = Cause(
    "tensors/scale-not-centred", "recipe", "the range is [0, 1]: subtract 0.5 after dividing by 255"
)
SCALE_MINUS_ONE = Cause(
    "tensors/scale-minus-one-one",
    "recipe",
    "the range is [-1, 1]: divide by 255, then subtract 0.5",
)
SCALE_256 = Cause("tensors/scale-256", "recipe", "divide by 255 (the largest pixel), not 256")
SCALE_PRECEDENCE = Cause(
    "tensors/scale-precedence",
    "recipe",
    "division goes before subtraction: x - 0.5 / 255 subtracts 0.002; write x / 255.0 - 0.5",
)
SCALE_INTEGER = Cause(
    "tensors/scale-integer-division",
    "dtype",
    "// is integer division (every pixel became 0 or 1), or the pixels stayed uint8: "
    "tf.cast(images, tf.float32) first, then / 255.0",
)
SCALE_DTYPE = Cause(
    "tensors/scale-not-float32",
    "dtype",
    "tf.cast(images, tf.float32) before scaling: models compute in float32",
)
ONE_HOT_INTEGER = Cause(
    "tensors/one-hot-integer",
    "one-hot",
    "integer labels where one-hot was expected: one_hot makes (N, 10) rows with a 1 at each "
    "label's column (tf.one_hot(labels, 10))",
)
ONE_HOT_OFF_BY_ONE = Cause(
    "tensors/one-hot-off-by-one", "one-hot", "labels count from 0: label 2 is column 2"
)
ONE_HOT_CLASSES = Cause(
    "tensors/one-hot-num-classes-ignored",
    "parameters",
    "use num_classes: tf.one_hot(labels, num_classes) makes num_classes columns (the check "
    "asks for 3 and 26 too), not always 10",
)
ONE_HOT_AXIS = Cause(
    "tensors/one-hot-axis",
    "axis",
    "one row per label: tf.one_hot's default axis=-1 gives (N, num_classes); axis=0 gives "
    "(num_classes, N)",
)
ONE_HOT_INDEXING = Cause(
    "tensors/one-hot-fancy-indexing",
    "one-hot",
    "a tensor takes no array of indices: tf.one_hot(labels, num_classes), or "
    "tf.gather(tf.eye(num_classes), labels)",
)
ONE_HOT_DTYPE = Cause(
    "tensors/one-hot-not-float32",
    "dtype",
    "the loss multiplies them with float32 log-probabilities: keep tf.one_hot's float32",
)

# -- 2 logistic -------------------------------------------------------------------------------

NOT_VARIABLES = Cause(
    "logistic/not-variables",
    "tape",
    "wrap the weights in tf.Variable: a tf.Module tracks only variables, and the "
    "GradientTape watches only variables (a tf.constant or a NumPy array gets a None gradient)",
)
W_TRANSPOSED = Cause(
    "logistic/w-transposed",
    "shapes",
    "W is transposed: it is (inputs, outputs), (784, 10), so that X W multiplies "
    "(N, 784) @ (784, 10)",
)
BIAS_SHAPE = Cause(
    "logistic/bias-shape", "shapes", "one bias per class: b is (10,), added to every row"
)
VARIABLE_SHAPES = Cause(
    "logistic/variable-shapes",
    "shapes",
    "two variables: W (784, 10), inputs by outputs, and b (10,), one bias per class: "
    "7,850 parameters",
)
VARIABLE_NAMES = Cause(
    "logistic/variable-names",
    "names",
    "name the variables as the contract says: tf.Variable(..., name='W') for the weights, "
    "name='b' for the biases (L2 in kata 8 finds the weights by their names)",
)
UNSEEDED = Cause(
    "logistic/unseeded",
    "randomness",
    "draw the weights from the seed: tf.random.stateless_truncated_normal(..., "
    "seed=[seed, 0]); tf.random.truncated_normal without a seed differs at every call",
)
SEED_IGNORED = Cause(
    "logistic/seed-ignored",
    "randomness",
    "use the seed argument: stateless_truncated_normal(shape, seed=[seed, 0], ...), not a "
    "fixed seed: another seed must give other weights",
)
INIT_STDDEV = Cause(
    "logistic/init-stddev",
    "init",
    "draw W with the spread the exercise gives: stateless_truncated_normal(..., stddev=0.1) "
    "(its default stddev is 1.0)",
)
BIAS_NOT_ZERO = Cause(
    "logistic/bias-not-zero", "init", "biases start at zero: tf.Variable(tf.zeros([10]), name='b')"
)
SOFTMAX_IN_MODEL = Cause(
    "logistic/softmax-in-model",
    "logits",
    "return the logits: softmax belongs to the loss (kata 3), and applying it here means "
    "softmax twice",
)
ACTIVATION_ON_LOGITS = Cause(
    "logistic/activation-on-logits",
    "logits",
    "no activation on the logits: a ReLU or a sigmoid cuts off or squeezes the scores the "
    "loss needs; logits = X W + b",
)
NO_BIAS = Cause("logistic/no-bias", "recipe", "add the bias: logits = X W + b")
CONTRACT = Cause(
    "logistic/contract",
    "tape",
    "keep the contract of tfdojo's models: TensorFlow ops only in __call__ (no .numpy(), "
    "no NumPy), logits for any number of images, a gradient to every variable",
)
FIXED_BATCH = Cause(
    "logistic/fixed-batch",
    "parameters",
    "the number of images comes from x: tf.reshape(x, [-1, 784]), never a fixed number",
)

# -- 3 softmax and cross-entropy --------------------------------------------------------------

SM_AXIS_0 = Cause("softmax_cross_entropy/softmax-axis-0", "axis", AXIS_0)
SM_WHOLE_SUM = Cause("softmax_cross_entropy/softmax-whole-sum", "axis", WHOLE_SUM)
SM_NO_KEEPDIMS = Cause("softmax_cross_entropy/softmax-no-keepdims", "axis", NO_KEEPDIMS)
SM_BATCH_MAX = Cause("softmax_cross_entropy/softmax-batch-max", "numerics", BATCH_MAX)
SM_OVERFLOW = Cause("softmax_cross_entropy/softmax-overflow", "numerics", OVERFLOW)
SM_NO_EXP = Cause("softmax_cross_entropy/softmax-no-exp", "recipe", NO_EXP)
SM_REDUCED = Cause("softmax_cross_entropy/softmax-reduced", "return", REDUCED)
CE_SUM_NOT_MEAN = Cause("softmax_cross_entropy/ce-sum", "mean-sum", CE_SUM)
CE_SOFTMAX_TWICE = Cause("softmax_cross_entropy/ce-softmax-twice", "logits", CE_TWICE)
CE_LOG_OF_LOGITS = Cause("softmax_cross_entropy/ce-log-of-logits", "logits", CE_OF_LOGITS)
CE_WRONG_SIGN = Cause("softmax_cross_entropy/ce-sign", "recipe", CE_SIGN)
CE_LOG_UNDERFLOW = Cause("softmax_cross_entropy/ce-unstable", "numerics", CE_UNSTABLE)
CE_BATCH_MAX = Cause("softmax_cross_entropy/ce-batch-max", "numerics", BATCH_MAX)
CE_AXIS_0 = Cause("softmax_cross_entropy/ce-axis-0", "axis", AXIS_0)
CE_NO_KEEPDIMS = Cause("softmax_cross_entropy/ce-no-keepdims", "axis", NO_KEEPDIMS)
CE_EVERY_CLASS = Cause("softmax_cross_entropy/ce-all-classes", "one-hot", CE_ALL_CLASSES)
CE_NOT_ONE_NUMBER = Cause("softmax_cross_entropy/ce-not-one-number", "return", CE_NOT_ONE)
CE_MEAN_OVER_CLASSES = Cause(
    "softmax_cross_entropy/ce-mean-over-classes", "mean-sum", CE_OVER_CLASSES
)
CE_OVERFLOW = Cause("softmax_cross_entropy/ce-overflow", "numerics", OVERFLOW)
CE_NOT_DIFFERENTIABLE = Cause(
    "softmax_cross_entropy/not-differentiable",
    "tape",
    "the tape found no gradient: stay in tf ops (a .numpy() or a NumPy function leaves "
    "the tape, and so does tf.stop_gradient)",
)

# -- 4 training step --------------------------------------------------------------------------

ASSIGN = Cause(
    "training_step/assign-not-assign_sub",
    "tape",
    "assign() replaced W by lr * gradient: use W.assign_sub(lr * g), which does W <- W - lr * g",
    "assign_sub subtracts from the variable in place: v.assign_sub(lr * g) is v <- v - lr * g. "
    "v.assign(x) throws the old value away and puts x there; v.assign(v - lr * g) works too.",
)
UPHILL = Cause(
    "training_step/uphill",
    "tape",
    "the step went uphill: subtract the gradient, v.assign_sub(lr * g)",
)
NOT_UPDATED = Cause(
    "training_step/not-updated",
    "tape",
    "a variable did not change: update each one, v.assign_sub(lr * g) for every variable",
)
VARIABLE_REPLACED = Cause(
    "training_step/variable-replaced",
    "tape",
    "model.W = model.W - lr * g replaces the tf.Variable by a tensor, which the tape no "
    "longer watches and the model no longer tracks: change it in place, v.assign_sub(lr * g)",
)
NO_LR = Cause(
    "training_step/no-lr",
    "parameters",
    "multiply the gradient by the learning rate: v.assign_sub(lr * g)",
)
LR_IGNORED = Cause(
    "training_step/lr-ignored",
    "parameters",
    "use the lr argument: the check calls train_step with other learning rates too",
)
LOSS_SUM = Cause(
    "training_step/loss-sum",
    "mean-sum",
    "the mean over the batch, not the sum: tf.reduce_mean (with a sum each step is N times "
    "too big)",
)
LOSS_SOFTMAX_TWICE = Cause(
    "training_step/loss-softmax-twice",
    "logits",
    "softmax applied twice: softmax_cross_entropy_with_logits takes the logits",
)
LOSS_LOGITS_AS_PROBABILITIES = Cause(
    "training_step/loss-logits-as-probabilities",
    "logits",
    "the loss took the logits as probabilities: Keras's losses want from_logits=True "
    "for logits (or tf.nn.softmax_cross_entropy_with_logits)",
)
LOSS_NOT_ONE_NUMBER = Cause(
    "training_step/loss-not-one-number",
    "mean-sum",
    "the loss is one number: tf.reduce_mean of the per-image cross-entropies",
)
STEP_NO_RETURN = Cause(
    "training_step/no-loss-returned",
    "return",
    "train_step returns the loss: `return loss` at the end, after the updates",
)
LOSS_AFTER_UPDATE = Cause(
    "training_step/loss-after-update",
    "return",
    "return the loss computed inside the tape, before the update (the one the gradients "
    "came from), not one computed again after it",
)
