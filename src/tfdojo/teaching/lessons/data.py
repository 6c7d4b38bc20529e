"""A lesson's data: the dataset (a quick lesson keeps fewer training images), balanced
subsets of it, and how many epochs make a number of steps."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from tfdojo.data import dataset
from tfdojo.data.dataset import Dataset, Split

# Training images a --quick lesson keeps at most (and evaluation uses every image).
QUICK_TRAIN = 5000
QUICK_NOTE = (
    f"a quick lesson: at most {QUICK_TRAIN:,} training images and a few epochs, so its "
    "numbers are lower than the full lesson's (run it without --quick)"
)


def load_data(path: str | Path | None = None, quick: bool = False, seed: int = 0) -> Dataset:
    """The lesson's dataset; ``quick`` keeps at most :data:`QUICK_TRAIN` training images.

    Raises:
        TfdojoError: no dataset (the message says to run ``tfdojo data build``).
    """
    data = dataset.load(path)
    if quick and len(data.train) > QUICK_TRAIN:
        data = dataclasses.replace(data, train=subsample(data.train, QUICK_TRAIN, seed))
    return data


def subsample(split: Split, n: int, seed: int = 0) -> Split:
    """``n`` images of ``split``, as balanced across the ten letters as it allows.

    Draws ``n // 10`` per letter (letters with fewer give what they have), then fills
    up at random; the order is shuffled. ``n >= len(split)`` returns the whole split.
    """
    if n >= len(split):
        return split
    rng = np.random.default_rng([seed, n])
    per_class = n // 10
    picked = []
    for c in range(10):
        members = np.flatnonzero(split.labels == c)
        picked.append(rng.choice(members, size=min(per_class, len(members)), replace=False))
    chosen = np.concatenate(picked)
    rest = np.setdiff1d(np.arange(len(split)), chosen)
    chosen = np.concatenate([chosen, rng.choice(rest, size=n - len(chosen), replace=False)])
    chosen = rng.permutation(chosen)
    return Split(split.images[chosen], split.labels[chosen], split.font_ids[chosen])


def epochs_for_steps(n: int, batch_size: int, steps: int, cap: int = 200) -> int:
    """Epochs that give about ``steps`` training steps on ``n`` images (1..cap)."""
    per_epoch = max(n // min(batch_size, n), 1)
    return int(min(max(math.ceil(steps / per_epoch), 1), cap))
