"""The text summary of a dataset folder that ``tfdojo data info`` prints."""

from __future__ import annotations

import os
from typing import Any

from tfdojo import LETTERS
from tfdojo.data.dataset import SPLITS


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
