"""Summaries of a dataset folder: text for ``tfdojo data info``, a grid for ``tfdojo data show``."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from tfdojo import LETTERS
from tfdojo.data.dataset import SPLITS, Dataset


def describe(m: dict[str, Any], path: str | os.PathLike) -> str:
    """A few lines from a dataset's manifest: source, sizes per split and class, fonts,
    duplicates removed. The counts are the ones ``save`` recorded from the arrays, so a
    command that has just written a dataset need not read it back to describe it."""
    lines = [
        f"dataset: {path}",
        f"source: {m.get('source', '?')} (tfdojo {m.get('tfdojo_version', '?')})",
    ]
    if "faces_used" in m:
        lines.append(
            f"fonts: {m['faces_used']} faces used from {m.get('font_files', '?')} files, "
            f"{m.get('faces_skipped', 0)} skipped"
        )
        for reason, n in list(m.get("skipped_reasons", {}).items())[:6]:
            lines.append(f"  skipped {n:5d}: {reason}")
    header = "split  " + " ".join(f"{c:>6}" for c in LETTERS) + "   total"
    lines += ["", header]
    for name in SPLITS:
        counts = m["counts"][name]
        per_class = [counts["per_class"][c] for c in LETTERS]
        lines.append(
            f"{name:6} " + " ".join(f"{n:6d}" for n in per_class) + f" {counts['total']:7d}"
        )
    cur = m.get("curation", {})
    if cur:
        near = cur.get("near_duplicates_removed", {})
        per_split = cur.get("families_per_split", {})
        lines += [
            "",
            f"curation: {cur.get('exact_duplicates', 0)} exact duplicates removed, "
            f"{sum(near.values())} near-duplicates across splits removed, "
            f"{cur.get('clusters', '?')} font-family clusters "
            f"(train/valid/test: {'/'.join(str(per_split.get(s, '?')) for s in SPLITS)})",
        ]
    aug = m.get("augmentation")
    if aug:
        lines.append(
            f"augmentation: {aug.get('variants', '?')} variants per training glyph on average, "
            f"{aug.get('variants_made', '?')} made from {aug.get('train_glyphs', '?')} glyphs"
        )
    return "\n".join(lines)


def sample_grid(ds: Dataset, split: str = "train", per_class: int = 10, seed: int = 0):
    """A matplotlib figure: one row per letter, ``per_class`` random images of it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = ds.split(split)
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(
        len(LETTERS), per_class, figsize=(per_class * 0.7, len(LETTERS) * 0.75), squeeze=False
    )
    for c, letter in enumerate(LETTERS):
        members = np.flatnonzero(s.labels == c)
        pick = (
            rng.choice(members, size=min(per_class, len(members)), replace=False)
            if len(members)
            else []
        )
        for j in range(per_class):
            ax = axes[c, j]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j < len(pick):
                ax.imshow(s.images[pick[j]], cmap="gray", vmin=0, vmax=255)
            if j == 0:
                ax.set_ylabel(letter, rotation=0, fontsize=12, labelpad=12, va="center")
    fig.suptitle(f"notMNIST {split} split: {per_class} random images per letter", fontsize=11)
    fig.tight_layout()
    return fig
