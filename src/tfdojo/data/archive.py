"""Read the files of a tar archive straight into memory, refusing anything unsafe.

Nothing is extracted to disk, so a hostile archive cannot write outside a folder;
still, an archive that *would* be unsafe to extract is refused as a whole, with
the offending entry named: absolute paths, ``..`` components, symbolic and hard
links, device and fifo entries. Each entry also goes through :func:`tarfile.data_filter`,
Python's own "safe for data" check. The archive is read in one sequential pass,
one file at a time, so the 250 MB notMNIST_large archive never has to fit in memory.
"""

from __future__ import annotations

import os
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath

from tfdojo.errors import TfdojoError

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")

# tarfile.data_filter checks a member against a destination folder; we extract
# nothing, so any absolute, never-created folder will do.
_NOWHERE = os.path.join(os.path.abspath(os.sep), "tfdojo-never-extracted")


def is_tar_name(path: str | os.PathLike) -> bool:
    """True if the file name looks like a tar archive (``.tar``, ``.tar.gz``, ``.tgz``, ...)."""
    return str(path).lower().endswith(TAR_SUFFIXES)


def check_member(member: tarfile.TarInfo, archive: str = "archive") -> None:
    """Raise :class:`TfdojoError` naming ``member`` if extracting it would be unsafe."""
    name = member.name
    where = f"{archive}: entry {name!r}"
    if member.issym() or member.islnk():
        kind = "symbolic link" if member.issym() else "hard link"
        raise TfdojoError(f"{where} is a {kind} (to {member.linkname!r}); links are refused")
    if member.ischr() or member.isblk() or member.isfifo():
        raise TfdojoError(f"{where} is a device or fifo; expected only files and folders")
    if not (member.isfile() or member.isdir()):
        raise TfdojoError(f"{where} has an unsupported type; expected only files and folders")
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise TfdojoError(f"{where} has an absolute path; expected paths inside the archive")
    if ".." in p.parts:
        raise TfdojoError(f"{where} contains '..'; expected paths inside the archive")
    try:
        tarfile.data_filter(member, _NOWHERE)
    except tarfile.FilterError as exc:
        raise TfdojoError(f"{where} is unsafe to extract ({exc}); refused") from None


def iter_files(path: str | os.PathLike) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, data)`` for each regular file of a tar archive, in archive order.

    Every entry is checked with :func:`check_member` before anything after it is read.

    Args:
        path: a ``.tar``, ``.tar.gz``, ``.tgz``, ``.tar.bz2`` or ``.tar.xz`` file.

    Raises:
        TfdojoError: missing file, not a tar archive (e.g. an HTML error page saved
            under the archive's name), truncated or corrupt archive, unsafe entry.
    """
    archive = os.fspath(path)
    _check_readable(archive)
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                check_member(member, archive)
                if not member.isfile():
                    continue
                f = tar.extractfile(member)
                data = f.read() if f is not None else b""
                if len(data) != member.size:
                    raise EOFError(f"entry {member.name!r} is cut short")
                yield member.name, data
            # tarfile takes a plain tar cut between two entries for its end; a real end
            # has at least one zero block. (Compressed streams raise EOFError instead.)
            if _compression(archive) is None and os.path.getsize(archive) < tar.offset + 512:
                raise EOFError("no end-of-archive marker")
    except TfdojoError:
        raise
    except (tarfile.ReadError, tarfile.CompressionError, EOFError, zlib.error, OSError) as exc:
        raise TfdojoError(f"{archive}: {_describe(archive, exc)}") from None


def _compression(archive: str) -> str | None:
    with open(archive, "rb") as f:
        head = f.read(6)
    for name, magic in (("gz", b"\x1f\x8b"), ("bz2", b"BZh"), ("xz", b"\xfd7zXZ\x00")):
        if head.startswith(magic):
            return name
    return None


def _check_readable(archive: str) -> None:
    if not os.path.exists(archive):
        raise TfdojoError(f"{archive}: no such file; expected a notMNIST .tar.gz archive")
    if os.path.isdir(archive):
        raise TfdojoError(f"{archive}: is a folder; expected a .tar.gz archive")


def _describe(archive: str, exc: BaseException) -> str:
    try:
        with open(archive, "rb") as f:
            head = f.read(512)
    except OSError:
        head = b""
    if looks_like_html(head):
        return (
            "is an HTML page, not a tar archive (a failed download? delete it and download again)"
        )
    if not head:
        return "is empty; expected a tar archive"
    text = str(exc) or type(exc).__name__
    if "unexpected end" in text or isinstance(exc, EOFError) or "cut short" in text:
        return f"truncated archive ({text}); download it again"
    return f"corrupt or not a tar archive ({text})"


def looks_like_html(head: bytes) -> bool:
    """True if the first bytes of a file look like an HTML or XML page."""
    h = head.lstrip()[:256].lower()
    return h.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in h
