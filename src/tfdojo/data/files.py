"""Reading a file's bytes: into memory sized by what the file holds, not what it claims;
its sha256, a block at a time."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import numpy as np


def read_into(f: BinaryIO, buf: np.ndarray) -> int:
    """Fill the uint8 array ``buf`` from ``f``; return how many bytes were read (fewer at EOF).

    Memory comes from NumPy, untouched until filled: a header that claims more than the
    file holds costs only what the file holds.
    """
    view = memoryview(buf)
    got = 0
    while got < len(buf):
        n = f.readinto(view[got:])
        if not n:
            break
        got += n
    return got


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes (hex), read 1 MiB at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
