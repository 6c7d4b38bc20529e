"""What the first layer looks for (:mod:`tfdojo.models.first_layer`): the logistic model's
templates, an MLP's first hidden units, a convnet's first filters, red positive, blue
negative."""

from __future__ import annotations

import numpy as np

from tfdojo import LETTERS
from tfdojo.results.plots.base import WEIGHTS, new_figure


def weight_templates(w):
    """The logistic model's 10 templates: column ``k`` of ``W`` (784, 10) as a 28x28 image.

    The logit of letter ``k`` is ``z_k = Σ_p x_p W[p, k] + b_k``: red pixels vote for the
    letter when inked, blue pixels against it. One colour scale for all ten.
    """

    w = np.asarray(w, dtype=np.float64)
    if w.shape != (784, 10):
        raise ValueError(f"weight_templates: expected W of shape (784, 10), received {w.shape}")
    limit = float(np.abs(w).max()) or 1.0
    fig = new_figure(10, 4.6)
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

    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != 784:
        raise ValueError(f"unit_templates: expected W1 of shape (784, hidden), received {w.shape}")
    count = min(count, w.shape[1])
    cols = min(cols, count)
    rows = -(-count // cols)
    fig = new_figure(1.25 * cols, 1.35 * rows + 0.5)
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

    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 4 or kernel.shape[2] != 1:
        raise ValueError(
            f"conv_filters: expected a kernel of shape (k, k, 1, depth), received {kernel.shape}"
        )
    k, depth = kernel.shape[0], kernel.shape[3]
    cols = min(cols, depth)
    rows = -(-depth // cols)
    limit = float(np.abs(kernel).max()) or 1.0
    fig = new_figure(1.25 * cols + 1.4, 1.3 * rows + 0.7)
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
