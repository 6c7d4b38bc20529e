# %% [markdown]
# # Lesson 4: convolutions
#
# A convolution slides a small patch over the image; its stride, its depth (the number
# of filters) and its padding decide the output's shape. You compute those shapes,
# then train the course's convnet, the same with max-pooling, and LeNet-style models,
# each against the best model of the earlier lessons. Terminal version: `tfdojo lesson 4`.

# %%
import math
import os
from pathlib import Path

from tfdojo import kata, lessons, plots, runs
from tfdojo.lessons import lesson4
from tfdojo.runtime import configure_tensorflow
from tfdojo.shapes import deck_table

QUICK = os.environ.get("TFDOJO_QUICK") == "1"  # a small, fast version (what CI runs)
DATA = os.environ.get("TFDOJO_LESSON_DATA")  # None: the dataset `tfdojo data build` made
RUNS = Path(os.environ.get("TFDOJO_LESSON_RUNS", "runs/notebooks"))

data = lessons.load_data(DATA, quick=QUICK)

# %% [markdown]
# ## Kata 1: the output size of a convolution
#
# Along one axis, `n` pixels, a patch of `k`, a stride `s`:
# with `'SAME'` padding the image is padded so that every stride position fits;
# with `'VALID'` the patch stays inside the image. Count the positions.


# %%
def my_conv_output_size(n, k, s, padding):
    """Output length along one axis of a k-wide window with stride s over n pixels."""
    # TODO: one formula for 'SAME', one for 'VALID'.
    # BEGIN SOLUTION
    if padding == "SAME":
        return math.ceil(n / s)
    return math.ceil((n - k + 1) / s)
    # END SOLUTION


kata.check_conv_output_size(my_conv_output_size)

# %% [markdown]
# TensorFlow agrees (the deck's input is 28×28×3, a 3×3 patch, depth 8):

# %%
tf = configure_tensorflow()
for padding, stride in [("SAME", 1), ("VALID", 1), ("VALID", 2)]:
    out = tf.nn.conv2d(tf.zeros([1, 28, 28, 3]), tf.zeros([3, 3, 3, 8]), stride, padding)
    print(padding, stride, tuple(out.shape[1:]), my_conv_output_size(28, 3, stride, padding))

# %% [markdown]
# ## Kata 2: the parameters of a convolution layer
#
# Each of the `depth_out` filters is a `k × k × depth_in` block of weights, plus a bias.


# %%
def my_conv_params(k, depth_in, depth_out):
    """Number of parameters of a k x k convolution from depth_in to depth_out channels."""
    # TODO
    # BEGIN SOLUTION
    return k * k * depth_in * depth_out + depth_out
    # END SOLUTION


kata.check_conv_params(my_conv_params)

# %% [markdown]
# The deck's table, computed:

# %%
print(deck_table())

# %% [markdown]
# ## Convnets against the best earlier model
#
# The reference is lesson 3's last recipe (L2 + dropout + decay), trained here.

# %%
ctx = lessons.Context(data, RUNS / "lesson4", quick=QUICK)
reference = lesson4.reference(ctx)
rows = [reference]
for v in lesson4.variants(ctx):
    row = lessons.train_variant(ctx, v)
    lessons.versus(ctx, reference, row)
    rows.append(row)
print(lessons.format_table(rows))

# %% [markdown]
# The first layer's filters of the course's convnet:

# %%
kernel = runs.load_model(ctx.out / rows[1].run).get_weights()["conv1.w"]  # (5, 5, 1, 16)
lessons.show(plots.conv_filters(kernel))

# %%
for r in rows[1:]:
    print(f"{r.label}: {r.versus_detail}\n")
