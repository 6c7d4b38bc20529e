"""Words for people: counts with their noun, tables of aligned text."""

from __future__ import annotations

from typing import Any


def plural(count: Any, word: str) -> str:
    """``plural(1, "epoch")`` -> ``"1 epoch"``; ``plural(8, "epoch")`` -> ``"8 epochs"``."""
    shown = f"{count:,}" if isinstance(count, int) else str(count)
    return f"{shown} {word}{'' if count == 1 else 's'}"


def aligned(rows: list[tuple[str, ...]]) -> str:
    """Rows of cells (the first: the titles) as left-aligned columns, a dashed rule under
    the titles, two spaces between columns, no trailing spaces."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
