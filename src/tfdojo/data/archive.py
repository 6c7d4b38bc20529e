"""Read the files of a tar archive straight into memory, refusing anything unsafe.

Nothing is extracted to disk, so a hostile archive cannot write outside a folder;
still, an archive that *would* be unsafe to extract is refused as a whole, with
the offending entry named: absolute paths, ``..`` components, symbolic and hard
links, device and fifo entries, sparse files. Each entry also goes through
:func:`tarfile.data_filter`, Python's own "safe for data" check.

Memory stays bounded whatever the archive claims: an entry larger than
:data:`MAX_MEMBER_BYTES` is refused from its header, before any of it is read, and
the headers of one entry (GNU long names, pax records, sparse maps) may take at most
:data:`MAX_HEADER_BYTES`. The archive is read in one sequential pass, one file at a
time, so the 250 MB notMNIST_large archive never has to fit in memory.

A damaged archive is refused, not half-read: Python's ``tarfile`` takes a bad header
for the end of the archive, so after the last entry the rest of the stream is read
to its true end. It must be the end-of-archive marker (zero blocks, at most
:data:`MAX_END_PADDING` of them), and reading to the end makes the decompressor
check the gzip CRC (or the bzip2/xz check) of everything before.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import BinaryIO

from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import MissingFile, open_regular

MAX_MEMBER_BYTES = 1 << 20
"""Largest archive entry tfdojo reads: 1 MiB; a larger one is refused from its header.

notMNIST's images are 28x28 PNGs of a few hundred bytes. Even stored uncompressed as
16-bit RGBA (28 * (28 * 8 + 1) = 6,300 bytes of pixels) a 28x28 PNG stays under 10 KB,
so 1 MiB is a hundred times what a real image could need, while a hostile entry (3 GiB
of zeros is 3 MB gzipped) can cost at most 1 MiB of memory.
"""

MAX_ARCHIVE_BYTES = 8 << 30
"""Largest archive opened: 8 GiB. notMNIST_large.tar.gz is 250 MB (about 1 GB as a plain
tar); the archive is read as a stream, so this bounds time, not memory."""

MAX_HEADER_BYTES = 64 << 10
"""Most bytes the headers of one entry may take: 64 KiB.

A plain entry has one 512-byte header; a GNU long name or a pax record adds the name
(at most 4,096 bytes on Linux) plus a block or two. tarfile reads these headers whole,
whatever size they claim, so they are capped here before tarfile reads them.
"""

MAX_END_PADDING = 1 << 20
"""Most zero bytes accepted after the end-of-archive marker: 1 MiB.

tar pads an archive to a whole record, 10 KiB by default and 1 MiB for the largest
blocking factor (``tar -b 2048``); more zeros than that are not padding.
"""

MAX_GLOBAL_PAX_KEYS = 100
"""Most keys pax global headers may set for the whole archive (real archives: 0 to 2)."""

BLOCK = tarfile.BLOCKSIZE
_CHUNK = 64 << 10

# tarfile.data_filter checks a member against a destination folder; we extract
# nothing, so any absolute, never-created folder will do.
_NOWHERE = os.path.join(os.path.abspath(os.sep), "tfdojo-never-extracted")


def check_member(member: tarfile.TarInfo, archive: str = "archive") -> None:
    """Raise :class:`TfdojoError` naming ``member`` if reading or extracting it would be unsafe.

    Refused: links, devices and fifos, sparse files, entries of other types, absolute
    paths, ``..`` components, and entries claiming more than :data:`MAX_MEMBER_BYTES`.
    """
    name = member.name
    where = f"{archive}: entry {name!r}"
    if member.issym() or member.islnk():
        kind = "symbolic link" if member.issym() else "hard link"
        raise TfdojoError(f"{where} is a {kind} (to {member.linkname!r}); links are refused")
    if member.ischr() or member.isblk() or member.isfifo():
        raise TfdojoError(f"{where} is a device or fifo; expected only files and folders")
    if member.issparse():
        raise TfdojoError(f"{where} is a GNU sparse file; expected only plain files and folders")
    if not (member.isfile() or member.isdir()):
        raise TfdojoError(f"{where} has an unsupported type; expected only files and folders")
    if not 0 <= member.size <= MAX_MEMBER_BYTES:
        raise TfdojoError(
            f"{where} claims {member.size:,} bytes; expected at most {MAX_MEMBER_BYTES:,} "
            "(a notMNIST image is a few hundred bytes), refused before reading it"
        )
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

    Every entry is checked with :func:`check_member` before anything after it is read;
    after the last one the archive is read to its end (see the module's docstring), so
    a damaged archive raises, at the latest, once every file has been yielded.

    Args:
        path: a ``.tar``, ``.tar.gz``, ``.tgz``, ``.tar.bz2`` or ``.tar.xz`` file: a
            regular file (a FIFO or a device is refused) of at most
            :data:`MAX_ARCHIVE_BYTES`.

    Raises:
        TfdojoError: missing file, not a regular file, not a tar archive (e.g. an HTML
            error page saved under the archive's name), truncated or corrupt archive,
            unsafe entry.
    """
    archive = os.fspath(path)
    try:
        f = open_regular(archive, MAX_ARCHIVE_BYTES, "a notMNIST .tar.gz archive")
    except MissingFile:
        raise TfdojoError(f"{archive}: no such file; expected a notMNIST .tar.gz archive") from None
    with f:
        head = f.read(512)
        f.seek(0)
        try:
            with _decompressed(f, head) as raw:
                yield from _read_entries(_MeteredStream(raw, archive), archive)
        except TfdojoError:
            raise
        except (EOFError, OSError, zlib.error, lzma.LZMAError, tarfile.TarError) as exc:
            raise TfdojoError(f"{archive}: {_describe(head, exc)}") from None


class _MeteredStream:
    """The archive's uncompressed bytes as tarfile sees them, with header reads capped.

    While ``budget`` is set (tarfile is parsing headers), reads count against it. The
    last read is kept: when tarfile stops, it holds the block tarfile took for the end.
    """

    def __init__(self, f: BinaryIO, archive: str) -> None:
        self._f = f
        self._archive = archive
        self.budget: int | None = None
        self.last_read: tuple[int, bytes] = (0, b"")

    def read(self, size: int = -1) -> bytes:
        if self.budget is not None:
            if size < 0 or size > self.budget:
                raise TfdojoError(
                    f"{self._archive}: the headers of the entry at byte {self._f.tell():,} "
                    f"take more than {MAX_HEADER_BYTES:,} bytes; refused (not a notMNIST archive)"
                )
            self.budget -= size
        position = self._f.tell()
        data = self._f.read(size)
        self.last_read = (position, data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()


def _read_entries(stream: _MeteredStream, archive: str) -> Iterator[tuple[str, bytes]]:
    tar = _parse_headers(stream, lambda: tarfile.TarFile(fileobj=stream, mode="r"))
    entries = 0
    while (member := _parse_headers(stream, tar.next)) is not None:
        tar.members.clear()  # nothing looks back: memory stays flat over 500,000 entries
        if len(tar.pax_headers) > MAX_GLOBAL_PAX_KEYS:
            raise TfdojoError(
                f"{archive}: pax global headers set more than {MAX_GLOBAL_PAX_KEYS} keys; refused"
            )
        check_member(member, archive)
        entries += 1
        if member.isfile():
            stream.seek(member.offset_data)
            data = stream.read(member.size)
            if len(data) != member.size:
                raise EOFError(f"entry {member.name!r} is cut short")
            yield member.name, data
    _check_end(stream, tar.offset, entries, archive)


def _parse_headers(stream: _MeteredStream, parse):
    """Run a tarfile call that reads headers, within :data:`MAX_HEADER_BYTES`."""
    stream.budget = MAX_HEADER_BYTES
    try:
        return parse()
    except TfdojoError:
        raise
    except RecursionError:  # a long chain of long-name or pax headers
        raise tarfile.ReadError("too many chained headers") from None
    except (IndexError, ValueError, UnicodeError) as exc:  # tarfile on hostile header fields
        raise tarfile.ReadError(f"malformed header: {exc}") from None
    finally:
        stream.budget = None


def _check_end(stream: _MeteredStream, offset: int, entries: int, archive: str) -> None:
    """The block where tarfile stopped must be the end-of-archive marker, and all after it zeros."""
    position, block = stream.last_read
    if position != offset or len(block) < BLOCK:
        raise EOFError(f"no end-of-archive marker after entry {entries}")
    if block.count(0) != BLOCK:
        raise TfdojoError(
            f"{archive}: corrupt archive: entry {entries + 1} has a bad tar header "
            f"(at byte {offset:,} of the uncompressed data); download it again"
        )
    padding = BLOCK
    while chunk := stream.read(_CHUNK):  # to the true end: the decompressor checks its CRC there
        if chunk.count(0) != len(chunk):
            raise TfdojoError(
                f"{archive}: corrupt archive: data after the end-of-archive marker at byte "
                f"{offset:,} (after entry {entries}); download it again"
            )
        padding += len(chunk)
        if padding > MAX_END_PADDING:
            raise TfdojoError(
                f"{archive}: more than {MAX_END_PADDING:,} zero bytes after the end-of-archive "
                f"marker (after entry {entries}); not a tar archive tfdojo reads"
            )


def _decompressed(f: BinaryIO, head: bytes) -> BinaryIO:
    """The archive's uncompressed byte stream, by its first bytes (gzip, bzip2, xz or none)."""
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=f, mode="rb")
    if head.startswith(b"BZh"):
        return bz2.BZ2File(f, "rb")
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(f, "rb")
    return contextlib.nullcontext(f)


def _describe(head: bytes, exc: BaseException) -> str:
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
