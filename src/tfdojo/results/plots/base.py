"""What every figure shares: its colours, a Figure built without pyplot, PNG bytes, and the
grid of sample images."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

from tfdojo import LETTERS
from tfdojo.core import bounds

TRAIN = "#1f77b4"
VALID = "#ff7f0e"
RIGHT = "#2ca02c"
WRONG = "#d62728"
NEUTRAL = "#9aa0a6"
MODEL_A = "#6a51a3"
MODEL_B = "#1b9e77"
GLYPHS = "gray_r"
WEIGHTS = "RdBu_r"
MATRIX = "Blues"
DPI = 100
MAX_PER_CLASS = 50
"""Most sample images per letter in :func:`sample_grid` (a figure 35 inches wide)."""


def new_figure(width: float, height: float):

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def style_axes(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


def show_image(ax, image, cmap: str = GLYPHS, **kwargs) -> None:
    ax.imshow(image, cmap=cmap, interpolation="nearest", **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])


def message_figure(message: str, width: float = 6, height: float = 1.2):
    fig = new_figure(width, height)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#555555")
    ax.set_axis_off()
    return fig


def figure_png(fig) -> bytes:
    """A figure as PNG bytes (white background), e.g. to embed in a page or a notebook."""

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def sample_grid(ds, split: str = "train", per_class: int = 10, seed: int = 0):
    """One row per letter, ``per_class`` random images of it, white on black as the model
    sees them; ``ds`` is a :class:`tfdojo.data.dataset.Dataset`.

    Args:
        per_class: 1..50 (:data:`MAX_PER_CLASS`).
        seed: which images, 0..2**63-1.

    Raises:
        TfdojoError: ``per_class`` or ``seed`` outside its range.
    """
    bounds.whole("--per-class", per_class, 1, MAX_PER_CLASS)
    bounds.whole("--seed", seed, 0, bounds.MAX_SEED)
    s = ds.split(split)
    rng = np.random.default_rng(seed)
    fig = new_figure(max(per_class * 0.7, 4.5), len(LETTERS) * 0.75 + 0.4)
    axes = fig.subplots(len(LETTERS), per_class, squeeze=False)
    for c, letter in enumerate(LETTERS):
        members = np.flatnonzero(s.labels == c)
        pick = rng.choice(members, size=min(per_class, len(members)), replace=False)
        for j in range(per_class):
            ax = axes[c, j]
            if j < len(pick):
                show_image(ax, s.images[pick[j]], cmap="gray", vmin=0, vmax=255)
                for spine in ax.spines.values():
                    spine.set_visible(False)
            else:
                ax.set_axis_off()
            if j == 0:
                ax.set_ylabel(letter, rotation=0, fontsize=12, labelpad=12, va="center")
    fig.suptitle(
        f"notMNIST {split} split: {per_class} random images per letter", fontsize=11, wrap=True
    )
    return fig


def percent(p: float) -> str:
    return f"{p:.0%}" if p >= 0.01 else "<1%"


def shorten(name: str, width: int = 28) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1) :]
