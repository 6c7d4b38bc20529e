"""IDX read/write: round trips over every dtype and shape, and malformed headers refused."""

from __future__ import annotations

import gzip
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tfdojo.core.errors import TfdojoError
from tfdojo.data import idx

from .hostile import MiB, zeros_gzip
from .memory import peak_rss_growth

IDX_DTYPES = st.sampled_from(["u1", "i1", "<i2", ">i2", "<i4", ">i4", "<f4", ">f4", "<f8", ">f8"])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)


def parse(raw: bytes):
    """``read_idx`` on a file holding ``raw``: the reader users run, on exactly these bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x"
        path.write_bytes(raw)
        return idx.read_idx(path)


@settings(max_examples=60, deadline=None)
@given(a=hnp.arrays(IDX_DTYPES, SHAPES), gz=st.booleans())
def test_round_trip_any_dtype_and_shape(tmp_path_factory, a, gz):
    path = tmp_path_factory.mktemp("idx") / ("x-images-idx3-ubyte" + (".gz" if gz else ""))
    idx.write_idx(path, a)
    b = idx.read_idx(path)
    assert b.shape == a.shape
    assert b.dtype == a.dtype.newbyteorder("=")
    np.testing.assert_array_equal(b, a)  # NaNs compare equal here
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == gz


def test_header_matches_mnist_layout(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = idx.write_idx(tmp_path / "t-images-idx3-ubyte", a).read_bytes()
    # MNIST's train-images header: 0x00000803, then the dims as big-endian uint32.
    assert raw[:16] == bytes.fromhex("00000803 00000002 00000003 00000004")
    assert raw[16:] == a.tobytes()
    labels = idx.write_idx(tmp_path / "t-labels-idx1-ubyte", np.array([7, 1], np.uint8))
    assert labels.read_bytes() == bytes.fromhex("00000801 00000002 07 01")


def test_gzip_is_deterministic(tmp_path):
    a = np.ones((3, 28, 28), np.uint8)
    first = idx.write_idx(tmp_path / "a.gz", a).read_bytes()
    second = idx.write_idx(tmp_path / "b.gz", a).read_bytes()
    assert first == second


@settings(max_examples=50, deadline=None)
@given(magic=st.binary(min_size=4, max_size=4))
def test_wrong_magic_is_refused_with_the_bytes_echoed(magic):
    zero, code, _ = struct.unpack(">HBB", magic)
    if zero == 0 and code in idx.DTYPES:
        return  # a valid magic; covered by the round trip
    with pytest.raises(TfdojoError, match=f"received magic {magic.hex(' ')}"):
        parse(magic + b"\x00" * 8)


@settings(max_examples=50, deadline=None)
@given(
    a=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6)),
    cut=st.integers(min_value=1, max_value=400),
)
def test_truncated_file_is_refused(tmp_path_factory, a, cut):
    path = tmp_path_factory.mktemp("idx") / "x"
    raw = idx.write_idx(path, a).read_bytes()
    cut = min(cut, len(raw) - 1)
    with pytest.raises(TfdojoError, match="truncated|too short"):
        parse(raw[:-cut])


def test_extra_bytes_are_a_dimension_mismatch():
    raw = bytes.fromhex("00000801 00000002") + b"\x01\x02\x03"
    with pytest.raises(TfdojoError, match=r"dimensions \(2,\) do not match the data"):
        parse(raw)


def test_truncated_header():
    with pytest.raises(TfdojoError, match="truncated IDX header: 3 dimensions need 16 bytes"):
        parse(bytes.fromhex("00000803 00000001"))


def test_corrupt_gzip_and_missing_file(tmp_path):
    good = gzip.compress(bytes.fromhex("00000801 00000003 010203"))
    bad = tmp_path / "y-labels-idx1-ubyte.gz"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(TfdojoError, match=f"{bad}: truncated or corrupt gzip"):
        idx.read_idx(bad)
    with pytest.raises(TfdojoError, match="no such file; expected an IDX file"):
        idx.read_idx(tmp_path / "missing")


def test_unsupported_dtype_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "x-idx"
    with pytest.raises(TfdojoError, match="received dtype int64"):
        idx.write_idx(path, np.zeros(3, np.int64))
    with pytest.raises(TfdojoError, match="received dtype bool"):
        idx.write_idx(path, np.zeros(3, bool))
    assert list(tmp_path.iterdir()) == []


def test_labels_path_follows_mnist_naming(tmp_path):
    assert idx.labels_path_for("d/train-images-idx3-ubyte.gz").as_posix() == (
        "d/train-labels-idx1-ubyte.gz"
    )
    assert idx.labels_path_for("t10k-images.idx3-ubyte").name == "t10k-labels.idx1-ubyte"
    with pytest.raises(TfdojoError, match="--labels"):
        idx.labels_path_for("images.bin")


# -- hostile headers and streams -----------------------------------------------------------------


def test_dimensions_whose_product_overflows_int64_are_refused():
    # 65536**4 = 2**64: NumPy's int64 product wraps to 0, which "matched" an empty file.
    raw = bytes.fromhex("00000804") + struct.pack(">4I", *[65536] * 4)
    with pytest.raises(TfdojoError) as err:
        parse(raw)
    assert str(err.value).partition("/x: ")[2] == (
        "IDX header claims shape (65536, 65536, 65536, 65536) of uint8, "
        "18,446,744,073,709,551,616 bytes; expected at most 1,073,741,824"
    )


def test_empty_shape_with_absurd_dimensions_is_refused():
    raw = bytes.fromhex("00000803 00000000 ffffffff ffffffff")
    with pytest.raises(TfdojoError) as err:
        parse(raw)
    assert str(err.value).partition("/x: ")[2] == (
        "IDX header claims shape (0, 4294967295, 4294967295) of uint8, "
        "18,446,744,065,119,617,025 bytes; expected at most 1,073,741,824"
    )
    assert parse(bytes.fromhex("00000803 00000000 0000001c 0000001c")).shape == (
        0,
        28,
        28,
    )


def test_header_over_the_cap_is_refused_before_reading(tmp_path):
    path = tmp_path / "big-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">HBB3I", 0, 8, 3, 4_000_000, 28, 28)))
    with pytest.raises(TfdojoError, match=r"claims shape \(4000000, 28, 28\) of uint8, 3,136,"):
        idx.read_idx(path)


def test_small_gz_inflating_to_gigabytes_reads_only_what_the_header_says(tmp_path):
    path = tmp_path / "bomb-images-idx3-ubyte.gz"
    header = gzip.compress(struct.pack(">HBB3I", 0, 8, 3, 100, 28, 28))
    path.write_bytes(header + zeros_gzip(3 << 10))  # 3 MB that inflates to 3 GiB
    result, growth = peak_rss_growth(lambda: idx.read_idx(path))
    assert str(result) == (
        f"{path}: IDX dimensions (100, 28, 28) do not match the data: expected 78400 bytes, "
        "received more"
    )
    assert growth < 20 * MiB


def test_wrong_gzip_crc_is_refused(tmp_path):
    good = bytearray(gzip.compress(bytes.fromhex("00000801 00000003 010203")))
    good[-8] ^= 0xFF
    path = tmp_path / "l-labels-idx1-ubyte.gz"
    path.write_bytes(bytes(good))
    with pytest.raises(TfdojoError, match=r"truncated or corrupt gzip stream \(CRC check failed"):
        idx.read_idx(path)


def test_big_endian_values_come_back_native():
    raw = bytes.fromhex("00000b01 00000002 0102 fffe")
    a = parse(raw)
    assert a.dtype == np.dtype("=i2") and a.tolist() == [258, -2]
