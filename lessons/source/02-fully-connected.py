# %% [markdown]
# # Lesson 2: fully connected networks
#
# Gradient descent on the whole training set against stochastic gradient descent on
# small batches, then a hidden layer of 1,024 ReLU units. Before training, you write
# the backward pass of two layers, and check the NumPy engine's hand-written
# back-propagation against TensorFlow. Terminal version: `tfdojo lesson 2`.

# %%
import os
from pathlib import Path

from tfdojo import kata, lessons, plots, runs
from tfdojo.lessons import lesson2

QUICK = os.environ.get("TFDOJO_QUICK") == "1"  # a small, fast version (what CI runs)
DATA = os.environ.get("TFDOJO_LESSON_DATA")  # None: the dataset `tfdojo data build` made
RUNS = Path(os.environ.get("TFDOJO_LESSON_RUNS", "runs/notebooks"))

data = lessons.load_data(DATA, quick=QUICK)

# %% [markdown]
# ## Kata 1: the backward pass of ReLU
#
# Forward: `out = max(0, x)`. Backward receives `dout` = dL/d(out) and returns
# dL/dx by the chain rule: the derivative of `max(0, x)` is 1 where `x > 0`, else 0.


# %%
def my_relu_backward(dout, x):
    """dL/dx of out = max(0, x), given dout = dL/d(out); same shape as x."""
    # TODO: let the gradient through where x > 0, zero elsewhere.
    # BEGIN SOLUTION
    return dout * (x > 0)
    # END SOLUTION


kata.check_relu_backward(my_relu_backward)

# %% [markdown]
# ## Kata 2: the backward pass of a dense (affine) layer
#
# Forward: `out = x @ W + b` with `x` (N, D), `W` (D, M), `b` (M,). Return
# `(dx, dW, db)`. Let the shapes guide you: each gradient has its variable's shape.


# %%
def my_affine_backward(dout, x, W):
    """(dx (N, D), dW (D, M), db (M,)) of out = x @ W + b, given dout (N, M)."""
    # TODO: three products/sums; write the shape of each next to it.
    # BEGIN SOLUTION
    dx = dout @ W.T  # (N, M) @ (M, D) -> (N, D)
    dW = x.T @ dout  # (D, N) @ (N, M) -> (D, M)
    db = dout.sum(axis=0)  # (N, M) -> (M,)
    return dx, dW, db
    # END SOLUTION


kata.check_affine_backward(my_affine_backward)

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
# ## Gradient descent, SGD, one hidden layer
#
# Gradient descent computes each step on every image (here the course's 10,000);
# SGD on 128 at a time: many more, noisier, cheaper steps. Then the hidden layer.

# %%
ctx = lessons.Context(data, RUNS / "lesson2", quick=QUICK)
rows = []
for v in lesson2.variants(ctx):
    row = lessons.train_variant(ctx, v)
    if rows:
        lessons.versus(ctx, rows[-1], row)
    rows.append(row)
print(lessons.format_table(rows))

# %%
lessons.show(plots.training_curves(runs.read_history(ctx.out / rows[-1].run)))

# %%
for r in rows[1:]:
    print(f"{r.label}: {r.versus_detail}\n")
