"""Write files so that an interrupted or failed write never leaves a file that loads.

Everything tfdojo writes goes to a temporary file in the destination folder, is
flushed to disk, then renamed over the destination (atomic on POSIX and Windows).
Disk-full and permission errors become one-line :class:`TfdojoError` messages that
name the path. Where a path may be written at all (the user's, a link, an earlier output)
is :mod:`tfdojo.core.safe_write`'s question.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tfdojo.core.errors import TfdojoError


def explain_os_error(exc: OSError, path: Path) -> TfdojoError:
    """The one-line error of a failed write of ``path``: disk full, not writable, other."""
    if exc.errno == errno.ENOSPC:
        return TfdojoError(
            f"{path}: no space left on the device while writing; nothing was written"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return TfdojoError(f"{path.parent}: folder is not writable ({exc.strerror})")
    return TfdojoError(f"{path}: could not write ({exc.strerror or exc})")


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` (and parents) if needed; a clear error if that is impossible."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise TfdojoError(f"{path}: expected a folder, found a file in the way") from exc
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise TfdojoError(f"{path}: cannot create this folder ({exc.strerror})") from exc
        raise explain_os_error(exc, path) from exc
    return path


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success rename it to ``path``.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    ensure_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise explain_os_error(exc, path) from exc
    try:
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; give the file normal permissions
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove_quietly(tmp)
        raise explain_os_error(exc, path) from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def umask() -> int:
    """The process's umask (read without changing it for long)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_quietly(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Atomically write ``data`` to ``path``."""
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    with atomic_open(path, "w") as f:
        f.write(text)
    return Path(path)


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Atomically write ``obj`` as indented, key-sorted JSON."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=json_default) + "\n")


def append_line(path: str | os.PathLike, line: bytes) -> Path:
    """Append ``line`` (one record, ending in a newline; it may start with one, to end a torn
    line) to the log ``path``: one ``write``, then ``fsync``.

    The one way tfdojo appends (a ledger of checks): the file is created if missing, a link
    in its place is refused (``O_NOFOLLOW``), and a crash or a full disk mid-write leaves at
    most a torn last line, which the reader skips; every line before it is intact.
    """
    path = Path(path)
    if not line.endswith(b"\n") or b"\n" in line[1:-1]:
        raise ValueError(f"append_line: expected one line ending in a newline, got {line[:60]!r}")
    ensure_dir(path.parent)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)  # a FIFO in its place: refused, never waited on
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise TfdojoError(
                f"{path}: not a regular file ({exc.strerror}); expected tfdojo's own log"
            ) from exc
        raise explain_os_error(exc, path) from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise TfdojoError(f"{path}: not a regular file; expected tfdojo's own log")
        written = os.write(fd, line)  # O_APPEND: one write lands whole at the end, or torn
        if written != len(line):
            raise OSError(errno.ENOSPC, "short write")
        os.fsync(fd)
    except OSError as exc:
        raise explain_os_error(exc, path) from exc
    finally:
        os.close(fd)
    return path


def json_default(obj: Any) -> Any:
    """JSON form of what manifests and metrics hold besides plain data: NumPy, paths."""
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def save_figure(fig: Any, path: str | os.PathLike, **kwargs: Any) -> Path:
    """Atomically save a matplotlib figure; the format comes from the suffix."""
    path = Path(path)
    kwargs.setdefault("format", path.suffix.lstrip(".") or "png")
    with atomic_open(path, "wb") as f:
        fig.savefig(f, **kwargs)
    return path
