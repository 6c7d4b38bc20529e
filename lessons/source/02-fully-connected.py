# The names a `# %% kata NAME` cell defines (Logistic, ...) and the `kata` its check
# uses are filled in by scripts/make_notebooks.py, out of ruff's sight:
# ruff: noqa: F401, F821

# %% [markdown]
# # Lesson 2: fully connected networks
#
# Gradient descent on the whole training set against stochastic gradient descent on
# small batches, then a hidden layer of 1,024 ReLU units. **By hand**, you write the
# backward pass of two layers and check the NumPy engine's back-propagation against
# TensorFlow. **In TensorFlow**, the course's assignment 2: gradient descent against SGD,
# measured, and the 1,024-unit ReLU network as a `tf.Module`, which tfdojo then trains
# and compares with its own. Terminal version: `tfdojo lesson 2`; the exercises as files:
# `tfdojo kata start`.

# %%
import os
from pathlib import Path

from tfdojo import runs
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.results import plots
from tfdojo.teaching import kata, lessons
from tfdojo.teaching.lessons import lesson2

tf = configure_tensorflow()  # TensorFlow, with $TFDOJO_THREADS threads (default: every core)
QUICK = os.environ.get("TFDOJO_QUICK") == "1"  # a small, fast version (what CI runs)
DATA = os.environ.get("TFDOJO_LESSON_DATA")  # None: the dataset `tfdojo data build` made
RUNS = Path(os.environ.get("TFDOJO_LESSON_RUNS", "runs/notebooks"))

data = lessons.load_data(DATA, quick=QUICK)

# %% [markdown]
# ## By hand: the backward pass of ReLU
#
# Forward: `out = max(0, x)`. Backward receives `dout` = dL/d(out) and returns
# dL/dx by the chain rule: the derivative of `max(0, x)` is 1 where `x > 0`, else 0.

# %% kata np_relu_backward

# %% [markdown]
# ## By hand: the backward pass of a dense (affine) layer
#
# Forward: `out = x @ W + b` with `x` (N, D), `W` (D, M), `b` (M,). Return
# `(dx, dW, db)`. Let the shapes guide you: each gradient has its variable's shape.

# %% kata np_affine_backward

# %% [markdown]
# ## The whole network by hand, against TensorFlow
#
# `tfdojo.scratch` chains those layers into the 1,024-unit network. With the same
# weights and images, its gradients should equal `tf.GradientTape`'s up to float32
# rounding.

# %%
check = lesson2.backprop_check(data)
print(lesson2.format_backprop(check))

# %% [markdown]
# ## In TensorFlow, 6: gradient descent or SGD? Measure it
#
# Gradient descent takes every step on all $N$ training images: the exact gradient, for
# $N$ images' worth of work. SGD takes it on a random batch of $B$: a noisy estimate, for
# $B$ images' worth, so $N / B$ times more steps for the same work. Write both loops;
# `experiment` trains each from the same `Logistic(seed=0)` on the same number of images
# processed, and the check tells you what it measured.
#
# Lesson 1's `Logistic`, `accuracy` and `train_step` come from `tfdojo.teaching.kata.given`
# (tfdojo's reference solutions); paste yours in their place if you like.

# %% kata gd_vs_sgd

# %% [markdown]
# ## In TensorFlow, 7: the course's ReLU network
#
# $$h = \mathrm{relu}(X W_1 + b_1) \qquad \text{logits} = h W_2 + b_2$$
#
# `X` (N, 784) @ `W1` (784, 1024) gives the hidden layer (N, 1024), and `h` @ `W2`
# (1024, 10) the logits: 784 × 1,024 + 1,024 + 1,024 × 10 + 10 = 814,090 parameters.
# Without the ReLU the two layers collapse into one linear map. Draw the weights with
# He's stddev $\sqrt{2 / \text{fan\_in}}$: with stddev 1 the first logits are in the
# hundreds. The check compares your logits with the reference computed from your
# variables, then trains your network with lesson 1's loop and wants 85% right.

# %% kata relu_network

# %% [markdown]
# ## Gradient descent, SGD, one hidden layer, on notMNIST
#
# tfdojo's models: gradient descent computes each step on every image (here the
# course's 10,000); SGD on 128 at a time: many more, noisier, cheaper steps. Then the
# hidden layer. Each row is compared with the row above on the same test images.

# %%
ctx = lessons.Context(data, RUNS / "lesson2", quick=QUICK)
variants = lesson2.variants(ctx)
rows = []
for v in variants:
    row = lessons.train_variant(ctx, v)
    if rows:
        lessons.versus(ctx, rows[-1], row)
    rows.append(row)
network = rows[-1]  # tfdojo's 1,024-unit network

# %% [markdown]
# ## Your network, trained by tfdojo
#
# tfdojo trains **your** `MLP` as it trained its own network (same images, epochs,
# learning rate, momentum and seed), writes the run and its report, and compares the two
# on the same test images. The initial weights are each class's own: when they differ and
# the comparison calls the difference real, the cell says so, measured, and trains yours
# again from tfdojo's initial weights. While your class has a TODO, this cell trains nothing.

# %%
yours = lessons.train_yours(ctx, MLP, "02-fully-connected.ipynb", like=variants[-1])
if yours:
    lessons.versus(ctx, network, yours)
    rows.append(yours)
    print(lessons.against(ctx, network, yours))
    print(f"\nyour run's report: {lessons.report_path(ctx, yours)}")

# %%
print(lessons.format_table(rows))

# %%
lessons.show(plots.training_curves(runs.read_history(ctx.out / network.run)))

# %%
for r in rows[1:]:
    print(f"{r.label}: {r.versus_detail}\n")
