"""``tfdojo doctor``: the workshop's installation check."""

from __future__ import annotations


def register(sub) -> None:
    pass
