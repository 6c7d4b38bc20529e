"""``tfdojo data build|info|show``: notMNIST rebuilt from the fonts on this machine."""

from __future__ import annotations


def register(group) -> None:
    pass
