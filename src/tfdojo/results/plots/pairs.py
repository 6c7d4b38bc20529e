"""Two models on the same test images: their accuracies and where they disagree."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator, PercentFormatter

from tfdojo import LETTERS
from tfdojo.results.plots.base import (
    MODEL_A,
    MODEL_B,
    new_figure,
    shorten,
    show_image,
    style_axes,
)


def compare_accuracies(names: Sequence[str], accuracies, intervals, a_only: int, b_only: int):
    """Two models' accuracies with their intervals, and how their disagreements split."""

    fig = new_figure(10, 2.8)
    left, right = fig.subplots(1, 2, width_ratios=[1.4, 1])
    colours = (MODEL_A, MODEL_B)
    for k, (acc, (lo, hi)) in enumerate(zip(accuracies, intervals)):
        left.errorbar(
            [acc],
            [k],
            xerr=[[acc - lo], [hi - acc]],
            fmt="o",
            color=colours[k],
            capsize=5,
            ms=8,
            lw=2,
        )
        left.annotate(
            f"{acc:.2%}",
            (acc, k),
            textcoords="offset points",
            xytext=(0, 9),
            ha="center",
            fontsize=9,
            color=colours[k],
        )
    left.set_yticks([0, 1], [f"A  {shorten(names[0])}", f"B  {shorten(names[1])}"])
    left.set_ylim(-0.6, 1.6)
    left.invert_yaxis()
    left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    left.xaxis.set_major_locator(MaxNLocator(5))
    left.set_xlabel("test accuracy (95% Wilson interval)")
    left.set_title("Accuracy", loc="left", fontsize=11)
    style_axes(left)
    bars = right.barh([0, 1], [a_only, b_only], color=colours, height=0.6)
    right.bar_label(bars, padding=3, fontsize=9)
    right.set_yticks([0, 1], ["right only by A", "right only by B"])
    right.invert_yaxis()
    right.set_xlabel("test images")
    right.set_title("Disagreements\n(what McNemar tests)", loc="left", fontsize=11)
    right.set_xlim(0, max(a_only, b_only, 1) * 1.25)
    right.xaxis.set_major_locator(MaxNLocator(4, integer=True))
    style_axes(right)
    return fig


def disagreement_examples(images, labels, proba_a, proba_b, examples: int = 10):
    """Test images only A gets right (top row) and only B gets right (bottom row).

    Each is titled with its true letter and, in brackets, the other model's wrong answer.
    """

    y = np.asarray(labels)
    pa, pb = np.asarray(proba_a).argmax(1), np.asarray(proba_b).argmax(1)
    rows = [
        ("right only by A", np.nonzero((pa == y) & (pb != y))[0], pb, "B"),
        ("right only by B", np.nonzero((pb == y) & (pa != y))[0], pa, "A"),
    ]
    fig = new_figure(1.6 + 1.05 * examples, 2.9)
    fig.get_layout_engine().set(wspace=0.04)
    grid = fig.add_gridspec(2, examples + 1, width_ratios=[1.8] + [1] * examples)
    for r, (title, idx, other, says) in enumerate(rows):
        ax = fig.add_subplot(grid[r, 0])
        ax.set_axis_off()
        ax.text(
            0,
            0.5,
            f"{title}\n{len(idx)} images",
            fontsize=10,
            va="center",
            color=(MODEL_A, MODEL_B)[r],
            transform=ax.transAxes,
        )
        idx = idx[:examples]
        for c in range(examples):
            ax = fig.add_subplot(grid[r, c + 1])
            if c < len(idx):
                show_image(ax, images[idx[c]])
                ax.set_title(f"{LETTERS[y[idx[c]]]} ({says}: {LETTERS[other[idx[c]]]})", fontsize=8)
            else:
                ax.set_axis_off()
    return fig
