"""Where a model goes wrong: the confusion matrix, accuracy per letter, the most-confused
pairs and the most confident mistakes."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import PercentFormatter

from tfdojo import LETTERS
from tfdojo.core.stats import wilson_interval
from tfdojo.results.plots.base import (
    MATRIX,
    NEUTRAL,
    RIGHT,
    WRONG,
    message_figure,
    new_figure,
    percent,
    show_image,
    style_axes,
)


def confusion_counts(labels, predicted, classes: int = 10):
    """``C[i, j]``: test images of true class ``i`` predicted as ``j`` (int (10, 10))."""

    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(predicted, dtype=np.int64)
    return np.bincount(y * classes + p, minlength=classes * classes).reshape(classes, classes)


def confusion_matrix(labels, predicted):
    """Counts of (true, predicted) letters; shading is the share of each true letter's row."""

    counts = confusion_counts(labels, predicted)
    rows = counts.sum(axis=1, keepdims=True)
    share = counts / np.maximum(rows, 1)
    fig = new_figure(6.4, 5.6)
    ax = fig.add_subplot()
    im = ax.imshow(share, cmap=MATRIX, vmin=0, vmax=1)
    for i in range(10):
        for j in range(10):
            if counts[i, j]:
                dark = share[i, j] > 0.55
                ax.text(
                    j,
                    i,
                    str(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else ("#222222" if i == j else WRONG),
                )
    ax.set_xticks(range(10), list(LETTERS))
    ax.set_yticks(range(10), list(LETTERS))
    ax.set_xlabel("predicted letter")
    ax.set_ylabel("true letter")
    ax.set_title(
        "Confusion matrix (counts; shade = share of the true letter)", loc="left", fontsize=11
    )
    cbar = fig.colorbar(im, ax=ax, shrink=0.85)
    cbar.set_label("share of the row")
    return fig


def per_class_accuracy(labels, predicted, confidence: float = 0.95):
    """Accuracy per true letter with its Wilson interval; dashed line: overall accuracy."""

    y = np.asarray(labels, dtype=np.int64)
    hit = np.asarray(predicted) == y
    fig = new_figure(8, 3.6)
    ax = fig.add_subplot()
    acc, err_lo, err_hi = [], [], []
    for k in range(10):
        n, right = int((y == k).sum()), int(hit[y == k].sum())
        a = right / n if n else 0.0
        lo, hi = wilson_interval(right, n, confidence) if n else (0.0, 0.0)
        acc.append(a)
        err_lo.append(a - lo)
        err_hi.append(hi - a)
    bars = ax.bar(range(10), acc, color=RIGHT, alpha=0.85, width=0.7)
    ax.errorbar(
        range(10), acc, yerr=[err_lo, err_hi], fmt="none", ecolor="#333333", capsize=3, lw=1
    )
    ax.bar_label(
        bars,
        labels=[f"{a:.0%}" for a in acc],
        padding=2,
        fontsize=8,
        label_type="center",
        color="white",
    )
    ax.axhline(hit.mean(), color="#333333", ls="--", lw=1)

    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)
    ax.set_xticks(range(10), list(LETTERS))
    ax.set_xlabel("true letter")
    ax.set_ylabel("test accuracy")
    ax.set_title(
        f"Accuracy per letter ({confidence:.0%} Wilson intervals; "
        f"dashed: overall {hit.mean():.1%})",
        loc="left",
        fontsize=11,
    )
    style_axes(ax)
    return fig


def most_confused(labels, predicted, pairs: int = 5) -> list[tuple[int, int, int]]:
    """The ``pairs`` most frequent mistakes as ``(true, predicted, count)``, most first."""

    counts = confusion_counts(labels, predicted)
    np.fill_diagonal(counts, 0)
    order = np.argsort(-counts, axis=None, kind="stable")[:pairs]
    out = []
    for flat in order:
        i, j = divmod(int(flat), 10)
        if counts[i, j]:
            out.append((i, j, int(counts[i, j])))
    return out


def confused_pairs(images, labels, predicted, pairs: int = 5, examples: int = 8):
    """One row per most-confused pair (true -> predicted) with example test images."""

    top = most_confused(labels, predicted, pairs)
    if not top:
        return message_figure("no misclassified test images")
    y, p = np.asarray(labels), np.asarray(predicted)
    examples = max(5, min(examples, max(count for _, _, count in top)))
    fig = new_figure(1.0 + 0.95 * examples + 1.6, 1.05 * len(top) + 0.5)
    grid = fig.add_gridspec(len(top), examples + 1, width_ratios=[1.9] + [1] * examples)
    for row, (i, j, count) in enumerate(top):
        ax = fig.add_subplot(grid[row, 0])
        ax.set_axis_off()
        ax.text(
            0.0,
            0.5,
            f"{LETTERS[i]} → {LETTERS[j]}",
            fontsize=16,
            weight="bold",
            va="center",
            color="#222222",
            transform=ax.transAxes,
        )
        ax.text(
            0.0,
            0.12,
            f"{count} image{'s' * (count != 1)}",
            fontsize=9,
            va="center",
            color="#555555",
            transform=ax.transAxes,
        )
        idx = np.nonzero((y == i) & (p == j))[0][:examples]
        for col in range(examples):
            ax = fig.add_subplot(grid[row, col + 1])
            if col < len(idx):
                show_image(ax, images[idx[col]])
                for spine in ax.spines.values():
                    spine.set_color(WRONG)
            else:
                ax.set_axis_off()
    fig.suptitle(
        "Most-confused pairs: true letter → predicted letter, with test images",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    return fig


def most_confident_mistakes(labels, proba, count: int | None = None):
    """Indices of the wrong answers, sorted by the probability the model gave them.

    Args:
        labels: (N,) true classes; proba: (N, 10) softmax.
        count: keep the first ``count`` (all when None).

    Returns:
        int64 (M,): the images with ``argmax(proba) != label``, surest first (stable).
    """

    y = np.asarray(labels, dtype=np.int64)
    proba = np.asarray(proba)
    pred = proba.argmax(axis=1)
    wrong = np.nonzero(pred != y)[0]
    return wrong[np.argsort(-proba[wrong, pred[wrong]], kind="stable")][:count]


def misclassified_grid(images, labels, proba, count: int = 12, cols: int = 4):
    """The most confident mistakes: each image over its softmax bars.

    The true letter's bar is green, the predicted (wrong) one red; sorted by the
    probability the model gave its wrong answer, highest first.
    """

    y = np.asarray(labels, dtype=np.int64)
    proba = np.asarray(proba)
    pred = proba.argmax(axis=1)
    wrong = most_confident_mistakes(y, proba, count)
    if len(wrong) == 0:
        return message_figure("no misclassified test images")
    rows = -(-len(wrong) // cols)
    fig = new_figure(2.6 * cols, 3.5 * rows + 0.4)
    fig.get_layout_engine().set(hspace=0.06)
    outer = fig.add_gridspec(rows, cols)
    for k, idx in enumerate(wrong):
        cell = outer[k // cols, k % cols].subgridspec(2, 1, height_ratios=[1.5, 1], hspace=0.05)
        ax = fig.add_subplot(cell[0])
        show_image(ax, images[idx])
        top = np.argsort(-proba[idx], kind="stable")[:3]
        ax.set_title(
            f"true {LETTERS[y[idx]]}; top 3: "
            + ", ".join(f"{LETTERS[j]} {percent(proba[idx, j])}" for j in top),
            fontsize=8,
        )
        ax = fig.add_subplot(cell[1])
        colours = [NEUTRAL] * 10
        colours[pred[idx]] = WRONG
        colours[y[idx]] = RIGHT
        logp = np.log10(np.clip(proba[idx], 1e-30, 1.0))  # 0 = certain, -3 = 0.1%
        ax.bar(range(10), logp - LOG_FLOOR, bottom=LOG_FLOOR, color=colours, width=0.8)
        ax.set_ylim(LOG_FLOOR, 0)
        ax.set_xticks(range(10), list(LETTERS), fontsize=7)
        ax.set_yticks([LOG_FLOOR, -3, 0], [f"1e{LOG_FLOOR}", "0.1%", "1"], fontsize=7)
        ax.tick_params(length=2, pad=1)
        if k % cols == 0:
            ax.set_ylabel("probability", fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(
        "Most confident mistakes (bars: softmax probability on a log scale, so the "
        "runners-up show; green: true letter, red: answer)",
        x=0.01,
        ha="left",
        fontsize=11,
        wrap=True,
    )
    return fig


LOG_FLOOR = -8  # the mistakes' bars start at a probability of 1e-8
