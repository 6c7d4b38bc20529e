"""The one way tfdojo opens a file a user named or a folder holds: a regular file, within a cap.

Every file that comes from a user (a command's argument, a config) or from a folder someone
may have sent (a run folder, a dataset, a folder of fonts) is read through this module::

    text = read_text(path, 1 << 20, "a TOML config")           # str, or one TfdojoError line
    obj = read_json(path, 1 << 20, "a JSON object")             # a dict, checked
    arrays = load_npz(path, 64 << 20, check=fits_the_model)     # headers checked first

What it guarantees:

- a regular file only, after following links: the file is opened with ``O_NONBLOCK`` (so
  opening a FIFO returns at once instead of waiting for a writer) and checked with
  ``fstat`` on the open descriptor, so nothing can be swapped in between the check and the
  read. A FIFO, a device (``/dev/zero``), a socket or a folder is refused in one line;
- a size cap, checked on the open file before anything is read and enforced while reading:
  a file that grows, or a ``/proc`` file whose size says 0, never yields more than the cap;
- text is UTF-8; JSON is an object, nested at most :data:`MAX_JSON_DEPTH` deep, with no
  ``NaN``/``Infinity`` (which are not JSON) and no number too large for a float;
- an npz is read as data only: every member's ``.npy`` header (dtype and shape) is read
  and checked, and the sizes in the zip's directory summed against the cap, before any
  array is read; Python objects, strings, structured, complex and date-time dtypes are
  refused.

Every refusal is a :class:`TfdojoError` whose message names the file.
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Any, BinaryIO

import numpy as np

from tfdojo.core.errors import TfdojoError, first_line

MiB = 1 << 20

MAX_JSON_DEPTH = 32
"""Deepest nesting of lists and objects read from a JSON file (tfdojo writes 3 levels)."""

MAX_ZIP_DIRECTORY_BYTES = MiB
"""Largest central directory of an npz: 1 MiB, some 20,000 entries (tfdojo writes 9 or 16).
Python's zipfile holds every entry of it in memory before anything can be checked."""

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_FLAGS |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class MissingFile(TfdojoError):
    """The path names nothing (callers may say what that means, e.g. an unfinished run)."""


class TooLarge(TfdojoError):
    """A regular file larger than the cap; nothing of it was read."""


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"))
    kinds += ((stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((kind for test, kind in kinds if test(mode)), "not a regular file")


class _Capped(io.RawIOBase):
    """A regular file read through its descriptor, refusing to yield more than ``limit`` bytes."""

    def __init__(self, fd: int, limit: int, name: str) -> None:
        super().__init__()
        self._f = io.FileIO(fd, "rb", closefd=True)
        self._limit = limit
        self._name = name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        room = self._limit - self._f.tell()
        if room <= 0:
            if self._f.read(1):  # the file holds more than the cap: it grew after the check
                raise TfdojoError(
                    f"{self._name}: more than {self._limit:,} bytes once read (it grew after "
                    "it was checked); refused"
                )
            return 0
        view = memoryview(buffer).cast("B")
        return self._f.readinto(view[:room] if len(view) > room else view)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def fileno(self) -> int:
        return self._f.fileno()

    def close(self) -> None:
        self._f.close()
        super().close()


def open_regular(path: str | os.PathLike, max_bytes: int, what: str = "a file") -> BinaryIO:
    """Open ``path`` for reading if it is a regular file of at most ``max_bytes``.

    Args:
        path: any path; links are followed.
        max_bytes: the most bytes the file may hold, checked now and while reading.
        what: what the caller expected, for messages (``"an IDX file"``).

    Returns:
        A buffered, seekable binary file; use it in a ``with`` block.

    Raises:
        MissingFile: nothing at ``path``.
        TooLarge: a file of more than ``max_bytes``.
        TfdojoError: a folder, FIFO, device or socket, or a file that cannot be opened.
    """
    name = os.fspath(path)
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise MissingFile(f"{name}: no such file; expected {what}") from None
    except IsADirectoryError:
        raise TfdojoError(f"{name}: is a folder; expected {what}") from None
    except PermissionError:
        raise TfdojoError(f"{name}: cannot read it (permission denied)") from None
    except OSError as exc:
        raise TfdojoError(f"{name}: cannot open it ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise TfdojoError(f"{name}: is a folder; expected {what}")
        if not stat.S_ISREG(st.st_mode):
            raise TfdojoError(
                f"{name}: is {_kind(st.st_mode)}, not a regular file; expected {what}"
            )
        if st.st_size > max_bytes:
            raise TooLarge(
                f"{name}: {st.st_size:,} bytes; expected {what} of at most {max_bytes:,} bytes"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return io.BufferedReader(_Capped(fd, max_bytes, name))
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | os.PathLike, max_bytes: int, what: str = "a file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (see :func:`open_regular`)."""
    with open_regular(path, max_bytes, what) as f:
        try:
            return b"".join(iter(lambda: f.read(MiB), b""))
        except OSError as exc:
            raise TfdojoError(
                f"{os.fspath(path)}: cannot read it ({exc.strerror or exc})"
            ) from None


def read_text(path: str | os.PathLike, max_bytes: int, what: str = "a text file") -> str:
    """A UTF-8 text file of at most ``max_bytes`` bytes; a byte that is not UTF-8 is one line."""
    data = read_bytes(path, max_bytes, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TfdojoError(
            f"{os.fspath(path)}: not UTF-8 text ({exc.reason} at byte {exc.start:,}); "
            f"expected {what}"
        ) from None


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type (``object``, ``list``, ``string``, ...)."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:24]} is too large for a float")
    return value


def _depth(obj: Any, limit: int) -> int:
    """How deep ``obj`` nests lists and objects, counted up to ``limit + 1`` (no recursion)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                break
            stack.extend(
                (v, depth + 1) for v in (value.values() if isinstance(value, dict) else value)
            )
    return deepest


def parse_json(text: str, name: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON text -> its value; refused in one line: malformed, ``NaN``/``Infinity``, a number
    beyond a float, nesting deeper than ``max_depth``."""
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise TfdojoError(f"{name}: not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # JSONDecodeError, a refused number, an int of 5,000 digits
        raise TfdojoError(f"{name}: not valid JSON ({first_line(exc, 120)})") from None
    if _depth(value, max_depth) > max_depth:
        raise TfdojoError(f"{name}: not valid JSON (nested more than {max_depth} levels deep)")
    return value


def read_json(
    path: str | os.PathLike,
    max_bytes: int,
    what: str = "a JSON object",
    max_depth: int = MAX_JSON_DEPTH,
) -> dict[str, Any]:
    """A JSON object from a regular UTF-8 file of at most ``max_bytes`` (see :func:`parse_json`).

    Raises:
        MissingFile: nothing at ``path``.
        TfdojoError: anything else that is not such a file holding a JSON object; the
            message names the file and says what it holds instead.
    """
    name = os.fspath(path)
    value = parse_json(read_text(path, max_bytes, what), name, max_depth)
    if not isinstance(value, dict):
        raise TfdojoError(f"{name}: expected {what}, received a {json_type(value)}")
    return value


# -- npz: every header first, then the arrays ---------------------------------------------------

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"


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


def _npy_header(f: IO[bytes], size: int, name: str) -> tuple[tuple[int, ...], np.dtype, bool]:
    """Read and check one ``.npy`` header: ``(shape, dtype, fortran_order)``; ``f`` is left at
    the first byte of data, which must be exactly what the shape and dtype need."""
    try:
        with warnings.catch_warnings():  # NumPy warns about headers written by Python 2
            warnings.simplefilter("ignore")
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version}")
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile):
        raise  # the zip entry itself is damaged: load_npz says so
    except Exception as exc:  # noqa: BLE001 - NumPy's header parser (tokenize, ast) on bad bytes
        raise TfdojoError(f"{name}: not a readable .npy array ({first_line(exc)})") from None
    if dtype.hasobject:
        raise TfdojoError(
            f"{name}: holds pickled Python objects (dtype {dtype}); refused, only numeric "
            "arrays are loaded"
        )
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise TfdojoError(f"{name}: expected a numeric array, received dtype {dtype}")
    nbytes = math.prod(shape) * dtype.itemsize  # exact: no overflow
    if min(shape, default=0) < 0 or nbytes != size - f.tell():
        raise TfdojoError(
            f"{name}: the .npy header's shape {shape} of {dtype} does not match the "
            f"{size - f.tell():,} bytes of data"
        )
    return shape, dtype, fortran_order


def _zip_directory_size(f: BinaryIO) -> int:
    """The central directory's size as the end records give it (zip64's too), or 0."""
    end = f.seek(0, os.SEEK_END)
    tail_at = max(0, end - (22 + 65535 + 20))
    f.seek(tail_at)
    tail = f.read(end - tail_at)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return 0
    (size,) = struct.unpack_from("<L", tail, at + 12)
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        (z64,) = struct.unpack_from("<Q", tail, at - 12)
        if z64 < end:
            f.seek(z64)
            record = f.read(56)
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                size = max(size, struct.unpack_from("<Q", record, 40)[0])
    return size


Headers = dict[str, tuple[tuple[int, ...], np.dtype]]
"""What :func:`load_npz` hands its ``check``: each array's name -> (shape, dtype)."""


def load_npz(
    path: str | os.PathLike,
    max_bytes: int,
    check: Callable[[Headers], None] | None = None,
    damaged_hint: str = "",
) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, read as data only, every header checked first.

    Before any array is read: a regular file of at most ``max_bytes`` + 1 MiB; a zip
    directory of at most :data:`MAX_ZIP_DIRECTORY_BYTES`; ``.npy`` entries only, each once,
    of at most ``max_bytes`` in all; each header a plain numeric dtype (no objects, strings,
    records, complex numbers, dates) and a shape needing exactly the entry's bytes; then the
    caller's ``check(headers)`` (the shapes a model needs, say).

    Args:
        damaged_hint: added to the message about a damaged file (``"; build it again"``).

    Raises:
        TfdojoError: any of the above, or a damaged zip.
    """
    name = os.fspath(path)
    with open_regular(path, max_bytes + MiB, "an npz file (numpy.savez)") as f:
        head = f.read(16)
        if not head.startswith(_ZIP_MAGIC):
            raise TfdojoError(f"{name}: expected an npz (zip) file, received {describe_head(head)}")
        try:
            directory = _zip_directory_size(f)
            if directory > MAX_ZIP_DIRECTORY_BYTES:
                raise TfdojoError(
                    f"{name}: a zip directory of {directory:,} bytes; expected at most "
                    f"{MAX_ZIP_DIRECTORY_BYTES:,} (an npz holds a few arrays)"
                )
            f.seek(0)
            with zipfile.ZipFile(f) as zf:
                return _read_members(zf, name, max_bytes, check)
        except TfdojoError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise TfdojoError(f"{name}: damaged npz file ({exc}){damaged_hint}") from None
        except (RuntimeError, ValueError) as exc:  # zipfile: an encrypted entry, a bad field
            raise TfdojoError(f"{name}: unreadable npz file ({first_line(exc)})") from None


def _read_members(
    zf: zipfile.ZipFile, name: str, max_bytes: int, check: Callable[[Headers], None] | None
) -> dict[str, np.ndarray]:
    infos = zf.infolist()
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise TfdojoError(
            f"{name}: arrays of {total:,} bytes once unzipped; expected at most {max_bytes:,}"
        )
    headers: Headers = {}
    for info in infos:
        key = info.filename.removesuffix(".npy")
        if key == info.filename or key in headers:
            raise TfdojoError(
                f"{name}: holds {info.filename!r}; expected only .npy arrays, each once"
            )
        with zf.open(info) as entry:
            shape, dtype, _ = _npy_header(entry, info.file_size, f"{name}: {key}")
        headers[key] = (shape, dtype)
    if check is not None:
        check(headers)
    arrays = {}
    for info in infos:
        key = info.filename.removesuffix(".npy")
        with zf.open(info) as entry:
            shape, dtype, fortran_order = _npy_header(entry, info.file_size, f"{name}: {key}")
            nbytes = math.prod(shape) * dtype.itemsize
            data = np.empty(nbytes, np.uint8)
            if read_into(entry, data) != nbytes:
                raise EOFError(f"{key} is cut short")
        arrays[key] = data.view(dtype).reshape(shape, order="F" if fortran_order else "C")
    return arrays


def describe_head(head: bytes) -> str:
    """What a file's first bytes say it is, for a message (``a Python pickle``, ...)."""
    if not head:
        return "an empty file"
    if head.startswith(_NPY_MAGIC):
        return "a single .npy array (np.save, not np.savez)"
    if head[:1] == b"\x80":
        return "a Python pickle"
    text = head.decode("utf-8", errors="replace")
    if all(c.isprintable() or c.isspace() for c in text):
        return f"a text file (starting {text[:12]!r})"
    return f"binary data starting {head[:8].hex(' ')}"


def check_folder(folder: str | os.PathLike, max_bytes: int, what: str = "a file") -> None:
    """Refuse a folder holding anything but folders and regular files of at most ``max_bytes``:
    for a library that opens the files by name itself (TensorFlow's checkpoints)."""
    for root, _dirs, files in os.walk(folder):
        for path in (os.path.join(root, name) for name in sorted(files)):
            try:
                st = os.stat(path)
            except OSError as exc:
                raise TfdojoError(f"{path}: cannot read it ({exc.strerror or exc})") from None
            regular = stat.S_ISREG(st.st_mode)
            if not regular or st.st_size > max_bytes:
                got = f"{st.st_size:,} bytes" if regular else f"is {_kind(st.st_mode)}"
                raise TfdojoError(f"{path}: {got}; expected {what} of at most {max_bytes:,} bytes")


def is_regular(path: str | os.PathLike) -> bool:
    """Whether ``path`` is (after links) a regular file: for listing a folder, where a FIFO or
    a device is skipped; reading still goes through :func:`open_regular`."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
