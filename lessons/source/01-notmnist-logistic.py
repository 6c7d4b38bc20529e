# The names a `# %% kata NAME` cell defines (Logistic, ...) and the `kata` its check
# uses are filled in by scripts/make_notebooks.py, out of ruff's sight:
# ruff: noqa: F401, F821

# %% [markdown]
# # Lesson 1: notMNIST and the logistic classifier
#
# The letters A to J as 28×28 grey images, and the simplest classifier there is:
# `logits = X W + b`, then softmax, trained by minimising the cross-entropy.
#
# You write it twice. **By hand** in NumPy: softmax and the cross-entropy. **In
# TensorFlow**, the course's assignment 1 piece by piece: the tensors, the classifier as a
# `tf.Module`, softmax and the cross-entropy in tf ops, one training step with
# `tf.GradientTape`, the minibatch loop. Each exercise cell ends with its check, which
# answers at once and names the likely mistake (`kata.hint("logistic")` gives a hint).
# Then tfdojo trains **your** classifier on notMNIST, writes its report, and compares it
# with its own.
#
# The same lesson runs from the terminal: `tfdojo lesson 1` (or `--quick`); the same
# TensorFlow exercises as files you edit: `tfdojo kata start`.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt

from tfdojo import models, runs
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.models import shapes
from tfdojo.results import plots
from tfdojo.results.plots import sample_grid
from tfdojo.teaching import kata, lessons
from tfdojo.teaching.explain import explain_softmax
from tfdojo.teaching.lessons import lesson1

tf = configure_tensorflow()  # TensorFlow, with $TFDOJO_THREADS threads (default: every core)
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
# ## By hand: softmax
#
# Softmax turns scores into probabilities: $S_i = e^{z_i} / \sum_j e^{z_j}$.
# Write it in NumPy for a vector or a batch `(N, K)` of scores, along the last axis.
# Careful: `np.exp(1000)` is `inf`.

# %% kata np_softmax

# %% [markdown]
# The deck's worked example, with every step shown:

# %%
print(explain_softmax())

# %% [markdown]
# ## By hand: the cross-entropy, from the logits
#
# $D(S, L) = -\sum_i L_i \log S_i$ with $S$ = softmax(logits) and $L$ the one-hot label:
# for each image, minus the log of the right class's probability; then the mean over
# the batch. Your function receives **logits**, not probabilities.

# %% kata np_cross_entropy

# %% [markdown]
# ## In TensorFlow, 1: tensors
#
# A model wants float32 numbers near 0, one image per row; the loss wants each label as
# a one-hot row. Write the three conversions with tf ops (`tf.reshape`, `tf.cast`,
# `tf.one_hot`):
#
# | | from | to |
# |---|---|---|
# | `flatten` | uint8 (N, 28, 28) | (N, 784) |
# | `scale` | uint8 pixels 0..255 | float32 $x = p / 255 - 0.5$, in [-0.5, 0.5] |
# | `one_hot` | int labels (N,) | float32 (N, 10), 1.0 at column $y_i$ of row $i$ |

# %% kata tensors

# %% [markdown]
# ## In TensorFlow, 2: the logistic classifier as a `tf.Module`
#
# $\text{logits} = X W + b$: `X` (N, 784) @ `W` (784, 10) + `b` (10,) gives (N, 10), one
# score per letter. A `tf.Module` tracks the `tf.Variable` attributes you give it (they
# are `model.trainable_variables`, what the tape differentiates and tfdojo trains).
# tfdojo's own logistic model, for the shapes:

# %%
print(shapes.format_table(models.get("logistic").model))

# %% [markdown]
# Your class follows the contract of every tfdojo model: `Logistic(seed=0)` draws its
# weights from the seed; `model(x, dropout_rate=0.0, seed=None)` takes images `x` float32
# (N, 28, 28) in [-0.5, 0.5] and returns the logits (N, 10). This one has no dropout.

# %% kata logistic

# %% [markdown]
# ## In TensorFlow, 3: softmax and the cross-entropy in tf ops
#
# Your NumPy functions again, with `tf.reduce_max`, `tf.exp`, `tf.reduce_sum`,
# `tf.math.log`, `tf.reduce_mean`, and labels one-hot this time. Stability is the same
# trick: $\log S_i = (z_i - \max z) - \log \sum_j e^{z_j - \max z}$ never takes the log
# of 0. The check compares them with `tf.nn.softmax` and
# `tf.nn.softmax_cross_entropy_with_logits`.

# %% kata softmax_cross_entropy

# %% [markdown]
# ## In TensorFlow, 4: one training step
#
# `tf.GradientTape` records what runs inside its `with` block; `tape.gradient(loss,
# variables)` gives one gradient per variable; `v.assign_sub(d)` does $v \leftarrow v - d$:
#
# $$W \leftarrow W - \text{lr} \cdot \frac{\partial\, \text{loss}}{\partial W} \qquad
# b \leftarrow b - \text{lr} \cdot \frac{\partial\, \text{loss}}{\partial b}$$

# %% kata training_step

# %% [markdown]
# ## In TensorFlow, 5: the minibatch loop
#
# Stochastic gradient descent takes each step on a small batch: `batch_size / N` of the
# work, so many more steps. The loop walks through the images in order,
# `offset = (step * batch_size) % (N - batch_size)`, with **your** `train_step` from
# above. The accuracy is the fraction of images whose largest logit is the right letter.
# The check trains your `Logistic` with your loop on the kata set (2,620 letters rendered
# from matplotlib's fonts) and wants 85% of its 600 test images right.

# %% kata minibatch_loop

# %% [markdown]
# ## How much does more data buy?
#
# tfdojo's logistic model trained on 50, 100, 1,000, 5,000 images, then all of them. Each
# run writes its folder and HTML report under `RUNS`; each row is compared with the one
# before it on the same test images (exact McNemar test, and the deck's rule of 30).

# %%
ctx = lessons.Context(data, RUNS / "lesson1", quick=QUICK)
variants = lesson1.variants(ctx)
rows = []
for v in variants:
    row = lessons.train_variant(ctx, v)
    if rows:
        lessons.versus(ctx, rows[-1], row)
    rows.append(row)
every_image = rows[-1]  # tfdojo's logistic on all the images

# %% [markdown]
# ## Your classifier, trained by tfdojo
#
# tfdojo now trains **your** `Logistic` as it trained its own on all the images (same
# images, epochs, learning rate, batches and seed), writes the run folder and its report,
# and compares the two on the same test images. One thing differs: the initial weights.
# Kata 2 draws `W` from a truncated normal of stddev 0.1 (std 0.088); tfdojo's logistic
# from Glorot uniform (std 0.050), and a short run still remembers where it started. The
# cell measures both starts; when the comparison calls the difference real, it trains
# your class again from tfdojo's initial weights and compares that, like for like. While
# your class still has a TODO, this cell says so and trains nothing.

# %%
yours = lessons.train_yours(ctx, Logistic, "01-notmnist-logistic.ipynb", like=variants[-1])
if yours:
    lessons.versus(ctx, every_image, yours)
    rows.append(yours)
    print(lessons.against(ctx, every_image, yours))
    print(f"\nyour run's report: {lessons.report_path(ctx, yours)}")

# %%
print(lessons.format_table(rows))

# %%
sweep = rows[: len(variants)]
fig, ax = plt.subplots(figsize=(6, 3.5))  # tfdojo figures are shown with lessons.show
ax.semilogx([r.train_n for r in sweep], [r.test_accuracy for r in sweep], "o-", label="test")
ax.semilogx(
    [r.train_n for r in sweep],
    [r.train_accuracy for r in sweep],
    "s--",
    label="train (last epoch mean)",
)
ax.set_xlabel("training images")
ax.set_ylabel("accuracy")
ax.legend()
ax.grid(alpha=0.3)
lessons.show(fig)

# %% [markdown]
# The ten templates tfdojo's model learnt: column $k$ of $W$ as an image (red pixels vote
# for the letter, blue against). Your run's report shows yours.

# %%
w = every_image.trained.get_weights()["logits.w"]  # (784, 10)
lessons.show(plots.weight_templates(w))

# %% [markdown]
# ## Is the last step a real gain?

# %%
print(every_image.versus_detail)
