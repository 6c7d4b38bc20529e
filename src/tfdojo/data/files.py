"""A file's sha256, a block at a time, read through :func:`tfdojo.core.safe_read.open_regular`."""

from __future__ import annotations

import hashlib
import os

from tfdojo.core.safe_read import open_regular

MAX_HASHED_BYTES = 8 << 30
"""Largest file hashed: 8 GiB (notMNIST_large.tar.gz, the largest tfdojo downloads, is 250 MB)."""


def file_sha256(path: str | os.PathLike, max_bytes: int = MAX_HASHED_BYTES) -> str:
    """The sha256 of a regular file's bytes (hex), read 1 MiB at a time.

    Raises:
        TfdojoError: not a regular file, or larger than ``max_bytes``.
    """
    h = hashlib.sha256()
    with open_regular(path, max_bytes) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
