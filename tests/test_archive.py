"""Safe tar reading: files come out in memory; unsafe entries and broken archives are refused."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from tfdojo.core.errors import TfdojoError
from tfdojo.data import archive

from .hostile import MiB, gnu_sparse_header, octal, tar_header, zeros_gzip
from .memory import peak_rss_growth


def make_tar(path: Path, entries: list[tarfile.TarInfo | tuple[str, bytes]], mode="w:gz") -> Path:
    """Write a tar archive of ``(name, data)`` files and raw TarInfo entries."""
    with tarfile.open(path, mode, format=tarfile.GNU_FORMAT) as tar:
        for e in entries:
            if isinstance(e, tarfile.TarInfo):
                tar.addfile(e)
            else:
                name, data = e
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def entry(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def test_reads_files_in_order_skipping_folders(tmp_path):
    folder = entry("notMNIST_small/A", tarfile.DIRTYPE)
    path = make_tar(
        tmp_path / "a.tar.gz",
        [folder, ("notMNIST_small/A/x.png", b"abc"), ("notMNIST_small/B/y.png", b"")],
    )
    assert list(archive.iter_files(path)) == [
        ("notMNIST_small/A/x.png", b"abc"),
        ("notMNIST_small/B/y.png", b""),
    ]


@pytest.mark.parametrize("mode", ["w", "w:bz2", "w:xz"])
def test_other_compressions(tmp_path, mode):
    path = make_tar(tmp_path / "a.tar", [("A/x.png", b"123")], mode=mode)
    assert list(archive.iter_files(path)) == [("A/x.png", b"123")]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (("/etc/evil.png", b"x"), "entry '/etc/evil.png' has an absolute path"),
        (("A/../../evil.png", b"x"), "entry 'A/../../evil.png' contains '..'"),
        (entry("A/link.png", tarfile.SYMTYPE, "/etc/passwd"), "entry 'A/link.png' is a symbolic"),
        (entry("A/hard.png", tarfile.LNKTYPE, "A/x.png"), "entry 'A/hard.png' is a hard link"),
        (entry("A/fifo", tarfile.FIFOTYPE), "entry 'A/fifo' is a device or fifo"),
        (entry("A/tty", tarfile.CHRTYPE), "entry 'A/tty' is a device or fifo"),
        (entry("A/disk", tarfile.BLKTYPE), "entry 'A/disk' is a device or fifo"),
    ],
)
def test_unsafe_entries_are_refused_by_name(tmp_path, bad, message):
    path = make_tar(tmp_path / "bad.tar.gz", [("A/x.png", b"ok"), bad, ("A/z.png", b"ok")])
    got = []
    with pytest.raises(TfdojoError, match=message) as err:
        for item in archive.iter_files(path):
            got.append(item)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)
    assert got == [("A/x.png", b"ok")]  # nothing after the unsafe entry is read


def test_truncated_archive(tmp_path):
    path = make_tar(
        tmp_path / "t.tar.gz", [(f"A/{i}.png", bytes(range(256)) * 40) for i in range(5)]
    )
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(TfdojoError, match=r"t\.tar\.gz: truncated archive"):
        list(archive.iter_files(path))


def test_truncated_plain_tar(tmp_path):
    path = make_tar(tmp_path / "t.tar", [("A/x.png", b"x" * 5000)], mode="w")
    path.write_bytes(path.read_bytes()[:2048])
    with pytest.raises(TfdojoError, match="truncated archive"):
        list(archive.iter_files(path))


def test_corrupt_gzip(tmp_path):
    path = make_tar(tmp_path / "c.tar.gz", [("A/x.png", b"x" * 5000)])
    raw = bytearray(path.read_bytes())
    raw[20:40] = b"\xff" * 20
    path.write_bytes(bytes(raw))
    with pytest.raises(TfdojoError, match=r"c\.tar\.gz: (corrupt|truncated)"):
        list(archive.iter_files(path))


def test_html_page_saved_as_archive(tmp_path):
    path = tmp_path / "notMNIST_small.tar.gz"
    path.write_bytes(b"<!DOCTYPE html><html><body><h1>403 Forbidden</h1></body></html>")
    with pytest.raises(TfdojoError, match="is an HTML page, not a tar archive"):
        list(archive.iter_files(path))


def test_missing_empty_and_folder(tmp_path):
    with pytest.raises(TfdojoError, match="no such file; expected a notMNIST .tar.gz"):
        list(archive.iter_files(tmp_path / "nope.tar.gz"))
    (tmp_path / "empty.tar.gz").write_bytes(b"")
    with pytest.raises(TfdojoError, match="is empty"):
        list(archive.iter_files(tmp_path / "empty.tar.gz"))
    with pytest.raises(TfdojoError, match="is a folder"):
        list(archive.iter_files(tmp_path))


def test_plain_tar_cut_between_two_entries(tmp_path):
    # header + one 512-byte block per entry: cutting at 2048 ends cleanly after entry 2,
    # which tarfile alone would take for the end of the archive.
    path = make_tar(tmp_path / "t.tar", [(f"A/{i}.png", b"x" * 512) for i in range(4)], mode="w")
    path.write_bytes(path.read_bytes()[:2048])
    with pytest.raises(TfdojoError, match="truncated archive"):
        list(archive.iter_files(path))


# -- hostile sizes: refused from the header, before reading -------------------------------------


def test_gnu_sparse_member_is_refused_before_reading(tmp_path):
    path = tmp_path / "sparse.tar.gz"
    path.write_bytes(gzip.compress(gnu_sparse_header("A/x.png", 1 << 30) + bytes(1024)))
    assert path.stat().st_size < 200
    result, growth = peak_rss_growth(lambda: list(archive.iter_files(path)))
    assert isinstance(result, TfdojoError)
    assert str(result) == (
        f"{path}: entry 'A/x.png' is a GNU sparse file; expected only plain files and folders"
    )
    assert growth < 20 * MiB


def test_sparse_map_cut_short_is_one_line(tmp_path):
    # The header promises an extension block of the sparse map; the archive ends instead,
    # and tarfile indexes into the empty block it read (IndexError).
    info = tarfile.TarInfo("A/x.png")
    info.type = tarfile.GNUTYPE_SPARSE
    path = tmp_path / "cut.tar"
    path.write_bytes(tar_header(info, {386: octal(100) + octal(0), 482: b"\x01"}))
    with pytest.raises(TfdojoError) as err:
        list(archive.iter_files(path))
    assert str(err.value) == (
        f"{path}: corrupt or not a tar archive (malformed header: index out of range)"
    )


def test_pax_sparse_member_is_refused(tmp_path):
    info = tarfile.TarInfo("A/x.png")
    info.size = 512
    info.pax_headers = {
        "GNU.sparse.major": "1",
        "GNU.sparse.minor": "0",
        "GNU.sparse.name": "A/x.png",
        "GNU.sparse.realsize": str(60 << 30),
    }
    path = tmp_path / "pax.tar"
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(b"1\n0\n" + b"%d\n" % (60 << 30) + bytes(508)))
    with pytest.raises(TfdojoError, match="entry 'A/x.png' is a GNU sparse file"):
        list(archive.iter_files(path))


def test_three_gib_member_is_refused_before_reading(tmp_path):
    big = tarfile.TarInfo("notMNIST_small/A/big.png")
    big.size = 3 << 30
    path = tmp_path / "bomb.tar.gz"
    path.write_bytes(
        gzip.compress(tar_header(big)) + zeros_gzip(3 << 10) + gzip.compress(bytes(1024))
    )
    assert path.stat().st_size < 5 * MiB
    result, growth = peak_rss_growth(lambda: list(archive.iter_files(path)))
    assert str(result) == (
        f"{path}: entry 'notMNIST_small/A/big.png' claims 3,221,225,472 bytes; expected at most "
        "1,048,576 (a notMNIST image is a few hundred bytes), refused before reading it"
    )
    assert growth < 20 * MiB


def test_member_at_the_cap_is_read(tmp_path):
    data = bytes(range(256)) * (archive.MAX_MEMBER_BYTES // 256)
    path = make_tar(tmp_path / "cap.tar.gz", [("A/x.png", data)])
    assert list(archive.iter_files(path)) == [("A/x.png", data)]
    path = make_tar(tmp_path / "over.tar.gz", [("A/x.png", data + b"!")])
    with pytest.raises(TfdojoError, match="claims 1,048,577 bytes; expected at most 1,048,576"):
        list(archive.iter_files(path))


@pytest.mark.parametrize("kind", [tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE])
def test_huge_long_name_or_pax_header_is_refused(tmp_path, kind):
    # tarfile reads a long name or pax header whole, whatever size it claims.
    info = tarfile.TarInfo("././@LongLink")
    info.type = kind
    info.size = 3 << 30
    path = tmp_path / "longname.tar.gz"
    path.write_bytes(gzip.compress(tar_header(info)) + zeros_gzip(3 << 10))
    result, growth = peak_rss_growth(lambda: list(archive.iter_files(path)))
    assert str(result) == (
        f"{path}: the headers of the entry at byte 512 take more than 65,536 bytes; "
        "refused (not a notMNIST archive)"
    )
    assert growth < 20 * MiB


def test_negative_size_is_refused(tmp_path):
    info = tarfile.TarInfo("A/x.png")
    # base-256 size field: 0xff then two's complement: -512
    path = tmp_path / "neg.tar"
    path.write_bytes(tar_header(info, {124: b"\xff" * 10 + b"\xfe\x00"}) + bytes(1024))
    with pytest.raises(TfdojoError, match="entry 'A/x.png' claims -512 bytes"):
        list(archive.iter_files(path))


# -- damaged archives: read to the true end, never a silent partial import ----------------------


def images(n: int) -> list[tuple[str, bytes]]:
    return [
        (f"notMNIST_small/{'ABCDEFGHIJ'[i % 10]}/{i:03d}.png", bytes([i % 256]) * 300)
        for i in range(n)
    ]


def plain_tar(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def read_all(path: Path) -> tuple[int, TfdojoError | None]:
    n = 0
    try:
        for _ in archive.iter_files(path):
            n += 1
    except TfdojoError as exc:
        return n, exc
    return n, None


def test_garbage_header_after_entry_40_is_refused(tmp_path):
    raw = plain_tar(images(117))
    at = 40 * 1024  # each entry: a header block and one data block
    raw = raw[:at] + bytes(range(256)) * 2 + raw[at:]
    path = tmp_path / "garbage.tar.gz"
    path.write_bytes(gzip.compress(raw))
    n, err = read_all(path)
    assert n == 40
    assert str(err) == (
        f"{path}: corrupt archive: entry 41 has a bad tar header (at byte 40,960 of the "
        "uncompressed data); download it again"
    )


def test_zero_block_in_the_middle_is_refused(tmp_path):
    raw = plain_tar(images(10))
    raw = raw[:5120] + bytes(512) + raw[5120:]
    path = tmp_path / "hole.tar"
    path.write_bytes(raw)
    n, err = read_all(path)
    assert n == 5
    assert str(err) == (
        f"{path}: corrupt archive: data after the end-of-archive marker at byte 5,120 "
        "(after entry 5); download it again"
    )


def test_flipped_bytes_mid_stream_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    files = [(f"A/{i}.png", rng.integers(0, 8, 300, dtype=np.uint8).tobytes()) for i in range(117)]
    good = gzip.compress(plain_tar(files), mtime=0)
    assert len(list(archive.iter_files(_write(tmp_path / "good.tar.gz", good)))) == 117
    for start in range(len(good) // 4, len(good) * 3 // 4, len(good) // 8):
        bad = bytearray(good)
        bad[start : start + 64] = bytes(b ^ 0xFF for b in bad[start : start + 64])
        path = _write(tmp_path / f"flipped{start}.tar.gz", bytes(bad))
        n, err = read_all(path)
        assert err is not None, f"flipped at {start}: {n} entries read, no error"
        assert str(err).startswith(f"{path}: corrupt")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_wrong_gzip_crc_is_refused(tmp_path):
    good = bytearray(gzip.compress(plain_tar(images(20)), mtime=0))
    good[-8:-4] = bytes(b ^ 0xFF for b in good[-8:-4])  # the trailer: CRC32, then length
    path = _write(tmp_path / "crc.tar.gz", bytes(good))
    n, err = read_all(path)
    assert n == 20  # every file was read; the trailer comes last
    assert str(err).startswith(f"{path}: corrupt or not a tar archive (CRC check failed")


def test_trailing_garbage_and_too_much_padding_are_refused(tmp_path):
    raw = plain_tar(images(3))
    path = _write(tmp_path / "junk.tar.gz", gzip.compress(raw) + b"garbage!")
    assert "corrupt or not a tar archive (Not a gzipped file" in str(read_all(path)[1])
    path = _write(tmp_path / "junk.tar", raw + b"trailing words")
    assert "data after the end-of-archive marker" in str(read_all(path)[1])
    path = _write(tmp_path / "padded.tar.gz", gzip.compress(raw) + zeros_gzip(2))
    assert "more than 1,048,576 zero bytes after the end-of-archive marker" in str(
        read_all(path)[1]
    )
    # Ordinary padding (tar's 10 KiB records; zeros after the gzip stream) is fine.
    path = _write(tmp_path / "ok.tar.gz", gzip.compress(raw + bytes(20480)) + bytes(100))
    assert read_all(path) == (3, None)


def test_end_marker_alone_is_enough(tmp_path):
    one_block = plain_tar(images(2))[: 4 * 512 + 512]  # two entries, one zero block
    assert read_all(_write(tmp_path / "one.tar", one_block)) == (2, None)
    cut = plain_tar(images(2))[: 4 * 512 + 100]  # the marker itself cut short
    n, err = read_all(_write(tmp_path / "cut.tar", cut))
    assert n == 2 and "truncated archive" in str(err)


def test_memory_stays_flat_over_many_entries(tmp_path):
    path = _write(tmp_path / "many.tar.gz", gzip.compress(plain_tar(images(20_000)), 1))
    count, growth = peak_rss_growth(lambda: sum(1 for _ in archive.iter_files(path)))
    assert count == 20_000
    assert growth < 4 * MiB  # keeping every TarInfo, as tarfile does, costs 8 MiB here
