"""IDX files, the format of MNIST, Fashion-MNIST and EMNIST: read, write, export.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then
the array's values in big-endian C order::

    00 00 <dtype code> <ndim>   <dim 0> ... <dim ndim-1>   <data>

dtype codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64. Files may be gzipped (``train-images-idx3-ubyte.gz``); reading
detects gzip from its magic bytes, writing from a ``.gz`` suffix.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tfdojo.core.atomic import atomic_open
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import MissingFile, open_regular, read_into
from tfdojo.core.safe_write import Output, inside, new_folder, prepare
from tfdojo.data import dataset

DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
"""IDX dtype code -> big-endian NumPy dtype."""

MAX_IDX_BYTES = 1 << 30
"""Largest IDX array tfdojo reads: 1 GiB, as its header states, checked before reading.

EMNIST ByClass, the largest MNIST-format set in common use, holds 547 MB of training
images (697,932 x 28 x 28); the real notMNIST_large would be 415 MB.
"""

MAX_IDX_NDIM = 32
"""Most dimensions an IDX header may give (its byte allows 255; NumPy holds 64; MNIST uses 3)."""

MAX_IDX_FILE_BYTES = MAX_IDX_BYTES + (1 << 20)
"""Largest IDX file opened, plain or gzipped: the array's cap and room for the header."""

_CODES = {dt.newbyteorder("=").str: code for code, dt in DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (plain or gzipped) into a native-endian array.

    The header is read first and the data after it is read to exactly the size the
    header gives, never more: a small ``.gz`` that inflates to GBs costs at most
    :data:`MAX_IDX_BYTES`, and reading one byte past the data checks the gzip CRC.

    Args:
        path: e.g. ``train-images-idx3-ubyte.gz``.

    Returns:
        The array, with the shape and dtype the header gives
        (MNIST images: uint8 (N, 28, 28); labels: uint8 (N,)).

    Raises:
        TfdojoError: missing file, not a regular file (a FIFO, a device), bad gzip
            stream, wrong magic, unknown dtype code, more than :data:`MAX_IDX_NDIM`
            dimensions, a size over :data:`MAX_IDX_BYTES`, or data shorter or longer
            than the header's dimensions.
    """
    path = Path(path)
    try:
        with open_regular(path, MAX_IDX_FILE_BYTES, "an IDX file") as f:
            gzipped = f.read(2) == _GZIP_MAGIC
            f.seek(0)
            stream = gzip.GzipFile(fileobj=f, mode="rb") if gzipped else f
            return _read_stream(stream, str(path))
    except MissingFile:
        raise TfdojoError(f"{path}: no such file; expected an IDX file") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise TfdojoError(f"{path}: truncated or corrupt gzip stream ({exc})") from None
    except OSError as exc:
        raise TfdojoError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _read_stream(f: BinaryIO, name: str) -> np.ndarray:
    """Header first, then exactly the bytes it promises, then nothing."""
    magic = f.read(4)
    if len(magic) < 4:
        raise TfdojoError(f"{name}: expected an IDX file, received {len(magic)} bytes (too short)")
    zero, code, ndim = struct.unpack(">HBB", magic)
    if zero != 0 or code not in DTYPES:
        raise TfdojoError(
            f"{name}: expected an IDX file (magic 00 00 <dtype> <ndim>), "
            f"received magic {magic.hex(' ')}"
        )
    if ndim > MAX_IDX_NDIM:
        raise TfdojoError(
            f"{name}: IDX header gives {ndim} dimensions; expected at most {MAX_IDX_NDIM} "
            "(images have 3, labels 1)"
        )
    header_size = 4 + 4 * ndim
    dims = f.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise TfdojoError(
            f"{name}: truncated IDX header: {ndim} dimensions need {header_size} bytes, "
            f"received {4 + len(dims)}"
        )
    shape = struct.unpack(f">{ndim}I", dims)
    dtype = DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: exact, never overflows
    # Checked as NumPy sizes an array's shape: a zero dimension does not excuse the others.
    claimed = math.prod(max(d, 1) for d in shape) * dtype.itemsize
    if claimed > MAX_IDX_BYTES:
        raise TfdojoError(
            f"{name}: IDX header claims shape {shape} of {dtype.name}, {claimed:,} bytes; "
            f"expected at most {MAX_IDX_BYTES:,}"
        )
    data = np.empty(expected, np.uint8)  # pages are only touched as they are filled
    received = read_into(f, data)
    if received < expected:
        raise TfdojoError(
            f"{name}: truncated IDX data: shape {shape} of {dtype.name} needs {expected} bytes, "
            f"received {received}"
        )
    if f.read(1):
        raise TfdojoError(
            f"{name}: IDX dimensions {shape} do not match the data: expected {expected} bytes, "
            "received more"
        )
    return data.view(dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file, gzipped if ``path`` ends in ``.gz``; atomic.

    Raises:
        TfdojoError: a dtype IDX cannot hold (it holds uint8, int8, int16, int32,
            float32, float64) or a dimension too large for uint32.
    """
    path = Path(path)
    a = np.asarray(array)
    code = _CODES.get(a.dtype.newbyteorder("=").str)
    if code is None or a.dtype.kind == "b":
        allowed = ", ".join(dt.name for dt in DTYPES.values())
        raise TfdojoError(f"{path}: IDX holds {allowed}; received dtype {a.dtype}")
    if a.ndim > 255 or any(d >= 2**32 for d in a.shape):
        raise TfdojoError(
            f"{path}: IDX dimensions must be < 2**32 and at most 255; received {a.shape}"
        )
    header = struct.pack(f">HBB{a.ndim}I", 0, code, a.ndim, *a.shape)
    data = header + np.ascontiguousarray(a, dtype=DTYPES[code]).tobytes()
    if path.suffix == ".gz":
        # mtime=0: the same array always gives the same bytes.
        data = gzip.compress(data, compresslevel=6, mtime=0)
    with atomic_open(path, "wb") as f:
        f.write(data)
    return path


# -- MNIST file naming -------------------------------------------------------------------------


def images_name(prefix: str, gz: bool = True) -> str:
    """``train`` -> ``train-images-idx3-ubyte.gz`` (MNIST naming)."""
    return f"{prefix}-images-idx3-ubyte" + (".gz" if gz else "")


def labels_name(prefix: str, gz: bool = True) -> str:
    """``train`` -> ``train-labels-idx1-ubyte.gz`` (MNIST naming)."""
    return f"{prefix}-labels-idx1-ubyte" + (".gz" if gz else "")


def labels_path_for(images_path: str | os.PathLike) -> Path:
    """The labels file MNIST naming pairs with an images file (it may not exist).

    ``.../train-images-idx3-ubyte.gz`` -> ``.../train-labels-idx1-ubyte.gz``; also the
    ``train-images.idx3-ubyte`` spelling of some mirrors.
    """
    p = Path(images_path)
    name = p.name.replace("-images-idx3-ubyte", "-labels-idx1-ubyte")
    name = name.replace("-images.idx3-ubyte", "-labels.idx1-ubyte")
    if name == p.name:
        raise TfdojoError(
            f"{p}: expected an MNIST-named images file (*-images-idx3-ubyte[.gz]); "
            "give the labels file with --labels"
        )
    return p.with_name(name)


IDX_FOLDER = Output(
    "idx",
    "a folder of IDX files",
    names=frozenset(
        name(split, gz)
        for split in dataset.SPLITS
        for name in (images_name, labels_name)
        for gz in (True, False)
    ),
    marked=False,
)
"""``data export``'s folder: the IDX files alone, nothing else (no marker either)."""


def export_idx(
    dataset_dir: str | os.PathLike | None,
    out_dir: str | os.PathLike | None = None,
    gz: bool = True,
    overwrite: bool = False,
) -> list[Path]:
    """Write a dataset's splits as MNIST-named IDX files, in a folder written whole.

    Args:
        dataset_dir: a dataset folder (``None``: the default cache dataset).
        out_dir: where to write (default: ``<dataset_dir>/idx``, where an earlier export
            of tfdojo's is replaced).
        gz: gzip the files, like the MNIST originals.
        overwrite: replace an earlier export of tfdojo's at ``out_dir`` (nothing else).

    Returns:
        The paths written: ``train-``, ``valid-`` and ``test-`` images and labels
        (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``, ...).

    Raises:
        TfdojoError: ``out_dir`` exists (without ``overwrite``, or not tfdojo's IDX files).
    """

    if out_dir is not None:
        prepare(out_dir, IDX_FOLDER, overwrite)  # before the dataset is read
    ds = dataset.load(dataset_dir)
    if out_dir is None:
        out_dir, overwrite = inside(ds.path, "idx"), True
    names = []
    with new_folder(out_dir, IDX_FOLDER, overwrite) as tmp:
        for split in dataset.SPLITS:
            s = ds.split(split)
            for name, array in (
                (images_name(split, gz), s.images),
                (labels_name(split, gz), s.labels),
            ):
                write_idx(tmp / name, array)
                names.append(name)
    return [Path(out_dir) / name for name in names]
