# The names a `# %% kata NAME` cell defines (Logistic, ...) and the `kata` its check
# uses are filled in by scripts/make_notebooks.py, out of ruff's sight:
# ruff: noqa: F401, F821

# %% [markdown]
# # Lesson 4: convolutions
#
# A convolution slides a small patch over the image; its stride, its depth (the number
# of filters) and its padding decide the output's shape. **In TensorFlow**, the course's
# assignment 4: a conv layer with `tf.nn.conv2d` and its shapes, the course's convnet
# with max-pooling trained by your own loop, and the same convnet in Keras. Then tfdojo
# trains your convnet next to its own, LeNet-style models and the best model of the
# earlier lessons. Terminal version: `tfdojo lesson 4`; the exercises as files:
# `tfdojo kata start`.

# %%
import os
from pathlib import Path

from tfdojo import runs
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.results import plots
from tfdojo.teaching import kata, lessons
from tfdojo.teaching.deck import deck_table
from tfdojo.teaching.lessons import lesson4

tf = configure_tensorflow()  # TensorFlow, with $TFDOJO_THREADS threads (default: every core)
QUICK = os.environ.get("TFDOJO_QUICK") == "1"  # a small, fast version (what CI runs)
DATA = os.environ.get("TFDOJO_LESSON_DATA")  # None: the dataset `tfdojo data build` made
RUNS = Path(os.environ.get("TFDOJO_LESSON_RUNS", "runs/notebooks"))

data = lessons.load_data(DATA, quick=QUICK)

# %% [markdown]
# ## Strides, depth, padding: the deck's table
#
# Along one axis, `n` pixels, a `k`-wide patch, a stride `s`: with `'SAME'` padding the
# image is padded so that every stride position fits, $\lceil n / s \rceil$; with
# `'VALID'` the patch stays inside the image, $\lceil (n - k + 1) / s \rceil$. Each of
# the `depth_out` filters is a `k × k × depth_in` block of weights, plus a bias.

# %%
print(deck_table())

# %% [markdown]
# ## In TensorFlow, 12: a conv layer with `tf.nn.conv2d`
#
# $$\text{out}[n, i, j, o] = b_o + \sum_{p, q, c} x[n, i s + p, j s + q, c]\, W[p, q, c, o]$$
#
# `x` is (N, H, W, depth_in), the kernel `W` (k, k, depth_in, depth_out) in TensorFlow's
# order. Write the two formulas by hand (`output_size`, `num_params`), the kernel, and
# the layer, `relu(conv2d(x, W) + b)`. The check runs the deck's table through your
# layer: SAME/1 gives 28, VALID/1 26 and VALID/2 13.

# %% kata conv_layer

# %% [markdown]
# ## In TensorFlow, 13: the course's convnet, with max-pooling
#
# | layer | output |
# |---|---|
# | reshape | (N, 28, 28, 1) |
# | conv 5×5, depth 16, SAME, + b1, relu; max-pool 2×2 | (N, 14, 14, 16) |
# | conv 5×5, depth 16, SAME, + b2, relu; max-pool 2×2 | (N, 7, 7, 16) |
# | flatten | (N, 784) |
# | dense 784 → 64, + b3, relu | (N, 64) |
# | dense 64 → 10, + b4 | (N, 10), the logits |
#
# 416 + 6,416 + 50,240 + 650 = 57,722 parameters. The check compares your logits with
# tfdojo's own convnet holding your weights, then trains your `ConvNet` with lesson 1's
# loop and wants 85% right.

# %% kata convnet

# %% [markdown]
# ## In TensorFlow, 14: the same convnet in Keras
#
# Code at work often stacks layers in a `keras.Sequential`, then `compile` (optimizer,
# loss) and `fit`, which runs the loop you wrote: batches, the tape, the updates. The
# loss `SparseCategoricalCrossentropy(from_logits=True)` takes integer labels and logits:
# no softmax on the last layer. The check trains your Keras model and your convnet's
# reference with the hand-written loop on the same images, and compares the two with
# McNemar's test, as `tfdojo compare` does.

# %% kata keras

# %% [markdown]
# ## Convnets against the best earlier model, on notMNIST
#
# tfdojo's convnets: the course's (5×5 stride-2 convolutions), the same with stride 1
# and max-pooling (your `ConvNet`'s architecture), LeNet-5 and tfdojo's default. The
# reference is lesson 3's last recipe (L2 + dropout + decay), trained here.

# %%
ctx = lessons.Context(data, RUNS / "lesson4", quick=QUICK)
reference = lesson4.reference(ctx)
variants = lesson4.variants(ctx)
rows = [reference]
for v in variants:
    row = lessons.train_variant(ctx, v)
    lessons.versus(ctx, reference, row)
    rows.append(row)
pooled = next(r for r in rows if r.key == "cnn-course-pool")  # tfdojo's max-pool convnet

# %% [markdown]
# ## Your convnet, trained by tfdojo
#
# tfdojo trains **your** `ConvNet` as it trained its max-pooling convnet (same images,
# epochs, settings and seed; the initial weights are your class's own, and the comparison
# says when they differ from tfdojo's), writes the run and its report, and compares the
# two on the same test images. While your class has a TODO, this cell trains nothing.

# %%
like = next(v for v in variants if v.key == "cnn-course-pool")
yours = lessons.train_yours(ctx, ConvNet, "04-convolutions.ipynb", like=like)
if yours:
    lessons.versus(ctx, reference, yours)
    rows.insert(rows.index(pooled) + 1, yours)
    print(lessons.against(ctx, pooled, yours))
    print(f"\nyour run's report: {lessons.report_path(ctx, yours)}")

# %%
print(lessons.format_table(rows))

# %% [markdown]
# The first layer's filters of the course's convnet:

# %%
course = next(r for r in rows if r.key == "cnn-course")
kernel = course.trained.get_weights()["conv1.w"]  # (5, 5, 1, 16)
lessons.show(plots.conv_filters(kernel))

# %%
for r in rows[1:]:
    print(f"{r.label}: {r.versus_detail}\n")
