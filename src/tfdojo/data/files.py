"""Reading a file's bytes into memory sized by what the file holds, not what it claims."""

from __future__ import annotations

from typing import BinaryIO

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
