"""The causes of the katas of checks/networks.py (7 the ReLU network, 8 L2, 9 dropout,
11 overfitting), and of the diagnoses both tracks share (checks/diagnoses.py: softmax,
the cross-entropy, dropout): one module-level :class:`Cause` each."""

from __future__ import annotations

from tfdojo.teaching.kata.causes.cause import Cause

# -- shared diagnoses (checks/diagnoses.py): a NumPy kata and its TensorFlow twin ------------

SOFTMAX_ROWS = Cause(
    "any/softmax-one-distribution",
    "axis",
    "each row is its own distribution and each row should sum to 1: sum along axis=-1, "
    "keepdims=True",
)
SOFTMAX_AXIS0 = Cause(
    "any/softmax-axis-0",
    "axis",
    "each row is its own distribution: sum along axis=-1, not axis 0",
)
SOFTMAX_NO_EXP = Cause("any/softmax-no-exp", "numerics", "take exp() of the scores first")
SOFTMAX_OVERFLOW = Cause(
    "any/softmax-overflow",
    "numerics",
    "exp() of large scores overflows to inf (inf / inf = nan, and exp(-1000) is 0): "
    "subtract each row's maximum first, softmax(z - max z) = softmax(z)",
)
SOFTMAX_REDUCED = Cause(
    "any/softmax-reduced", "axis", "one probability per score: that reduced too far"
)
LOG_UNDERFLOW = Cause(
    "any/log-softmax-underflow",
    "numerics",
    "log(softmax(z)) underflows: softmax is exactly 0 for a class 800 below the best, and "
    "log(0) = -inf; compute log S = (z - max z) - log sum exp(z - max z) (log-sum-exp)",
)
CE_SUM = Cause(
    "any/cross-entropy-sum",
    "mean-sum",
    "the mean over the batch, not the sum: take the mean",
)
CE_SOFTMAX_TWICE = Cause(
    "any/softmax-twice",
    "logits",
    "softmax applied twice: the inputs are logits, take their softmax once "
    "(softmax twice squeezes every probability towards 1/K)",
)
CE_LOG_LOGITS = Cause(
    "any/log-of-logits",
    "logits",
    "the log of the logits, as if they were probabilities: apply softmax first "
    "(log S = z - log sum exp z)",
)
CE_SIGN = Cause("any/cross-entropy-sign", "numerics", "the sign: D = -sum L log S is positive")
CE_EVERY_CLASS = Cause(
    "any/cross-entropy-every-class",
    "one-hot",
    "pick each row's right class: log_S[np.arange(N), labels]",
)
CE_NOT_REDUCED = Cause(
    "any/cross-entropy-not-reduced",
    "mean-sum",
    "the loss is one number: the mean over the batch",
)
DROPOUT_NO_SCALE = Cause(
    "any/dropout-no-scale",
    "train-eval",
    "no 1/(1-rate) scale: multiply the kept units by 1 / (1 - rate), so that the expected "
    "output stays the input (inverted dropout)",
)
DROPOUT_SHAPE = Cause("any/dropout-shape", "shapes", "dropout keeps the shape of its input")
DROPOUT_KEEP_RATE = Cause(
    "any/dropout-rate-kept",
    "train-eval",
    "rate is the fraction dropped: keep a unit with probability 1 - rate",
)
DROPOUT_TIMES_KEEP = Cause(
    "any/dropout-times-keep",
    "train-eval",
    "the kept units were multiplied by (1 - rate): divide by it instead",
)
DROPOUT_RATE_IGNORED = Cause(
    "any/dropout-rate-ignored",
    "parameters",
    "the fraction dropped does not follow the rate given: use the rate argument, not a "
    "number of your own",
)

# -- any network with W and b (katas 7, 9, 13) ------------------------------------------------

NOT_A_VARIABLE = Cause(
    "any/weights-not-variables",
    "tape",
    "wrap the weights in tf.Variable: a tf.Module tracks only variables, and the "
    "GradientTape watches only variables (a tf.constant or a NumPy array gets a None gradient)",
)
TRANSPOSED = Cause(
    "any/weights-transposed",
    "shapes",
    "a weight matrix is transposed: W is (inputs, outputs), so that X W multiplies "
    "(N, inputs) @ (inputs, outputs)",
)
NOT_SEEDED = Cause(
    "any/init-not-seeded",
    "randomness",
    "draw the weights from the seed: tf.random.stateless_truncated_normal(..., "
    "seed=[seed, k]); tf.random.normal without a seed differs at every call",
)
SEED_IGNORED = Cause(
    "any/init-seed-ignored",
    "randomness",
    "use the seed argument: stateless_truncated_normal(shape, seed=[seed, k], ...)",
)
LR_TOO_HIGH = Cause(
    "any/lr-too-high",
    "loop",
    "the learning rate is too high: each step overshoots further until the numbers "
    "overflow; try one ten times smaller",
)
TOO_FEW_STEPS = Cause(
    "any/train-longer",
    "loop",
    "train longer (more steps) or with a larger learning rate",
)
LOSS_FLAT = Cause(
    "any/loss-flat",
    "loop",
    "the loss did not go down: does each step get the learning rate and its batch?",
)
TOO_MANY_STEPS = Cause("any/too-many-steps", "loop", "the kata asks for it within that many steps")
VARIABLE_SHAPES = Cause(
    "any/variable-shapes",
    "shapes",
    "the variables' shapes are not the exercise's: each layer has W (inputs, outputs) and "
    "b (outputs,); write the shape next to each tf.Variable",
)
NUMPY_IN_CALL = Cause(
    "any/numpy-in-call",
    "tape",
    "NumPy in __call__ (or .numpy()): tfdojo train runs the model in a tf.function, where "
    "only TensorFlow operations work; return a tf.Tensor",
)
BATCH_FROM_X = Cause(
    "any/batch-from-x",
    "shapes",
    "the number of images comes from x: tf.reshape(x, [-1, ...]) or tf.shape(x)[0], never a "
    "fixed number",
)
VARIABLE_UNUSED = Cause(
    "any/variable-unused",
    "tape",
    "a variable the logits do not use gets no gradient: use each tf.Variable in __call__, "
    "with TensorFlow operations",
)
NOT_IN_GRAPH = Cause(
    "any/not-graph-friendly",
    "tape",
    "the model must run in a tf.function, as tfdojo trains it: no .numpy(), no NumPy, no "
    "Python if on a tensor's value",
)
NO_LOSSES = Cause("any/no-losses", "return", "return the list of the losses of the steps")

# -- 7 the ReLU network -----------------------------------------------------------------------

MLP_NAMES = Cause(
    "relu_network/variable-names",
    "names",
    'name the variables as the exercise does: tf.Variable(..., name="W1"), weights W..., '
    "biases b...; kata 8's penalty and tfdojo train find them by these names",
)
MLP_HIDDEN_IGNORED = Cause(
    "relu_network/num-hiddens-ignored",
    "parameters",
    "use num_hiddens for the hidden layer's size: W1 (784, num_hiddens), b1 (num_hiddens,), "
    "W2 (num_hiddens, 10)",
)
MLP_INIT_LARGE = Cause(
    "relu_network/init-too-large",
    "init",
    "the initial weights are too large: draw them with He's stddev = sqrt(2 / fan_in), not 1",
)
MLP_INIT_STDDEV = Cause(
    "relu_network/init-stddev",
    "init",
    "He's stddev is sqrt(2 / fan_in), fan_in the inputs of one unit: 784 for W1, "
    "num_hiddens for W2",
)
MLP_SAME_SEED = Cause(
    "relu_network/same-seed",
    "randomness",
    "W1 and W2 drawn from the same seed: a stateless draw with the same seed starts with the "
    "same numbers whatever the shape, so W2 repeats W1's first values; draw each from its own "
    "seed, [seed, 1] and [seed, 2]",
)
MLP_INIT_FAN_OUT = Cause(
    "relu_network/init-fan-out",
    "init",
    "fan_in, not fan_out: a unit of W1 (784, H) has 784 inputs, one of W2 (H, 10) has H",
)
MLP_NOT_TRUNCATED = Cause(
    "relu_network/init-not-truncated",
    "init",
    "draw with tf.random.stateless_truncated_normal: values beyond two stddevs are drawn "
    "again, so no weight starts far out",
)
MLP_BIASES_NOT_ZERO = Cause(
    "relu_network/biases-not-zero",
    "init",
    "biases start at zero: tf.zeros([num_hiddens]), tf.zeros([10])",
)
MLP_NO_RELU = Cause(
    "relu_network/no-relu",
    "shapes",
    "no ReLU on the hidden layer: without it the two layers are one linear map",
)
MLP_RELU_LOGITS = Cause(
    "relu_network/relu-on-logits", "logits", "no ReLU on the logits: they are scores, negative too"
)
MLP_SOFTMAX = Cause(
    "relu_network/softmax-in-model", "logits", "return the logits: softmax belongs to the loss"
)
MLP_BIAS_AFTER = Cause(
    "relu_network/bias-after-relu",
    "recipe",
    "add b1 before the ReLU: relu(X W1 + b1), the bias shifts where each unit starts to fire",
)
MLP_NO_BIAS = Cause(
    "relu_network/bias-missing",
    "shapes",
    "a bias is missing: relu(X W1 + b1) W2 + b2",
)

# -- 8 L2 -------------------------------------------------------------------------------------

L2_ON_BIASES = Cause(
    "l2/on-biases",
    "recipe",
    "L2 on the biases: penalise the weights only (rank >= 2), not b1 and b2",
)
L2_NO_HALF = Cause(
    "l2/no-half", "recipe", "tf.nn.l2_loss(W) is sum(W ** 2) / 2: the / 2 is missing"
)
L2_MEAN = Cause("l2/mean-not-sum", "mean-sum", "the sum of the squares, not their mean")
L2_NORM = Cause("l2/norm-not-squared", "recipe", "the squared norm ||W||^2, not the norm ||W||")
L2_RANK2_ONLY = Cause(
    "l2/kernels-left-out",
    "shapes",
    "a kernel (k, k, depth_in, depth_out) is a weight too: take every variable of rank >= 2, "
    "not only the matrices",
)
L2_NOT_ADDED = Cause(
    "l2/penalty-not-added", "recipe", "add beta * l2_penalty(model) to the cross-entropy"
)
L2_NO_BETA = Cause("l2/penalty-not-times-beta", "recipe", "multiply the penalty by beta")
L2_BETA_CONSTANT = Cause(
    "l2/beta-constant",
    "parameters",
    "use the beta given: loss_fn is called with other values than 0.01",
)
L2_OUTSIDE_TAPE = Cause(
    "l2/penalty-hidden-from-tape",
    "tape",
    "the tape does not see the penalty: compute it with TensorFlow operations on the "
    "variables (tf.nn.l2_loss, tf.reduce_sum), not NumPy or float()",
)
L2_CE_SUM = Cause(
    "l2/cross-entropy-sum", "mean-sum", "the cross-entropy is the mean over the batch, not the sum"
)

# -- 9 dropout --------------------------------------------------------------------------------

DROPOUT_NOT_SEEDED = Cause(
    "dropout/mask-not-from-seed",
    "randomness",
    "draw the mask from the seed: tf.random.stateless_uniform(tf.shape(h), seed=seed)",
)
DROPOUT_SEED_IGNORED = Cause(
    "dropout/seed-ignored",
    "randomness",
    "the same mask for every seed: pass the model's seed argument to dropout, so that each "
    "training step (a new seed) drops other units",
)
DROPOUT_LEFT_ON = Cause(
    "dropout/left-on-at-evaluation",
    "train-eval",
    "dropout left on at evaluation: model(x) with dropout_rate=0.0 must drop nothing; "
    "drop only when dropout_rate > 0",
)
DROPOUT_NEVER = Cause(
    "dropout/never-dropped", "train-eval", "drop the hidden units when dropout_rate > 0"
)
DROPOUT_ON_LOGITS = Cause(
    "dropout/on-logits", "train-eval", "drop hidden units only, not the logits"
)
DROPOUT_MASK_ONLY = Cause(
    "dropout/mask-not-h",
    "train-eval",
    "return h with the mask applied, tf.where(keep, h / (1 - rate), 0.0): the kept units keep "
    "their values, scaled",
)
DROPOUT_EVAL_MEAN = Cause(
    "dropout/accuracy-not-a-mean",
    "mean-sum",
    "the accuracy is the mean over the images given, tf.reduce_mean: not a sum divided by a "
    "fixed count",
)
DROPOUT_MODEL_RATE = Cause(
    "dropout/model-rate-ignored",
    "parameters",
    "the model drops another fraction than dropout_rate: pass dropout_rate to dropout()",
)

# -- 11 overfitting ---------------------------------------------------------------------------

OVERFIT_NO_DROPOUT = Cause(
    "overfitting/step-without-dropout",
    "train-eval",
    "the step did not use dropout: model(X, dropout_rate=dropout_rate, seed=seed) inside the tape",
)
OVERFIT_ON_BIASES = Cause(
    "overfitting/l2-on-biases", "recipe", "L2 on the biases: the penalty takes the weights only"
)
OVERFIT_NO_L2 = Cause(
    "overfitting/no-penalty",
    "recipe",
    "add beta * l2_penalty(model) to the loss, inside the tape (else its gradient is missing)",
)
OVERFIT_PARAMS = Cause(
    "overfitting/setting-ignored",
    "parameters",
    "use the settings given (lr, beta, dropout_rate): the step is called with other values",
)
OVERFIT_SEED = Cause(
    "overfitting/seed-ignored",
    "randomness",
    "pass the step's seed to the model: each step gets a new seed, so a new dropout mask",
)
OVERFIT_RETURN = Cause(
    "overfitting/return-loss",
    "return",
    "return the loss computed inside the tape, before the update",
)
OVERFIT_CE_SUM = Cause(
    "overfitting/cross-entropy-sum", "mean-sum", "the cross-entropy is the mean over the batch"
)
OVERFIT_NOT_100 = Cause(
    "overfitting/cannot-overfit",
    "loop",
    "train longer or with a larger LR: overfitting a small batch is the first test of a "
    "training loop",
)
OVERFIT_NO_CURE = Cause("overfitting/no-cure", "recipe", "choose a cure: beta or dropout above 0")
OVERFIT_WEAK = Cause(
    "overfitting/cure-too-weak", "recipe", "a stronger cure: a larger beta or dropout rate"
)
OVERFIT_STRONG = Cause(
    "overfitting/cure-too-strong",
    "recipe",
    "the cure is too strong: the network no longer fits even its training images",
)
