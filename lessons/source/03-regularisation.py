# %% [markdown]
# # Lesson 3: regularisation
#
# Lesson 2's network has 814,090 parameters: enough to learn a small training set by
# heart. L2 on the weights, dropout and a decaying learning rate fight that; we train
# each and compare it with lesson 2's network on the same test images.
# Terminal version: `tfdojo lesson 3`.

# %%
import os
from pathlib import Path

from tfdojo import kata, lessons, plots, runs
from tfdojo.lessons import lesson3

QUICK = os.environ.get("TFDOJO_QUICK") == "1"  # a small, fast version (what CI runs)
DATA = os.environ.get("TFDOJO_LESSON_DATA")  # None: the dataset `tfdojo data build` made
RUNS = Path(os.environ.get("TFDOJO_LESSON_RUNS", "runs/notebooks"))

data = lessons.load_data(DATA, quick=QUICK)

# %% [markdown]
# ## Kata: dropout
#
# While training, drop each unit with probability `rate` and scale the kept ones by
# `1 / (1 - rate)` ("inverted dropout"), so that the expected output equals the input
# and nothing needs to change at test time. Draw the mask from `rng`.


# %%
def my_dropout(x, rate, rng):
    """x with each entry zeroed with probability rate, the rest scaled by 1 / (1 - rate)."""
    # TODO: a random mask from rng, then scale.
    # BEGIN SOLUTION
    keep = rng.random(x.shape) >= rate
    return x * keep / (1 - rate)
    # END SOLUTION


kata.check_dropout(my_dropout)

# %% [markdown]
# ## Every variant against lesson 2's network
#
# L2 adds `weight_decay * sum(W**2) / 2` to the loss; "overfit" trains on only 3
# batches (384 images); dropout and the learning-rate decay follow, then all together.

# %%
ctx = lessons.Context(data, RUNS / "lesson3", quick=QUICK)
reference = lesson3.reference(ctx)
rows = [reference]
for v in lesson3.variants(ctx):
    row = lessons.train_variant(ctx, v)
    lessons.versus(ctx, reference, row)
    rows.append(row)
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
