# %% [markdown]
# # Lesson 1: notMNIST and the logistic classifier
#
# The letters A to J as 28×28 grey images, and the simplest classifier there is:
# `logits = X W + b`, then softmax, trained by minimising the cross-entropy.
# You will write softmax and the cross-entropy yourself; a check from `tfdojo.kata`
# tells you at once whether they are right, and if not, on which case and why.
#
# The same lesson runs from the terminal: `tfdojo lesson 1` (or `--quick`).

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from tfdojo import kata, lessons, models, plots, runs, shapes
from tfdojo.explain import explain_softmax
from tfdojo.lessons import lesson1
from tfdojo.plots import sample_grid

QUICK = os.environ.get("TFDOJO_QUICK") == "1"  # a small, fast version (what CI runs)
DATA = os.environ.get("TFDOJO_LESSON_DATA")  # None: the dataset `tfdojo data build` made
RUNS = Path(os.environ.get("TFDOJO_LESSON_RUNS", "runs/notebooks"))

# %% [markdown]
# ## The data
#
# Each split holds images of fonts the others never saw: a whole font family goes to
# train, valid or test. The build also removed exact duplicates, and test images that
# were near-copies of a training image (they would flatter the test accuracy).

# %%
data = lessons.load_data(DATA, quick=QUICK)
print(lesson1.data_summary(data))

# %%
lessons.show(sample_grid(data, "train", per_class=8))

# %% [markdown]
# ## Kata 1: softmax
#
# Softmax turns scores into probabilities: $S_i = e^{z_i} / \sum_j e^{z_j}$.
# Write it for a vector or a batch `(N, K)` of scores, along the last axis.
# Careful: `np.exp(1000)` is `inf`.


# %%
def my_softmax(z):
    """Probabilities (same shape as z) from scores z, along the last axis."""
    # TODO: exp of the scores, divided by their sum; keep exp() from overflowing.
    # BEGIN SOLUTION
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
    # END SOLUTION


kata.check_softmax(my_softmax)

# %% [markdown]
# The deck's worked example, with every step shown:

# %%
print(explain_softmax())

# %% [markdown]
# ## Kata 2: the cross-entropy, from the logits
#
# $D(S, L) = -\sum_i L_i \log S_i$ with $S$ = softmax(logits) and $L$ the one-hot label:
# for each image, minus the log of the right class's probability; then the mean over
# the batch. Your function receives **logits**, not probabilities.


# %%
def my_cross_entropy(logits, labels):
    """Mean over the batch of -log softmax(logits)[right class]; logits (N, K), labels (N,)."""
    # TODO: log-probabilities from the logits (stably), pick the right class, average.
    # BEGIN SOLUTION
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].mean()
    # END SOLUTION


kata.check_cross_entropy(my_cross_entropy)

# %% [markdown]
# ## The logistic classifier: 7,850 parameters
#
# 784 pixels times 10 letters, plus 10 biases.

# %%
print(shapes.format_table(models.get("logistic").model))

# %% [markdown]
# ## How much does more data buy?
#
# The same model trained on 50, 100, 1,000, 5,000 images, then all of them. Each run
# writes its folder and HTML report under `RUNS`; each row is compared with the one
# before it on the same test images (exact McNemar test, and the deck's rule of 30).

# %%
ctx = lessons.Context(data, RUNS / "lesson1", quick=QUICK)
rows = []
for v in lesson1.variants(ctx):
    row = lessons.train_variant(ctx, v)
    if rows:
        lessons.versus(ctx, rows[-1], row)
    rows.append(row)
print(lessons.format_table(rows))

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))  # tfdojo figures are shown with lessons.show
ax.semilogx([r.train_n for r in rows], [r.test_accuracy for r in rows], "o-", label="test")
ax.semilogx([r.train_n for r in rows], [r.train_accuracy for r in rows], "s--", label="train")
ax.set_xlabel("training images")
ax.set_ylabel("accuracy")
ax.legend()
ax.grid(alpha=0.3)
lessons.show(fig)

# %% [markdown]
# The ten templates the model learnt: column $k$ of $W$ as an image (red pixels vote
# for the letter, blue against).

# %%
w = runs.load_model(ctx.out / rows[-1].run).get_weights()["logits.w"]  # (784, 10)
lessons.show(plots.weight_templates(w))

# %% [markdown]
# ## Is the last step a real gain?

# %%
print(rows[-1].versus_detail)
