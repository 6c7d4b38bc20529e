"""Training curves: loss and accuracy per epoch, on the training batches and the validation
split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.ticker import MaxNLocator, PercentFormatter

from tfdojo.results.plots.base import NEUTRAL, TRAIN, VALID, message_figure, new_figure, style_axes


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
        return message_figure("no epochs recorded")
    fig = new_figure(10, 3.6)
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
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        if len(epochs) <= 12:
            ax.set_xticks(epochs)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))
        if kept:
            ax.axvline(kept, color=NEUTRAL, lw=1.5, ls="--", label=f"kept: epoch {kept}", zorder=0)
        style_axes(ax)
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
