"""The causes of the katas of checks/loops.py: one module-level :class:`Cause` each.

Kata 5 ``minibatch_loop``, 6 ``gd_vs_sgd`` and 10 ``lr_decay``.
"""

from __future__ import annotations

from tfdojo.teaching.kata.causes.cause import Cause

# -- 5 the minibatch loop ---------------------------------------------------------------------

ARGMAX_AXIS_0 = Cause(
    "minibatch_loop/argmax-axis-0",
    "axis",
    "argmax over axis=1 (the classes of each image), not axis 0 (the images)",
)
COUNT_NOT_FRACTION = Cause(
    "minibatch_loop/count-not-fraction",
    "mean-sum",
    "the fraction of images right, not their count: the mean",
)
FRACTION_WRONG = Cause(
    "minibatch_loop/fraction-wrong", "recipe", "the fraction right, not wrong: argmax == y"
)
FIXED_COUNT = Cause(
    "minibatch_loop/fixed-count",
    "parameters",
    "divide by the number of images of this call (the mean), not by a fixed number: the "
    "check asks with 7 and 13 images too",
)
ARGMAX_INT64 = Cause(
    "minibatch_loop/argmax-int64",
    "dtype",
    "tf.argmax gives int64 and the labels are int32, and TensorFlow never compares two "
    "dtypes: tf.argmax(logits, axis=1, output_type=tf.int32), or cast y to int64",
)
STEPS_COUNT = Cause(
    "minibatch_loop/steps-count",
    "parameters",
    "take num_steps steps, the argument (the check asks for 6): for step in range(num_steps)",
)
BATCH_SIZE_IGNORED = Cause(
    "minibatch_loop/batch-size-ignored",
    "parameters",
    "each batch has batch_size rows, the argument (the check asks for 24), not BATCH_SIZE "
    "or a number: X[offset : offset + batch_size]",
)
LR_IGNORED = Cause(
    "minibatch_loop/lr-ignored",
    "parameters",
    "pass lr, the argument, to train_step (the check asks for 0.2), not LR or a number",
)
WHOLE_SET = Cause(
    "minibatch_loop/whole-set",
    "loop",
    "every step used all the images: that is gradient descent (kata 6); take batch_size "
    "rows at a time",
)
SHORT_BATCH = Cause(
    "minibatch_loop/short-batch",
    "loop",
    "a batch ran past the end of X and came out short: offset = (step * batch_size) % "
    "(N - batch_size) keeps every batch whole",
)
SAME_BATCH = Cause(
    "minibatch_loop/same-batch",
    "loop",
    "every step trains on the same batch: move the offset with the step, offset = "
    "(step * batch_size) % (N - batch_size)",
)
LABELS_MISMATCH = Cause(
    "minibatch_loop/labels-mismatch",
    "loop",
    "slice X and y with the same rows: y[offset : offset + batch_size]",
)
NO_LOSSES = Cause(
    "minibatch_loop/no-losses",
    "return",
    "return the list of the losses, one float per step: losses.append(float(loss)), then "
    "`return losses` after the loop",
)
NOT_THE_STEP_LOSSES = Cause(
    "minibatch_loop/not-the-step-losses",
    "return",
    "append the loss each train_step returned, in order: losses.append(float(train_step(...)))",
)
LR_TOO_HIGH = Cause(
    "minibatch_loop/lr-too-high",
    "loop",
    "the learning rate is too high: each step overshoots further until the numbers "
    "overflow; try one ten times smaller",
)
NOT_TRAINED = Cause(
    "minibatch_loop/not-trained",
    "loop",
    "the model did not reach 85%: train longer (NUM_STEPS, at most 300) or with a larger "
    "learning rate (LR)",
)
TOO_MANY_STEPS = Cause(
    "minibatch_loop/too-many-steps", "loop", "the kata asks for 85% within 300 steps"
)

# -- 6 gradient descent vs SGD ----------------------------------------------------------------

GD_NOT_ALL_ROWS = Cause(
    "gd_vs_sgd/gd-not-all-rows",
    "loop",
    "gradient descent takes every step on all of X and y: train_step(model, X, y, lr)",
)
STEPS = Cause(
    "gd_vs_sgd/steps-count",
    "parameters",
    "take num_steps steps, the argument, not a number: for _ in range(num_steps)",
)
LR = Cause(
    "gd_vs_sgd/lr-ignored",
    "parameters",
    "pass lr, the argument, to train_step, not LR or a number: the check asks for 0.3",
)
BATCH_SIZE = Cause(
    "gd_vs_sgd/batch-size-ignored",
    "parameters",
    "each SGD step takes batch_size rows, the argument (the check asks for 20), not "
    "BATCH_SIZE or a number",
)
NO_LOSSES_6 = Cause(
    "gd_vs_sgd/no-losses",
    "return",
    "return the list of the losses, one float per step, in order",
)
NOT_THE_STEP_LOSSES_6 = Cause(
    "gd_vs_sgd/not-the-step-losses",
    "return",
    "append the loss each train_step returned, in order: float(train_step(...))",
)
WITH_REPLACEMENT = Cause(
    "gd_vs_sgd/with-replacement",
    "randomness",
    "a batch drew the same row twice: rng.choice(len(y), size=batch_size, replace=False)",
)
SAME_BATCH_6 = Cause(
    "gd_vs_sgd/same-batch",
    "loop",
    "every step took the same rows: draw new rows inside the loop, at each step",
)
GENERATOR_IN_LOOP = Cause(
    "gd_vs_sgd/generator-in-loop",
    "randomness",
    "the generator is created again at every step: np.random.default_rng(seed) inside the "
    "loop starts over and draws the same rows each time; create rng once, before the loop",
)
GENERATOR_PER_EPOCH = Cause(
    "gd_vs_sgd/generator-per-epoch",
    "randomness",
    "the batches repeat in the same order, pass after pass: the generator (or the "
    "permutation's seed) starts over each epoch; create rng once, before the loop, and "
    "draw a new order from it each epoch",
)
UNSEEDED = Cause(
    "gd_vs_sgd/unseeded",
    "randomness",
    "draw the rows from rng = np.random.default_rng(seed): without the seed no two runs "
    "take the same batches",
)
SEED_IGNORED = Cause(
    "gd_vs_sgd/seed-ignored",
    "randomness",
    "use the seed argument: np.random.default_rng(seed), not a fixed seed: another seed "
    "must give other batches",
)
LABELS_MISMATCH_6 = Cause(
    "gd_vs_sgd/labels-mismatch",
    "loop",
    "take the same rows of X and y: X[rows], y[rows]",
)
SGD_WORSE = Cause(
    "gd_vs_sgd/sgd-worse",
    "loop",
    "SGD should beat gradient descent for the same images processed: check that sgd "
    "takes a new batch each step, with the learning rate",
)

# -- 10 learning-rate decay --------------------------------------------------------------------

SMOOTH_ROUNDED = Cause(
    "lr_decay/smooth-rounded",
    "recipe",
    "staircase=False decays smoothly: the exponent is step / decay_steps, a fraction; round "
    "it down (step // decay_steps) only when staircase is True",
)
STAIRCASE_IGNORED = Cause(
    "lr_decay/staircase-ignored",
    "parameters",
    "staircase=True rounds the exponent down, step // decay_steps: the rate stays flat for "
    "decay_steps steps, then drops by decay_rate; use the staircase argument",
)
DEFAULT_STAIRS = Cause(
    "lr_decay/default-stairs",
    "parameters",
    "learning_rate(step, lr0, decay_rate, decay_steps) without staircase decays smoothly: "
    "keep the default staircase=False",
)
STAIRS_ROUNDING = Cause(
    "lr_decay/stairs-rounding",
    "recipe",
    "the staircase rounds the exponent down (step // decay_steps, math.floor), not up nor "
    "to the nearest: the rate drops at step decay_steps, not before",
)
EXPONENT_NOT_DIVIDED = Cause(
    "lr_decay/exponent-not-divided",
    "recipe",
    "divide the step by decay_steps: decay_rate ** (step / decay_steps) halves the rate "
    "(decay_rate 0.5) every decay_steps steps, decay_rate ** step at every step",
)
RATE_GROWS = Cause(
    "lr_decay/rate-grows",
    "recipe",
    "the rate grows: multiply lr0 by decay_rate ** exponent (decay_rate < 1), do not divide",
)
STEP_FROM_ONE = Cause(
    "lr_decay/step-from-one",
    "loop",
    "the first step is step 0, at lr0 itself: learning_rate(0, ...) = lr0, so use step, "
    "not step + 1 (for step in range(num_steps))",
)
LR0_CONSTANT = Cause(
    "lr_decay/lr0-constant",
    "parameters",
    "start from lr0, the argument, not LR0 or 0.3: the check asks for other values",
)
DECAY_RATE_CONSTANT = Cause(
    "lr_decay/decay-rate-constant",
    "parameters",
    "decay by decay_rate, the argument, not DECAY_RATE or 0.5: the check asks for other values",
)
DECAY_STEPS_CONSTANT = Cause(
    "lr_decay/decay-steps-constant",
    "parameters",
    "divide by decay_steps, the argument, not DECAY_STEPS or 100: the check asks for other values",
)
RATE_NOT_PASSED = Cause(
    "lr_decay/rate-not-passed",
    "loop",
    "every step got lr0: pass the decayed rate of each step to train_step, "
    "lr = learning_rate(step, lr0, decay_rate, decay_steps)",
)
STEP_STUCK = Cause(
    "lr_decay/step-stuck",
    "loop",
    "the step never advances: same batch and lr0 at every step; count the steps, "
    "for step in range(num_steps), and use step for the offset and the rate",
)
TRAIN_STAIRCASE = Cause(
    "lr_decay/train-staircase",
    "recipe",
    "train decays smoothly: learning_rate(step, ...) with the default staircase=False",
)
TRAIN_CONSTANTS = Cause(
    "lr_decay/train-constants",
    "parameters",
    "train passes its own arguments to learning_rate (lr0, decay_rate, decay_steps), not "
    "the module's LR0, DECAY_RATE, DECAY_STEPS: the check calls it with other values",
)
PER_EPOCH = Cause(
    "lr_decay/per-epoch",
    "loop",
    "the rate decays with the step, not the epoch: learning_rate(step, ...) with step the "
    "number of train_step calls so far",
)
STEPS_COUNT_10 = Cause(
    "lr_decay/steps-count",
    "parameters",
    "take num_steps steps, the argument, not NUM_STEPS or a number: for step in range(num_steps)",
)
BATCH_SIZE_10 = Cause(
    "lr_decay/batch-size-ignored",
    "parameters",
    "each batch has batch_size rows, the argument, not BATCH_SIZE or a number: "
    "X[offset : offset + batch_size]",
)
LABELS_MISMATCH_10 = Cause(
    "lr_decay/labels-mismatch",
    "loop",
    "slice X and y with the same rows: y[offset : offset + batch_size]",
)
SAME_BATCH_10 = Cause(
    "lr_decay/same-batch",
    "loop",
    "every step trains on the same batch: offset = (step * batch_size) % (N - batch_size)",
)
NO_LOSSES_10 = Cause(
    "lr_decay/no-losses",
    "return",
    "return the list of the losses, one float per step: losses.append(float(loss)), then "
    "`return losses` after the loop",
)
NOT_THE_STEP_LOSSES_10 = Cause(
    "lr_decay/not-the-step-losses",
    "return",
    "append the loss each train_step returned, in order: losses.append(float(train_step(...)))",
)
LR_TOO_HIGH_10 = Cause(
    "lr_decay/lr-too-high",
    "loop",
    "LR0 is too high: each step overshoots further until the numbers overflow; try one "
    "ten times smaller",
)
NOT_TRAINED_10 = Cause(
    "lr_decay/not-trained",
    "loop",
    "the network did not reach 85%: more steps (NUM_STEPS, at most 300), a larger LR0, or "
    "a slower decay (DECAY_RATE nearer 1, more DECAY_STEPS)",
)
TOO_MANY_STEPS_10 = Cause(
    "lr_decay/too-many-steps", "loop", "the kata asks for 85% within 300 steps: NUM_STEPS <= 300"
)
NO_RETURN_10 = Cause(
    "lr_decay/no-return",
    "return",
    "learning_rate returns the rate: `return lr0 * decay_rate ** exponent`",
)
SHORT_BATCH_10 = Cause(
    "lr_decay/short-batch",
    "shapes",
    "a batch ran past the end of X and came out short: offset = (step * batch_size) % "
    "(len(y) - batch_size) keeps every batch whole, whatever the number of images",
)
NOT_EXPONENTIAL = Cause(
    "lr_decay/not-exponential",
    "recipe",
    "the decay is exponential: lr0 * decay_rate ** (step / decay_steps) multiplies the rate "
    "by decay_rate every decay_steps steps; a linear or 1 / (1 + ...) decay is another schedule",
)
