"""Safe tar reading: files come out in memory; unsafe entries and broken archives are refused."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from tfdojo.data import archive
from tfdojo.errors import TfdojoError


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


def test_tar_names():
    assert archive.is_tar_name("notMNIST_small.tar.gz")
    assert archive.is_tar_name("x.TGZ")
    assert not archive.is_tar_name("train-images-idx3-ubyte.gz")


def test_plain_tar_cut_between_two_entries(tmp_path):
    # header + one 512-byte block per entry: cutting at 2048 ends cleanly after entry 2,
    # which tarfile alone would take for the end of the archive.
    path = make_tar(tmp_path / "t.tar", [(f"A/{i}.png", b"x" * 512) for i in range(4)], mode="w")
    path.write_bytes(path.read_bytes()[:2048])
    with pytest.raises(TfdojoError, match="truncated archive"):
        list(archive.iter_files(path))
