"""Mutants and variants of kata 10, learning-rate decay (checks/decay.py);
:mod:`.loops` lists them with katas 5 and 6."""

from __future__ import annotations

from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

EXPONENT = "exponent = step // decay_steps if staircase else step / decay_steps"
RATE = "return lr0 * decay_rate**exponent"
BODY = f"""    {EXPONENT}
    {RATE}"""
LR = "lr = learning_rate(step, lr0, decay_rate, decay_steps)"
BATCH = """        X_batch = X[offset : offset + batch_size]  # (batch_size, 28, 28)
        y_batch = y[offset : offset + batch_size]  # (batch_size,)"""
LOOP = """    losses = []
    for step in range(num_steps):
        offset = (step * batch_size) % (len(y) - batch_size)
        X_batch = X[offset : offset + batch_size]  # (batch_size, 28, 28)
        y_batch = y[offset : offset + batch_size]  # (batch_size,)
        lr = learning_rate(step, lr0, decay_rate, decay_steps)
        losses.append(float(train_step(model, X_batch, y_batch, lr)))
    return losses"""


def mutant(id: str, description: str, old: str, new: str, cause: str) -> Mutant:
    return Mutant("lr_decay", id, description, old, new, f"lr_decay/{cause}")


def variant(id: str, description: str, old: str, new: str) -> Variant:
    return Variant("lr_decay", id, description, old, new)


MUTANTS: list[Mutant] = [
    # -- learning_rate
    mutant(
        "always-stairs",
        "the exponent rounded down whatever staircase says",
        EXPONENT,
        "exponent = step // decay_steps",
        "smooth-rounded",
    ),
    mutant(
        "stairs-swapped",
        "floor for the smooth schedule, a fraction for the staircase",
        EXPONENT,
        "exponent = step / decay_steps if staircase else step // decay_steps",
        "smooth-rounded",
    ),
    mutant(
        "always-smooth",
        "the staircase argument ignored: always smooth",
        EXPONENT,
        "exponent = step / decay_steps",
        "staircase-ignored",
    ),
    mutant(
        "default-stairs",
        "staircase=True by default",
        "def learning_rate(step, lr0, decay_rate, decay_steps, staircase=False):",
        "def learning_rate(step, lr0, decay_rate, decay_steps, staircase=True):",
        "default-stairs",
    ),
    mutant(
        "stairs-ceil",
        "the staircase rounded up",
        EXPONENT,
        "exponent = -(-step // decay_steps) if staircase else step / decay_steps",
        "stairs-rounding",
    ),
    mutant(
        "stairs-round",
        "the staircase rounded to the nearest step",
        EXPONENT,
        "exponent = round(step / decay_steps) if staircase else step / decay_steps",
        "stairs-rounding",
    ),
    mutant(
        "linear",
        "a linear decay",
        RATE,
        "return lr0 * (1 - (1 - decay_rate) * exponent)",
        "not-exponential",
    ),
    mutant(
        "not-divided",
        "the exponent is the step itself",
        EXPONENT,
        "exponent = step // decay_steps if staircase else step",
        "exponent-not-divided",
    ),
    mutant(
        "grows",
        "divided by decay_rate ** exponent",
        RATE,
        "return lr0 / decay_rate**exponent",
        "rate-grows",
    ),
    mutant(
        "lr0-constant",
        "LR0 in place of lr0",
        RATE,
        "return LR0 * decay_rate**exponent",
        "lr0-constant",
    ),
    mutant(
        "decay-rate-constant",
        "0.5 written in place of decay_rate",
        RATE,
        "return lr0 * 0.5**exponent",
        "decay-rate-constant",
    ),
    mutant(
        "decay-steps-constant",
        "DECAY_STEPS in place of decay_steps",
        EXPONENT,
        "exponent = step // DECAY_STEPS if staircase else step / DECAY_STEPS",
        "decay-steps-constant",
    ),
    mutant(
        "step-plus-one",
        "the first step counted as step 1",
        EXPONENT,
        "exponent = (step + 1) // decay_steps if staircase else (step + 1) / decay_steps",
        "step-from-one",
    ),
    mutant(
        "no-return",
        "the rate computed, not returned",
        RATE,
        "rate = lr0 * decay_rate**exponent",
        "no-return",
    ),
    # -- train
    mutant("rate-not-passed", "lr0 at every step", LR, "lr = lr0", "rate-not-passed"),
    mutant(
        "train-staircase",
        "train asks for the staircase",
        LR,
        "lr = learning_rate(step, lr0, decay_rate, decay_steps, staircase=True)",
        "train-staircase",
    ),
    mutant(
        "train-constants",
        "train passes the module's constants",
        LR,
        "lr = learning_rate(step, LR0, DECAY_RATE, DECAY_STEPS)",
        "train-constants",
    ),
    mutant(
        "per-epoch",
        "the rate decayed once an epoch",
        LR,
        "lr = learning_rate(step * batch_size // len(y), lr0, decay_rate, decay_steps)",
        "per-epoch",
    ),
    mutant(
        "train-step-plus-one",
        "the rate of the next step",
        LR,
        "lr = learning_rate(step + 1, lr0, decay_rate, decay_steps)",
        "step-from-one",
    ),
    mutant(
        "step-stuck",
        "a step counter never advanced",
        "    for step in range(num_steps):\n",
        "    step = 0\n    for _ in range(num_steps):\n",
        "step-stuck",
    ),
    mutant(
        "num-steps-constant",
        "NUM_STEPS in place of num_steps",
        "range(num_steps)",
        "range(NUM_STEPS)",
        "steps-count",
    ),
    mutant(
        "batch-size-constant",
        "BATCH_SIZE in place of batch_size",
        BATCH,
        BATCH.replace("offset + batch_size]", "offset + BATCH_SIZE]"),
        "batch-size-ignored",
    ),
    mutant(
        "no-wrap",
        "the offset never wraps around: batches run past the end of X",
        "offset = (step * batch_size) % (len(y) - batch_size)",
        "offset = step * batch_size",
        "short-batch",
    ),
    mutant(
        "labels-shifted",
        "the labels of the next rows",
        "y_batch = y[offset : offset + batch_size]",
        "y_batch = y[offset + 1 : offset + 1 + batch_size]",
        "labels-mismatch",
    ),
    mutant(
        "same-batch",
        "the offset never moves",
        "offset = (step * batch_size) % (len(y) - batch_size)",
        "offset = 0",
        "same-batch",
    ),
    mutant(
        "no-losses",
        "the losses never returned",
        "        losses.append(float(train_step(model, X_batch, y_batch, lr)))\n    return losses",
        "        losses.append(float(train_step(model, X_batch, y_batch, lr)))",
        "no-losses",
    ),
    mutant(
        "rates-returned",
        "the rates appended instead of the losses",
        "losses.append(float(train_step(model, X_batch, y_batch, lr)))",
        "train_step(model, X_batch, y_batch, lr)\n        losses.append(lr)",
        "not-the-step-losses",
    ),
    # -- the constants
    mutant("lr0-too-high", "LR0 = 100", "LR0 = 0.3", "LR0 = 100.0", "lr-too-high"),
    mutant("too-few-steps", "NUM_STEPS = 3", "NUM_STEPS = 200", "NUM_STEPS = 3", "not-trained"),
    mutant(
        "too-many-steps", "NUM_STEPS = 400", "NUM_STEPS = 200", "NUM_STEPS = 400", "too-many-steps"
    ),
]

VARIANTS: list[Variant] = [
    variant(
        "math-pow",
        "math.pow and math.floor, an if for the staircase",
        BODY,
        """    import math

    if staircase:
        return math.pow(decay_rate, math.floor(step / decay_steps)) * lr0
    return lr0 * math.pow(decay_rate, step / decay_steps)""",
    ),
    variant(
        "exp-log",
        "exp(log(decay_rate) * exponent), int() for the staircase",
        BODY,
        """    import math

    exponent = int(step / decay_steps) if staircase else step / decay_steps
    return lr0 * math.exp(math.log(decay_rate) * exponent)""",
    ),
    variant(
        "tensorflow",
        "TensorFlow arithmetic: a float32 tensor returned",
        BODY,
        """    import tensorflow as tf

    exponent = tf.cast(step, tf.float32) / decay_steps
    if staircase:
        exponent = tf.floor(exponent)
    return lr0 * tf.pow(decay_rate, exponent)""",
    ),
    variant(
        "numpy",
        "np.power and np.floor: a NumPy float returned",
        BODY,
        """    import numpy as np

    exponent = np.floor(step / decay_steps) if staircase else step / decay_steps
    return lr0 * np.power(decay_rate, exponent)""",
    ),
    variant(
        "modulo-stairs",
        "the staircase's step rounded down with %",
        EXPONENT,
        "exponent = (step - step % decay_steps) / decay_steps if staircase else step / decay_steps",
    ),
    variant(
        "while-loop",
        "a while loop with its own counter, the rate inline, NumPy losses",
        LOOP,
        """    losses, step = [], 0
    while step < num_steps:
        rate = lr0 * decay_rate ** (step / decay_steps)
        start = step * batch_size % (len(y) - batch_size)
        loss = train_step(model, X[start : start + batch_size], y[start : start + batch_size], rate)
        losses.append(loss.numpy())
        step += 1
    return losses""",
    ),
    variant(
        "staircase-positional",
        "staircase=False passed positionally, the step counted by enumerate",
        LOOP,
        """    losses = []
    for step, _ in enumerate(range(num_steps)):
        offset = (step * batch_size) % (len(y) - batch_size)
        rows = slice(offset, offset + batch_size)
        lr = learning_rate(step, lr0, decay_rate, decay_steps, False)
        losses.append(float(train_step(model, X[rows], y[rows], lr)))
    return losses""",
    ),
]
