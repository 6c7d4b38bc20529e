# The names a `# %% kata NAME` cell defines (Logistic, ...) and the `kata` its check
# uses are filled in by scripts/make_notebooks.py, out of ruff's sight:
# ruff: noqa: F401, F821

# %% [markdown]
# # Lesson 3: regularisation
#
# Lesson 2's network has 814,090 parameters: enough to learn a small training set by
# heart. L2 on the weights, dropout and a decaying learning rate fight that. **By hand**
# you write dropout in NumPy; **in TensorFlow**, the course's assignment 3: the L2
# penalty, dropout in the network, learning-rate decay, and overfitting a small batch
# and curing it. Then tfdojo trains each recipe and your own network, and compares them
# with lesson 2's network on the same test images. Terminal version: `tfdojo lesson 3`;
# the exercises as files: `tfdojo kata start`.

# %%
import os
from pathlib import Path

from tfdojo import runs
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.results import plots
from tfdojo.teaching import kata, lessons
from tfdojo.teaching.lessons import lesson3

tf = configure_tensorflow()  # TensorFlow, with $TFDOJO_THREADS threads (default: every core)
QUICK = os.environ.get("TFDOJO_QUICK") == "1"  # a small, fast version (what CI runs)
DATA = os.environ.get("TFDOJO_LESSON_DATA")  # None: the dataset `tfdojo data build` made
RUNS = Path(os.environ.get("TFDOJO_LESSON_RUNS", "runs/notebooks"))

data = lessons.load_data(DATA, quick=QUICK)

# %% [markdown]
# ## By hand: dropout
#
# While training, drop each unit with probability `rate` and scale the kept ones by
# `1 / (1 - rate)` ("inverted dropout"), so that the expected output equals the input
# and nothing needs to change at test time. Draw the mask from `rng`.

# %% kata np_dropout

# %% [markdown]
# ## In TensorFlow, 8: L2 regularisation
#
# $$\text{loss} = \text{cross-entropy} + \beta \sum_W \tfrac{1}{2} \lVert W \rVert^2$$
#
# Its gradient, $\beta W$, pulls every weight a little toward 0 at each step ("weight
# decay"). Only the weights are penalised (the variables of rank ≥ 2); a bias only
# shifts one unit's output. `tf.nn.l2_loss(W)` is $\tfrac{1}{2} \lVert W \rVert^2$.
# The check uses lesson 2's network.

# %% kata l2

# %% [markdown]
# ## In TensorFlow, 9: dropout in the network
#
# The same as your NumPy dropout, with a seed instead of a generator:
# `tf.random.stateless_uniform` gives the same mask for the same seed (an int tensor of
# shape (2,)), so a run can be repeated exactly, and each training step passes a new one.
# `DropoutMLP` is lesson 2's `MLP` (from `tfdojo.teaching.kata.given`) with dropout on its hidden
# layer when `dropout_rate > 0`, and none at evaluation, the default `dropout_rate=0.0`.

# %% kata dropout

# %% [markdown]
# ## In TensorFlow, 10: learning-rate decay
#
# Big steps first, small steps to settle:
#
# $$\text{lr}(t) = \text{lr}_0 \cdot \text{decay\_rate}^{\,t / \text{decay\_steps}}$$
#
# (the staircase version rounds $t / \text{decay\_steps}$ down). Keras's
# `ExponentialDecay` computes the same numbers, and the check compares yours with it,
# then trains lesson 2's network with your loop and wants 85% right.

# %% kata lr_decay

# %% [markdown]
# ## In TensorFlow, 11: overfitting a small batch, and its cure
#
# On 50 images the network reaches 100% training accuracy and a far lower test accuracy:
# it learns those images, not the letters. Your `regularised_step` adds dropout and
# **your** L2 penalty from above; `cure()` is your choice of $\beta$ and the dropout rate.
# The check trains twice on the same 50 images: without regularisation it must reach
# 100% training accuracy; with your cure the test loss must be at least 3% lower.

# %% kata overfitting

# %% [markdown]
# ## Every recipe against lesson 2's network, on notMNIST
#
# tfdojo's network: L2 adds `weight_decay * sum(W**2) / 2` to the loss; "overfit" trains
# on only 3 batches (384 images); dropout and the learning-rate decay follow, then all
# together. Each row is compared with the first, lesson 2's network.

# %%
ctx = lessons.Context(data, RUNS / "lesson3", quick=QUICK)
reference = lesson3.reference(ctx)
variants = lesson3.variants(ctx)
rows = [reference]
for v in variants:
    row = lessons.train_variant(ctx, v)
    lessons.versus(ctx, reference, row)
    rows.append(row)
every_cure = rows[-1]  # tfdojo's network with L2, dropout and decay

# %% [markdown]
# ## Your network, with every cure, trained by tfdojo
#
# tfdojo trains **your** `DropoutMLP` with the last recipe (L2, dropout 0.3, decay): the
# model is yours; the loop, the L2 term and the schedule are tfdojo's, as they were for
# its own network. Its row is compared with lesson 2's network like the others, and
# below with tfdojo's network on the same recipe. The initial weights are your class's
# own: when they differ from tfdojo's and the comparison calls the difference real, it
# says how, measured, and trains yours again from tfdojo's initial weights.

# %%
yours = lessons.train_yours(ctx, DropoutMLP, "03-regularisation.ipynb", like=variants[-1])
if yours:
    lessons.versus(ctx, reference, yours)
    rows.append(yours)
    print(lessons.against(ctx, every_cure, yours))
    print(f"\nyour run's report: {lessons.report_path(ctx, yours)}")

# %%
print(lessons.format_table(rows))

# %% [markdown]
# Overfitting: on 3 batches the training accuracy climbs to 100% while validation
# stalls.

# %%
overfit = next(r for r in rows if r.key == "overfit")
lessons.show(plots.training_curves(runs.read_history(ctx.out / overfit.run)))

# %%
for r in rows[1:]:
    print(f"{r.label}: {r.versus_detail}\n")
