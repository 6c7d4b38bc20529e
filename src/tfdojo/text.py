"""Words for people: counts with their noun."""

from __future__ import annotations

from typing import Any


def plural(count: Any, word: str) -> str:
    """``plural(1, "epoch")`` -> ``"1 epoch"``; ``plural(8, "epoch")`` -> ``"8 epochs"``."""
    shown = f"{count:,}" if isinstance(count, int) else str(count)
    return f"{shown} {word}{'' if count == 1 else 's'}"
