"""The figures of a run's report, each a function returning a matplotlib ``Figure``.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: no global figure registry, no GUI backend, nothing shown. Save one with
:func:`tfdojo.core.atomic.save_figure`. Colours are shared by every figure:

- train is blue, valid is orange (curves);
- right is green, wrong is red (bars and labels);
- weights use a diverging map, red positive and blue negative, centred on 0;
- glyphs are drawn dark on white (``gray_r``): the model sees them white on black.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tfdojo import LETTERS

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


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


def _image(ax, image, cmap: str = GLYPHS, **kwargs) -> None:
    ax.imshow(image, cmap=cmap, interpolation="nearest", **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])


def _empty(message: str, width: float = 6, height: float = 1.2):
    fig = _figure(width, height)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#555555")
    ax.set_axis_off()
    return fig


def figure_png(fig) -> bytes:
    """A figure as PNG bytes (white background), e.g. to embed in a page or a notebook."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


# --------------------------------------------------------------------------- data


def sample_grid(ds, split: str = "train", per_class: int = 10, seed: int = 0):
    """One row per letter, ``per_class`` random images of it, white on black as the model
    sees them; ``ds`` is a :class:`tfdojo.data.dataset.Dataset`."""
    import numpy as np

    s = ds.split(split)
    rng = np.random.default_rng(seed)
    fig = _figure(max(per_class * 0.7, 4.5), len(LETTERS) * 0.75 + 0.4)
    axes = fig.subplots(len(LETTERS), per_class, squeeze=False)
    for c, letter in enumerate(LETTERS):
        members = np.flatnonzero(s.labels == c)
        pick = rng.choice(members, size=min(per_class, len(members)), replace=False)
        for j in range(per_class):
            ax = axes[c, j]
            if j < len(pick):
                _image(ax, s.images[pick[j]], cmap="gray", vmin=0, vmax=255)
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


# --------------------------------------------------------------------------- training


def history_series(history: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Per-epoch curves from ``history.json``'s rows (:func:`tfdojo.runs.read_history`).

    Returns ``{"epoch": [...], "train_loss": [...], "valid_loss": [...], "train_accuracy":
    [...], "valid_accuracy": [...]}`` (curves no row has are left out).
    """
    out: dict[str, list[float]] = {
        "epoch": [float(r.get("epoch", i + 1)) for i, r in enumerate(history)]
    }
    for name in ("train_loss", "valid_loss", "train_accuracy", "valid_accuracy"):
        if history and all(name in r for r in history):
            out[name] = [float(r[name]) for r in history]
    return out


def training_curves(history: Sequence[Mapping[str, Any]], kept: int | None = None):
    """Loss and accuracy per epoch, train (blue) and valid (orange), side by side; a grey
    line marks the epoch ``kept`` (whose weights the run restored), if given."""
    series = history_series(history)
    epochs = series["epoch"]
    if not epochs:
        return _empty("no epochs recorded")
    fig = _figure(10, 3.6)
    axes = fig.subplots(1, 2)
    for ax, what, label in (
        (axes[0], "loss", "cross-entropy loss"),
        (axes[1], "accuracy", "accuracy"),
    ):
        for split, colour in (("train", TRAIN), ("valid", VALID)):
            values = series.get(f"{split}_{what}")
            if values:
                ax.plot(epochs[: len(values)], values, "o-", color=colour, label=split, ms=4)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(f"{label.capitalize()} per epoch", loc="left", fontsize=11)
        if what == "accuracy":
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        if len(epochs) <= 12:
            ax.set_xticks(epochs)
        else:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))
        if kept:
            ax.axvline(kept, color=NEUTRAL, lw=1.5, ls="--", label=f"kept: epoch {kept}", zorder=0)
        _style(ax)
        if ax.lines:
            ax.legend(frameon=False)
        else:
            ax.text(
                0.5,
                0.5,
                f"no {what} recorded",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="#555555",
            )
    return fig


# --------------------------------------------------------------------------- errors


def confusion_counts(labels, predicted, classes: int = 10):
    """``C[i, j]``: test images of true class ``i`` predicted as ``j`` (int (10, 10))."""
    import numpy as np

    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(predicted, dtype=np.int64)
    return np.bincount(y * classes + p, minlength=classes * classes).reshape(classes, classes)


def confusion_matrix(labels, predicted):
    """Counts of (true, predicted) letters; shading is the share of each true letter's row."""
    import numpy as np

    counts = confusion_counts(labels, predicted)
    rows = counts.sum(axis=1, keepdims=True)
    share = counts / np.maximum(rows, 1)
    fig = _figure(6.4, 5.6)
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
    import numpy as np

    from tfdojo.core.stats import wilson_interval

    y = np.asarray(labels, dtype=np.int64)
    hit = np.asarray(predicted) == y
    fig = _figure(8, 3.6)
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
    from matplotlib.ticker import PercentFormatter

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
    _style(ax)
    return fig


def most_confused(labels, predicted, pairs: int = 5) -> list[tuple[int, int, int]]:
    """The ``pairs`` most frequent mistakes as ``(true, predicted, count)``, most first."""
    import numpy as np

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
    import numpy as np

    top = most_confused(labels, predicted, pairs)
    if not top:
        return _empty("no misclassified test images")
    y, p = np.asarray(labels), np.asarray(predicted)
    examples = max(5, min(examples, max(count for _, _, count in top)))
    fig = _figure(1.0 + 0.95 * examples + 1.6, 1.05 * len(top) + 0.5)
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
                _image(ax, images[idx[col]])
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
    import numpy as np

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
    import numpy as np

    y = np.asarray(labels, dtype=np.int64)
    proba = np.asarray(proba)
    pred = proba.argmax(axis=1)
    wrong = most_confident_mistakes(y, proba, count)
    if len(wrong) == 0:
        return _empty("no misclassified test images")
    rows = -(-len(wrong) // cols)
    fig = _figure(2.6 * cols, 3.5 * rows + 0.4)
    fig.get_layout_engine().set(hspace=0.06)
    outer = fig.add_gridspec(rows, cols)
    for k, idx in enumerate(wrong):
        cell = outer[k // cols, k % cols].subgridspec(2, 1, height_ratios=[1.5, 1], hspace=0.05)
        ax = fig.add_subplot(cell[0])
        _image(ax, images[idx])
        top = np.argsort(-proba[idx], kind="stable")[:3]
        ax.set_title(
            f"true {LETTERS[y[idx]]}; top 3: "
            + ", ".join(f"{LETTERS[j]} {_percent(proba[idx, j])}" for j in top),
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


def _percent(p: float) -> str:
    return f"{p:.0%}" if p >= 0.01 else "<1%"


# --------------------------------------------------------------------------- weights


def first_layer_weights(weights: Mapping[str, Any]):
    """The weights worth drawing: the first weight matrix or kernel (the dict is in layer
    order; biases are vectors): W (784, 10) of the logistic model, W1 (784, hidden) of an
    MLP, or a convnet's first kernel (k, k, 1, depth)."""
    return next((w for w in weights.values() if w.ndim >= 2), None)


def weight_templates(w):
    """The logistic model's 10 templates: column ``k`` of ``W`` (784, 10) as a 28x28 image.

    The logit of letter ``k`` is ``z_k = Σ_p x_p W[p, k] + b_k``: red pixels vote for the
    letter when inked, blue pixels against it. One colour scale for all ten.
    """
    import numpy as np

    w = np.asarray(w, dtype=np.float64)
    if w.shape != (784, 10):
        raise ValueError(f"weight_templates: expected W of shape (784, 10), received {w.shape}")
    limit = float(np.abs(w).max()) or 1.0
    fig = _figure(10, 4.6)
    axes = fig.subplots(2, 5)
    im = None
    for k, ax in enumerate(axes.flat):
        im = ax.imshow(
            w[:, k].reshape(28, 28), cmap=WEIGHTS, vmin=-limit, vmax=limit, interpolation="nearest"
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(LETTERS[k], fontsize=13, weight="bold")
    cbar = fig.colorbar(im, ax=axes, shrink=0.8)
    cbar.set_label("weight (red: ink votes for the letter)")
    fig.suptitle(
        "Logistic weight templates: each column of W (784×10) as a 28×28 image",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    return fig


def unit_templates(w, count: int = 24, cols: int = 8):
    """The first ``count`` hidden units of an MLP: column ``j`` of W1 (784, hidden) as 28x28.

    Unit ``j`` computes ``relu(Σ_p x_p W1[p, j] + b1_j)``; each unit on its own colour scale.
    """
    import numpy as np

    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != 784:
        raise ValueError(f"unit_templates: expected W1 of shape (784, hidden), received {w.shape}")
    count = min(count, w.shape[1])
    cols = min(cols, count)
    rows = -(-count // cols)
    fig = _figure(1.25 * cols, 1.35 * rows + 0.5)
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False))
    for j, ax in enumerate(axes.flat):
        if j < count:
            limit = float(np.abs(w[:, j]).max()) or 1.0
            ax.imshow(
                w[:, j].reshape(28, 28),
                cmap=WEIGHTS,
                vmin=-limit,
                vmax=limit,
                interpolation="nearest",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"unit {j}", fontsize=8)
        else:
            ax.set_axis_off()
    fig.suptitle(
        f"First-layer weights of {count} of {w.shape[1]} hidden units (red +, blue −)",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    return fig


def conv_filters(kernel, cols: int = 8):
    """First-layer convolution filters, kernel (k, k, 1, depth), one k×k image each."""
    import numpy as np

    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 4 or kernel.shape[2] != 1:
        raise ValueError(
            f"conv_filters: expected a kernel of shape (k, k, 1, depth), received {kernel.shape}"
        )
    k, depth = kernel.shape[0], kernel.shape[3]
    cols = min(cols, depth)
    rows = -(-depth // cols)
    limit = float(np.abs(kernel).max()) or 1.0
    fig = _figure(1.25 * cols + 1.4, 1.3 * rows + 0.7)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).reshape(rows, cols)
    im = None
    for d, ax in enumerate(axes.flat):
        if d < depth:
            im = ax.imshow(
                kernel[:, :, 0, d], cmap=WEIGHTS, vmin=-limit, vmax=limit, interpolation="nearest"
            )
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"#{d}", fontsize=8)
        else:
            ax.set_axis_off()
    cbar = fig.colorbar(im, ax=axes, shrink=0.8)
    cbar.set_label("weight")
    fig.suptitle(
        f"First-layer filters: {depth} kernels of {k}×{k} pixels", x=0.01, ha="left", fontsize=11
    )
    return fig


# --------------------------------------------------------------------------- two models


def compare_accuracies(names: Sequence[str], accuracies, intervals, a_only: int, b_only: int):
    """Two models' accuracies with their intervals, and how their disagreements split."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    fig = _figure(10, 2.8)
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
    left.set_yticks([0, 1], [f"A  {_short(names[0])}", f"B  {_short(names[1])}"])
    left.set_ylim(-0.6, 1.6)
    left.invert_yaxis()
    left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    left.xaxis.set_major_locator(MaxNLocator(5))
    left.set_xlabel("test accuracy (95% Wilson interval)")
    left.set_title("Accuracy", loc="left", fontsize=11)
    _style(left)
    bars = right.barh([0, 1], [a_only, b_only], color=colours, height=0.6)
    right.bar_label(bars, padding=3, fontsize=9)
    right.set_yticks([0, 1], ["right only by A", "right only by B"])
    right.invert_yaxis()
    right.set_xlabel("test images")
    right.set_title("Disagreements\n(what McNemar tests)", loc="left", fontsize=11)
    right.set_xlim(0, max(a_only, b_only, 1) * 1.25)
    right.xaxis.set_major_locator(MaxNLocator(4, integer=True))
    _style(right)
    return fig


def disagreement_examples(images, labels, proba_a, proba_b, examples: int = 10):
    """Test images only A gets right (top row) and only B gets right (bottom row).

    Each is titled with its true letter and, in brackets, the other model's wrong answer.
    """
    import numpy as np

    y = np.asarray(labels)
    pa, pb = np.asarray(proba_a).argmax(1), np.asarray(proba_b).argmax(1)
    rows = [
        ("right only by A", np.nonzero((pa == y) & (pb != y))[0], pb, "B"),
        ("right only by B", np.nonzero((pb == y) & (pa != y))[0], pa, "A"),
    ]
    fig = _figure(1.6 + 1.05 * examples, 2.9)
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
                _image(ax, images[idx[c]])
                ax.set_title(f"{LETTERS[y[idx[c]]]} ({says}: {LETTERS[other[idx[c]]]})", fontsize=8)
            else:
                ax.set_axis_off()
    return fig


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1) :]
