"""Hostile inputs, made in milliseconds: raw tar headers, gzip bombs, PNGs claiming any size."""

from __future__ import annotations

import gzip
import struct
import tarfile
import zlib

MiB = 1 << 20


def tar_header(info: tarfile.TarInfo, patch: dict[int, bytes] | None = None) -> bytes:
    """The 512-byte GNU header of ``info``, with bytes patched in and the checksum redone."""
    block = bytearray(info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")[-512:])
    for offset, value in (patch or {}).items():
        block[offset : offset + len(value)] = value
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def octal(n: int, width: int = 12) -> bytes:
    """A tar number field: ``width - 1`` octal digits and a NUL."""
    return b"%0*o\0" % (width - 1, n)


def gnu_sparse_header(name: str, claimed: int) -> bytes:
    """An old-GNU sparse entry: no data stored, one hole claiming ``claimed`` bytes."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.GNUTYPE_SPARSE
    # sparse map at 386: (offset, numbytes); realsize at 483.
    return tar_header(info, {386: octal(claimed) + octal(0), 483: octal(claimed)})


def zeros_gzip(n_mib: int) -> bytes:
    """``n_mib`` MiB of zeros as a multi-member gzip (about 1 KB per MiB)."""
    return gzip.compress(bytes(MiB), compresslevel=9, mtime=0) * n_mib


def png(width: int, height: int, mode: str = "RGBA", pixels: bool = True) -> bytes:
    """A black ``width`` x ``height`` PNG, written row by row (never whole in memory).

    ``pixels=False`` leaves the image data out: enough for anything that reads only
    the header, and instant whatever the size.
    """
    color_type, channels = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}[mode]

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    idat = b""
    if pixels:
        z = zlib.compressobj(9)
        row = bytes(1 + width * channels)  # filter byte 0, then black pixels
        idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
