"""Mutants and variants of the katas of checks/loops.py: 5 the minibatch loop, 6 gradient
descent vs SGD, and 10 learning-rate decay in :mod:`.lr_decay`."""

from __future__ import annotations

from tfdojo.teaching.kata.mutants import lr_decay
from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

PREDICT = """predicted = tf.argmax(logits, axis=1, output_type=tf.int32)  # (N, 10) -> (N,)
    correct = tf.cast(predicted == tf.cast(y, tf.int32), tf.float32)"""
BATCH = """        offset = (step * batch_size) % (len(y) - batch_size)
        X_batch = X[offset : offset + batch_size]  # (batch_size, 28, 28)
        y_batch = y[offset : offset + batch_size]  # (batch_size,)"""
STEP_5 = "        losses.append(float(train_step(model, X_batch, y_batch, lr)))\n"
SGD_DRAW = """    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(num_steps):
        rows = rng.choice(len(y), size=batch_size, replace=False)  # (batch_size,)
"""
EPOCHS = """    per_epoch = len(y) // batch_size
    losses = []
    for step in range(num_steps):
        if step % per_epoch == 0:
            order = {maker}.permutation(len(y))  # a new order each epoch
        start = (step % per_epoch) * batch_size
        rows = order[start : start + batch_size]  # (batch_size,)
"""

MUTANTS: list[Mutant] = [
    # -- 5 the minibatch loop
    Mutant(
        "minibatch_loop",
        "argmax-axis-0",
        "argmax over the images",
        "axis=1, output_type",
        "axis=0, output_type",
        "minibatch_loop/argmax-axis-0",
    ),
    Mutant(
        "minibatch_loop",
        "argmax-int64",
        "tf.argmax's int64 compared with int32 labels",
        PREDICT,
        "predicted = tf.argmax(logits, axis=1)  # (N, 10) -> (N,)\n"
        "    correct = tf.cast(predicted == y, tf.float32)",
        "minibatch_loop/argmax-int64",
    ),
    Mutant(
        "minibatch_loop",
        "count",
        "the number right, not the fraction",
        "float(tf.reduce_mean(correct))",
        "float(tf.reduce_sum(correct))",
        "minibatch_loop/count-not-fraction",
    ),
    Mutant(
        "minibatch_loop",
        "over-ten",
        "the count divided by 10",
        "float(tf.reduce_mean(correct))",
        "float(tf.reduce_sum(correct) / 10)",
        "minibatch_loop/fixed-count",
    ),
    Mutant(
        "minibatch_loop",
        "fraction-wrong",
        "the fraction wrong",
        "predicted == tf.cast(y, tf.int32)",
        "predicted != tf.cast(y, tf.int32)",
        "minibatch_loop/fraction-wrong",
    ),
    Mutant(
        "minibatch_loop",
        "mean-of-booleans",
        "the booleans never cast",
        "correct = tf.cast(predicted == tf.cast(y, tf.int32), tf.float32)",
        "correct = predicted == tf.cast(y, tf.int32)",
        "any/mean-of-booleans",
    ),
    Mutant(
        "minibatch_loop",
        "offset-zero",
        "the offset never moves",
        "offset = (step * batch_size) % (len(y) - batch_size)",
        "offset = 0",
        "minibatch_loop/same-batch",
    ),
    Mutant(
        "minibatch_loop",
        "labels-first-batch",
        "the labels of the first batch every step",
        "y_batch = y[offset : offset + batch_size]  #",
        "y_batch = y[:batch_size]  #",
        "minibatch_loop/labels-mismatch",
    ),
    Mutant(
        "minibatch_loop",
        "whole-set",
        "every step on all the images",
        BATCH,
        "        X_batch, y_batch = X, y",
        "minibatch_loop/whole-set",
    ),
    Mutant(
        "minibatch_loop",
        "batch-size-constant",
        "BATCH_SIZE in place of batch_size",
        BATCH,
        BATCH.replace("batch_size", "BATCH_SIZE"),
        "minibatch_loop/batch-size-ignored",
    ),
    Mutant(
        "minibatch_loop",
        "lr-constant",
        "LR in place of lr",
        "train_step(model, X_batch, y_batch, lr)",
        "train_step(model, X_batch, y_batch, LR)",
        "minibatch_loop/lr-ignored",
    ),
    Mutant(
        "minibatch_loop",
        "steps-constant",
        "NUM_STEPS in place of num_steps",
        "for step in range(num_steps):",
        "for step in range(NUM_STEPS):",
        "minibatch_loop/steps-count",
    ),
    Mutant(
        "minibatch_loop",
        "steps-off-by-one",
        "one step short",
        "for step in range(num_steps):",
        "for step in range(num_steps - 1):",
        "minibatch_loop/steps-count",
    ),
    Mutant(
        "minibatch_loop",
        "short-batch",
        "the offset wraps at N: a last batch runs short",
        "% (len(y) - batch_size)",
        "% len(y)",
        "minibatch_loop/short-batch",
    ),
    Mutant(
        "minibatch_loop",
        "no-return",
        "the losses never returned",
        "    return losses\n",
        "",
        "minibatch_loop/no-losses",
    ),
    Mutant(
        "minibatch_loop",
        "last-loss",
        "only the last loss returned",
        "    return losses\n",
        "    return losses[-1]\n",
        "minibatch_loop/no-losses",
    ),
    Mutant(
        "minibatch_loop",
        "append-after-loop",
        "the loss appended once, after the loop",
        STEP_5,
        "        loss = train_step(model, X_batch, y_batch, lr)\n    losses.append(float(loss))\n",
        "minibatch_loop/not-the-step-losses",
    ),
    Mutant(
        "minibatch_loop",
        "too-few-steps",
        "NUM_STEPS too small to learn",
        "NUM_STEPS = 200",
        "NUM_STEPS = 5",
        "minibatch_loop/not-trained",
    ),
    Mutant(
        "minibatch_loop",
        "too-many-steps",
        "NUM_STEPS over the kata's limit",
        "NUM_STEPS = 200",
        "NUM_STEPS = 1000",
        "minibatch_loop/too-many-steps",
    ),
    # -- 6 gradient descent vs SGD
    Mutant(
        "gd_vs_sgd",
        "gd-first-rows",
        "gradient descent on the first 128 rows",
        "train_step(model, X, y, lr)) for _",
        "train_step(model, X[:128], y[:128], lr)) for _",
        "gd_vs_sgd/gd-not-all-rows",
    ),
    Mutant(
        "gd_vs_sgd",
        "gd-ten-steps",
        "10 steps whatever num_steps",
        "for _ in range(num_steps)]",
        "for _ in range(10)]",
        "gd_vs_sgd/steps-count",
    ),
    Mutant(
        "gd_vs_sgd",
        "gd-lr-constant",
        "LR in place of lr",
        "train_step(model, X, y, lr)) for _",
        "train_step(model, X, y, LR)) for _",
        "gd_vs_sgd/lr-ignored",
    ),
    Mutant(
        "gd_vs_sgd",
        "gd-no-return",
        "the losses never returned",
        "    return [float(train_step(model, X, y, lr)) for _ in range(num_steps)]",
        "    [float(train_step(model, X, y, lr)) for _ in range(num_steps)]",
        "gd_vs_sgd/no-losses",
    ),
    Mutant(
        "gd_vs_sgd",
        "sgd-fixed-rows",
        "the first rows every step",
        "rows = rng.choice(len(y), size=batch_size, replace=False)",
        "rows = np.arange(batch_size)",
        "gd_vs_sgd/same-batch",
    ),
    Mutant(
        "gd_vs_sgd",
        "generator-in-loop",
        "the seeded generator created inside the loop",
        SGD_DRAW,
        SGD_DRAW.replace("    rng = np.random.default_rng(seed)\n", "").replace(
            "num_steps):\n", "num_steps):\n        rng = np.random.default_rng(seed)\n"
        ),
        "gd_vs_sgd/generator-in-loop",
    ),
    Mutant(
        "gd_vs_sgd",
        "generator-per-epoch",
        "the order re-seeded each epoch",
        SGD_DRAW,
        EPOCHS.format(maker="np.random.default_rng(seed)"),
        "gd_vs_sgd/generator-per-epoch",
    ),
    Mutant(
        "gd_vs_sgd",
        "unseeded",
        "np.random.default_rng() without the seed",
        "rng = np.random.default_rng(seed)\n",
        "rng = np.random.default_rng()\n",
        "gd_vs_sgd/unseeded",
    ),
    Mutant(
        "gd_vs_sgd",
        "global-choice",
        "np.random.choice, never seeded",
        "rows = rng.choice(len(y), size=batch_size, replace=False)",
        "rows = np.random.choice(len(y), size=batch_size, replace=False)",
        "gd_vs_sgd/unseeded",
    ),
    Mutant(
        "gd_vs_sgd",
        "seed-fixed",
        "np.random.default_rng(0) whatever the seed",
        "rng = np.random.default_rng(seed)\n",
        "rng = np.random.default_rng(0)\n",
        "gd_vs_sgd/seed-ignored",
    ),
    Mutant(
        "gd_vs_sgd",
        "with-replacement",
        "rows drawn with replacement",
        "batch_size, replace=False)  # (batch_size,)",
        "batch_size, replace=True)  # (batch_size,)",
        "gd_vs_sgd/with-replacement",
    ),
    Mutant(
        "gd_vs_sgd",
        "sgd-batch-constant",
        "BATCH_SIZE in place of batch_size",
        "size=batch_size, replace=False)  # (batch_size,)",
        "size=BATCH_SIZE, replace=False)  # (batch_size,)",
        "gd_vs_sgd/batch-size-ignored",
    ),
    Mutant(
        "gd_vs_sgd",
        "sgd-lr-constant",
        "LR in place of lr",
        "train_step(model, X[rows], y[rows], lr)",
        "train_step(model, X[rows], y[rows], LR)",
        "gd_vs_sgd/lr-ignored",
    ),
    Mutant(
        "gd_vs_sgd",
        "sgd-labels",
        "the labels of the first rows",
        "y[rows], lr",
        "y[:batch_size], lr",
        "gd_vs_sgd/labels-mismatch",
    ),
    Mutant(
        "gd_vs_sgd",
        "sgd-no-return",
        "the losses never returned",
        "    return losses\n",
        "",
        "gd_vs_sgd/no-losses",
    ),
    Mutant(
        "minibatch_loop",
        "no-wrap",
        "the offset never wraps: the last batches run out",
        "        offset = (step * batch_size) % (len(y) - batch_size)\n",
        "        offset = step * batch_size\n",
        "minibatch_loop/short-batch",
    ),
    Mutant(
        "gd_vs_sgd",
        "integers",
        "rows drawn by rng.integers: with replacement",
        "rows = rng.choice(len(y), size=batch_size, replace=False)",
        "rows = rng.integers(0, len(y), size=batch_size)",
        "gd_vs_sgd/with-replacement",
    ),
    Mutant(
        "gd_vs_sgd",
        "sgd-append-after-loop",
        "the loss appended once, after the loop",
        "        losses.append(float(train_step(model, X[rows], y[rows], lr)))\n",
        "        loss = train_step(model, X[rows], y[rows], lr)\n    losses.append(float(loss))\n",
        "gd_vs_sgd/not-the-step-losses",
    ),
] + lr_decay.MUTANTS

VARIANTS: list[Variant] = [
    Variant(
        "minibatch_loop",
        "int64-labels",
        "the labels cast to argmax's int64",
        PREDICT,
        "predicted = tf.argmax(logits, axis=1)  # (N, 10) -> (N,)\n"
        "    correct = tf.cast(tf.equal(predicted, tf.cast(y, tf.int64)), tf.float32)",
    ),
    Variant(
        "minibatch_loop",
        "sum-over-len",
        "the count divided by len(y)",
        "float(tf.reduce_mean(correct))",
        "float(tf.reduce_sum(correct)) / len(y)",
    ),
    Variant(
        "minibatch_loop",
        "numpy-losses",
        "the losses kept as NumPy numbers",
        STEP_5,
        "        loss = train_step(model, X_batch, y_batch, lr)\n"
        "        losses.append(loss.numpy())\n",
    ),
    Variant(
        "gd_vs_sgd",
        "permutation",
        "the first rows of a permutation each step",
        "rows = rng.choice(len(y), size=batch_size, replace=False)",
        "rows = rng.permutation(len(y))[:batch_size]",
    ),
    Variant(
        "gd_vs_sgd",
        "epochs",
        "a new order each epoch from one generator",
        SGD_DRAW,
        "    rng = np.random.default_rng(seed)\n" + EPOCHS.format(maker="rng"),
    ),
    Variant(
        "gd_vs_sgd",
        "gd-loop",
        "gradient descent as a for loop",
        "    return [float(train_step(model, X, y, lr)) for _ in range(num_steps)]",
        "    losses = []\n    for _ in range(num_steps):\n"
        "        losses.append(float(train_step(model, X, y, lr)))\n    return losses",
    ),
    Variant(
        "minibatch_loop",
        "numpy-accuracy",
        "the accuracy in NumPy",
        PREDICT + "  # (N,) of 0.0 or 1.0\n    return float(tf.reduce_mean(correct))",
        "import numpy as np\n\n"
        "    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))",
    ),
    Variant(
        "minibatch_loop",
        "tensor-losses",
        "the step's tensors kept as the losses",
        STEP_5,
        "        losses.append(train_step(model, X_batch, y_batch, lr))\n",
    ),
    Variant(
        "gd_vs_sgd",
        "random-window",
        "a random window of consecutive rows",
        "rows = rng.choice(len(y), size=batch_size, replace=False)",
        "start = rng.integers(0, len(y) - batch_size)\n"
        "        rows = np.arange(start, start + batch_size)",
    ),
] + lr_decay.VARIANTS
