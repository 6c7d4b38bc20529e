"""``tfdojo data download|import|export``: the real notMNIST and IDX files."""

from __future__ import annotations


def register(group) -> None:
    pass
