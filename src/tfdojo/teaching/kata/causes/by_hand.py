"""The causes of the katas of checks/by_hand.py: one module-level :class:`Cause` each.

softmax and the cross-entropy say what kata 3 says (:mod:`.basics`'s sentences), under
their own ids.
"""

from __future__ import annotations

from tfdojo.teaching.kata.causes import basics as tf_katas
from tfdojo.teaching.kata.causes.cause import Cause

# -- softmax ----------------------------------------------------------------------------------

SM_AXIS_0 = Cause("np_softmax/axis-0", "axis", tf_katas.AXIS_0)
SM_WHOLE_SUM = Cause("np_softmax/whole-sum", "axis", tf_katas.WHOLE_SUM)
SM_NO_KEEPDIMS = Cause("np_softmax/no-keepdims", "axis", tf_katas.NO_KEEPDIMS)
SM_BATCH_MAX = Cause("np_softmax/batch-max", "numerics", tf_katas.BATCH_MAX)
SM_OVERFLOW = Cause("np_softmax/overflow", "numerics", tf_katas.OVERFLOW)
SM_NO_EXP = Cause("np_softmax/no-exp", "recipe", tf_katas.NO_EXP)
SM_REDUCED = Cause("np_softmax/reduced", "return", tf_katas.REDUCED)
SM_AXIS_1 = Cause(
    "np_softmax/axis-1",
    "axis",
    "work along the last axis, axis=-1: a vector of scores has no axis 1, and a batch's "
    "last axis is its classes",
)

# -- cross-entropy ----------------------------------------------------------------------------

CE_SUM = Cause("np_cross_entropy/sum", "mean-sum", tf_katas.CE_SUM)
CE_SOFTMAX_TWICE = Cause("np_cross_entropy/softmax-twice", "logits", tf_katas.CE_TWICE)
CE_LOG_OF_LOGITS = Cause("np_cross_entropy/log-of-logits", "logits", tf_katas.CE_OF_LOGITS)
CE_SIGN = Cause("np_cross_entropy/sign", "recipe", tf_katas.CE_SIGN)
CE_UNSTABLE = Cause("np_cross_entropy/unstable", "numerics", tf_katas.CE_UNSTABLE)
CE_BATCH_MAX = Cause("np_cross_entropy/batch-max", "numerics", tf_katas.BATCH_MAX)
CE_AXIS_0 = Cause("np_cross_entropy/axis-0", "axis", tf_katas.AXIS_0)
CE_NO_KEEPDIMS = Cause("np_cross_entropy/no-keepdims", "axis", tf_katas.NO_KEEPDIMS)
CE_ALL_CLASSES = Cause(
    "np_cross_entropy/all-classes",
    "one-hot",
    "pick each row's right class: log_S[np.arange(N), labels] (log_S[:, labels] takes "
    "every row's every label)",
)
CE_NOT_ONE = Cause("np_cross_entropy/not-one-number", "return", tf_katas.CE_NOT_ONE)
CE_OVERFLOW = Cause("np_cross_entropy/overflow", "numerics", tf_katas.OVERFLOW)
CE_OVER_CLASSES = Cause("np_cross_entropy/mean-over-classes", "mean-sum", tf_katas.CE_OVER_CLASSES)

# -- ReLU backward ----------------------------------------------------------------------------

RELU_DERIVATIVE_ALONE = Cause(
    "np_relu_backward/derivative-alone",
    "recipe",
    "that is the ReLU's derivative alone: multiply it by dout (chain rule)",
)
RELU_TIMES_RELU = Cause(
    "np_relu_backward/times-relu",
    "recipe",
    "dout times relu(x): the derivative is the step [x > 0], not x",
)
RELU_NO_MASK = Cause(
    "np_relu_backward/no-mask",
    "recipe",
    "every gradient went through: zero it where x <= 0",
)
RELU_INVERTED = Cause(
    "np_relu_backward/inverted",
    "recipe",
    "the mask is inverted: the gradient flows where x > 0",
)

# -- dense layer backward ---------------------------------------------------------------------

AFFINE_DX_TRANSPOSED = Cause(
    "np_affine_backward/dx-transposed",
    "shapes",
    "the transpose of the right answer: dx = dout @ W.T, (N, M) @ (M, D) -> (N, D)",
)
AFFINE_DW_TRANSPOSED = Cause(
    "np_affine_backward/dw-transposed",
    "shapes",
    "the transpose of the right answer: dW = x.T @ dout, (D, N) @ (N, M) -> (D, M)",
)
AFFINE_DW_MEAN = Cause(
    "np_affine_backward/dw-divided-by-n",
    "mean-sum",
    "dW divided by the batch size: dout already holds the loss's 1/N, so dW = x.T @ dout "
    "sums over the batch, with no division",
)
AFFINE_DB_UNITS = Cause(
    "np_affine_backward/db-over-units",
    "axis",
    "summed over the units: db sums over the batch, axis=0",
)
AFFINE_DB_MEAN = Cause(
    "np_affine_backward/db-mean",
    "mean-sum",
    "the mean over the batch: the loss already averages, so db is a sum, dout.sum(axis=0)",
)
AFFINE_DB_KEEPDIMS = Cause(
    "np_affine_backward/db-keepdims",
    "axis",
    "db has b's shape, (M,): dout.sum(axis=0) without keepdims",
)
AFFINE_NOT_THREE = Cause(
    "np_affine_backward/not-three", "return", "return all three: dx, dW, db, in that order"
)
AFFINE_ORDER = Cause(
    "np_affine_backward/order",
    "return",
    "return them in the order asked, (dx, dW, db): the caller unpacks them by position",
)

# -- dropout ----------------------------------------------------------------------------------

DROPOUT_SHAPE = Cause("np_dropout/shape", "shapes", "dropout keeps the shape: a mask of x.shape")
DROPOUT_FLIPPED = Cause(
    "np_dropout/rate-flipped",
    "train-eval",
    "rate is the fraction dropped: keep a unit with probability 1 - rate",
)
DROPOUT_RATE_IGNORED = Cause(
    "np_dropout/rate-ignored",
    "parameters",
    "use rate, the argument: the check asks for 0.25, 0.5 and 0.1",
)
DROPOUT_NO_SCALE = Cause(
    "np_dropout/no-scale",
    "train-eval",
    "no 1/(1-rate) scale: multiply the kept units by 1 / (1 - rate), so that the expected "
    "output stays the input (inverted dropout)",
)
DROPOUT_TIMES_KEEP = Cause(
    "np_dropout/times-keep-probability",
    "train-eval",
    "the kept units were multiplied by (1 - rate): divide by it instead",
)
DROPOUT_BY_RATE = Cause(
    "np_dropout/divided-by-rate",
    "train-eval",
    "divide the kept units by the probability of keeping them, 1 - rate, not by rate",
)
DROPOUT_NOT_TIMES_X = Cause(
    "np_dropout/not-times-x",
    "recipe",
    "multiply x by the mask: the kept units keep their values, x * keep / (1 - rate)",
)
DROPOUT_UNSEEDED = Cause(
    "np_dropout/unseeded",
    "randomness",
    "draw the mask from rng, the generator given: rng.random(x.shape) >= rate; "
    "np.random's own draws differ at every call",
)
DROPOUT_RNG_IGNORED = Cause(
    "np_dropout/rng-ignored",
    "randomness",
    "draw the mask from rng, the generator given: rng.random(x.shape) >= rate, not a "
    "generator of your own with a fixed seed",
)
