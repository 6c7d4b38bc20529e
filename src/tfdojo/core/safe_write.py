"""One way to make an output path: names checked, nothing of the user's replaced, no link
followed.

Everything tfdojo writes goes through this module and :mod:`tfdojo.core.atomic` (which
writes one file at a time, under a temporary name then renamed):

- :func:`check_name`: a name that becomes a path component (a model's name in
  ``runs/<model>-<date>-<time>``) has no separator, is not ``.`` or ``..``, has no control
  character and at most :data:`MAX_NAME_CHARS` characters;
- :func:`prepare`: a path the user named (``--out``) is new, or an empty folder; one that
  exists is replaced only with ``--overwrite``, and only if tfdojo wrote it, as the same
  kind of output (:class:`Output`): a folder's ``.tfdojo`` marker, a run's ``config.json``,
  a TF Lite file's magic bytes, a ``.keras`` zip's members, a page's or a figure's stamp;
- :func:`new_folder`: a folder filled under a temporary name beside its destination, marked,
  then swapped into place; a failure (a full disk) leaves the old folder as it was;
- :func:`inside`: a path inside a folder tfdojo writes (``RUN/report/report.html``); a link
  in the way is refused, never followed, so nothing lands outside that folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PureWindowsPath

from tfdojo import __version__
from tfdojo.core import atomic
from tfdojo.core.atomic import ensure_dir, explain_os_error, umask, write_json
from tfdojo.core.errors import TfdojoError

MARKER = ".tfdojo"
"""The file in every folder tfdojo writes whole: ``{"created_by": "tfdojo", "kind": ...}``."""
MAX_NAME_CHARS = 100
STAMP = f"tfdojo {__version__}"
"""What tfdojo's pages (``<meta name="generator">``) and figures (their metadata) carry."""
_PEEK = 4096  # bytes read from each end of a file to recognise it
_FORBIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # control, format (bidi), surrogate, line breaks


def check_name(name: object, what: str = "name") -> str:
    """``name``, if it may become one path component; a one-line error naming ``what`` if not.

    Raises:
        TfdojoError: not text, empty, ``.`` or ``..``, a ``/`` or ``\\`` or a drive in it,
            a control character, or longer than :data:`MAX_NAME_CHARS`.
    """
    if not isinstance(name, str):
        raise TfdojoError(f"{what}: expected a name (text), received {name!r}")
    if not name.strip() or name in (".", ".."):
        problem = "expected a name (it names a folder), not empty, '.' or '..'"
    elif "/" in name or "\\" in name or PureWindowsPath(name).drive:
        problem = "expected a name without '/', '\\' or a drive (it names a folder)"
    elif any(unicodedata.category(c) in _FORBIDDEN for c in name):
        problem = "expected a name without control characters (it names a folder)"
    elif len(name) > MAX_NAME_CHARS:
        problem = f"expected a name of at most {MAX_NAME_CHARS} characters (it names a folder)"
    else:
        return name
    shown = repr(name) if len(name) <= 2 * MAX_NAME_CHARS else repr(name[: 2 * MAX_NAME_CHARS])
    raise TfdojoError(f"{what}: {problem}, received {shown}")


def inside(folder: str | os.PathLike, *names: str) -> Path:
    """``folder/names...``, checked to stay inside ``folder``.

    Every part of the path after ``folder`` that exists must be a real folder or file:
    a link is refused, not followed, so a write never lands outside ``folder``.

    Raises:
        TfdojoError: a link in the way, or a name that leads out (``..``, absolute).
    """
    folder = Path(folder)
    path = folder
    for name in names:
        for part in Path(name).parts:
            if part in (".", "..") or Path(part).is_absolute() or PureWindowsPath(part).drive:
                raise TfdojoError(f"{folder / name}: expected a path inside {folder}")
            path = path / part
            if path.is_symlink():
                raise TfdojoError(
                    f"{path} is a link (to {_target(path)}); tfdojo writes only inside "
                    f"{folder}, never through a link"
                )
    return path


# -- what tfdojo wrote ------------------------------------------------------------------------


def mark(folder: str | os.PathLike, kind: str) -> Path:
    """Write ``folder/.tfdojo``: this folder is tfdojo's, holding a ``kind``."""
    return write_json(Path(folder) / MARKER, _marker(kind))


def _marker(kind: str) -> dict[str, str]:
    return {"created_by": "tfdojo", "kind": kind, "tfdojo_version": __version__}


def is_marked(folder: str | os.PathLike, kind: str) -> bool:
    """Whether ``folder`` carries tfdojo's marker for a ``kind``."""
    record = read_json_object(Path(folder) / MARKER, _PEEK)
    return record.get("created_by") == "tfdojo" and record.get("kind") == kind


def read_json_object(path: str | os.PathLike, limit: int) -> dict:
    """The JSON object in the regular file ``path`` (never through a link) of at most
    ``limit`` bytes; ``{}`` for anything else: how tfdojo recognises its own records."""
    try:
        head, _ = _peek(Path(path), limit + 1)
        record = json.loads(head) if len(head) <= limit else None
    except (OSError, ValueError, RecursionError):
        return {}
    return record if isinstance(record, dict) else {}


def is_tflite(path: str | os.PathLike) -> bool:
    """A TF Lite flat buffer: ``TFL3`` at offset 4."""
    return _try_peek(path, 8)[0][4:8] == b"TFL3"


def is_keras_file(path: str | os.PathLike) -> bool:
    """A Keras 3 ``.keras`` file: a zip holding ``config.json`` and ``model.weights.h5``."""
    if not _regular(Path(path)):
        return False
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return {"config.json", "model.weights.h5"} <= names


def is_tfdojo_page(path: str | os.PathLike) -> bool:
    """An HTML page tfdojo wrote: ``<meta name="generator" content="tfdojo ...">`` in its head
    (or, written before it had one, ``Written by tfdojo`` in its footer)."""
    head, tail = _try_peek(path, _PEEK)
    return b'<meta name="generator" content="tfdojo' in head or b">Written by tfdojo " in tail


def figure_metadata(fmt: str) -> dict[str, str]:
    """The metadata that stamps a figure as tfdojo's (``savefig(..., metadata=...)``)."""
    return {"png": {"Software": STAMP}, "pdf": {"Creator": STAMP}, "svg": {"Creator": STAMP}}.get(
        fmt, {}
    )


def check_figure(path: str | os.PathLike, overwrite: bool = False, option: str = "--out") -> str:
    """The format of a figure to write at ``path`` (``png``, ``pdf``, ``svg``), checked
    by :func:`prepare` (a figure tfdojo wrote is replaced only with ``overwrite``)."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf", "svg"):
        raise TfdojoError(f"{option}: expected a .png, .pdf or .svg file, received {str(path)!r}")
    prepare(path, FIGURE, overwrite, option)
    return fmt


def save_figure(fig, path: str | os.PathLike, overwrite: bool = False, **kwargs) -> Path:
    """Save a matplotlib figure, stamped as tfdojo's, atomically (:func:`check_figure`)."""
    fmt = check_figure(path, overwrite)
    return atomic.save_figure(fig, path, format=fmt, metadata=figure_metadata(fmt), **kwargs)


def is_tfdojo_figure(path: str | os.PathLike) -> bool:
    """A PNG, PDF or SVG figure stamped by :func:`figure_metadata`."""
    head, tail = _try_peek(path, _PEEK)
    return (
        b"tEXtSoftware\x00tfdojo " in head
        or b"<dc:title>tfdojo " in head
        or b"/Creator (tfdojo " in tail
    )


@dataclasses.dataclass(frozen=True)
class Output:
    """A kind of output tfdojo writes at a path, and how it knows one it wrote before.

    Attributes:
        kind: the word its marker holds (``"savedmodel"``, ``"idx"``, ...).
        what: how messages name it (``"a SavedModel folder"``).
        folder: a folder (else a file).
        recognise: tells one tfdojo wrote by its content: a file's magic bytes, a run's
            ``config.json`` (a folder with tfdojo's marker of this kind is always one).
        names: a folder whose every entry has one of these names is one tfdojo wrote
            (before folders carried a marker, or one that carries none).
        marked: :func:`new_folder` leaves the marker in it (the IDX files of ``data export``
            stay alone in theirs: ``names`` recognise them).
    """

    kind: str
    what: str
    folder: bool = True
    recognise: Callable[[Path], bool] | None = None
    names: frozenset[str] = frozenset()
    marked: bool = True

    def written_by_tfdojo(self, path: Path) -> bool:
        if path.is_symlink():
            return False
        if self.folder:
            if not path.is_dir():
                return False
            if is_marked(path, self.kind):
                return True
            if self.names and all(p.name in self.names for p in path.iterdir()):
                return True
        return self.recognise is not None and self.recognise(path)


TFLITE = Output("tflite", "a TF Lite file", folder=False, recognise=is_tflite)
KERAS = Output("keras", "a Keras file", folder=False, recognise=is_keras_file)
PAGE = Output("page", "an HTML page", folder=False, recognise=is_tfdojo_page)
FIGURE = Output("figure", "a figure", folder=False, recognise=is_tfdojo_figure)


# -- preparing a path -------------------------------------------------------------------------


def prepare(
    path: str | os.PathLike,
    output: Output,
    overwrite: bool = False,
    option: str = "--out",
    hint: str = "",
) -> Path:
    """Check that ``output`` may be written at ``path``; nothing is changed here.

    Args:
        path: where the user asked for it.
        output: what will be written there (:class:`Output`).
        overwrite: the user asked to replace an earlier one (``--overwrite``).
        option: the option that named ``path``, for messages.
        hint: appended to "add --overwrite to replace it" (``" or --resume to continue it"``).

    Returns:
        ``path``: new, an empty folder (for a folder), or, with ``overwrite``, an earlier
        output of the same kind written by tfdojo.

    Raises:
        TfdojoError: a link; the current folder or one holding it; anything else that
            exists, without ``overwrite`` or not written by tfdojo.
    """
    path = Path(path)
    if path.is_symlink():
        raise TfdojoError(
            f"{option}: {path} is a link (to {_target(path)}); name a path that is not a "
            "link: tfdojo never writes through one"
        )
    if not path.exists():
        return path
    if _holds_cwd(path):
        raise TfdojoError(
            f"{option}: {path} is the current folder or holds it; name a new folder instead"
        )
    if output.folder and path.is_dir() and not any(path.iterdir()):
        return path
    if not output.written_by_tfdojo(path):
        raise TfdojoError(
            f"{option}: {path} already exists and is not {output.what} written by tfdojo; "
            "refusing to replace it (name a new path)"
        )
    if not overwrite:
        raise TfdojoError(f"{option}: {path} already exists; add --overwrite to replace it{hint}")
    return path


def remove(path: str | os.PathLike, output: Output) -> None:
    """Delete a folder :func:`prepare` let ``--overwrite`` replace (checked again here)."""
    path = Path(path)
    if path.is_symlink() or _holds_cwd(path) or not output.written_by_tfdojo(path):
        raise TfdojoError(f"{path}: not {output.what} written by tfdojo; refusing to delete it")
    try:
        shutil.rmtree(path)
    except OSError as exc:
        raise explain_os_error(exc, path) from None


@contextlib.contextmanager
def new_folder(
    path: str | os.PathLike, output: Output, overwrite: bool = False, option: str = "--out"
) -> Iterator[Path]:
    """A temporary folder beside ``path`` to fill; on success it is marked (``.tfdojo``, if
    ``output.marked``) and takes ``path``'s place, and the earlier folder (checked by
    :func:`prepare`) is deleted.

    On any failure the temporary folder is deleted and ``path`` is as it was.
    """
    dest = Path(os.path.abspath(prepare(path, output, overwrite, option)))
    parent = ensure_dir(dest.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=parent))
    except OSError as exc:
        raise explain_os_error(exc, dest) from None
    try:
        yield tmp
        try:
            if output.marked:  # in the temporary folder: it appears with the folder, or not
                with open(tmp / MARKER, "w", encoding="utf-8") as f:
                    f.write(json.dumps(_marker(output.kind), indent=2, sort_keys=True) + "\n")
                    f.flush()
                    os.fsync(f.fileno())
            os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it 0700
            _swap_in(tmp, dest, output, overwrite)
        except OSError as exc:
            raise explain_os_error(exc, dest) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap_in(tmp: Path, dest: Path, output: Output, overwrite: bool) -> None:
    if dest.is_dir() and not dest.is_symlink() and not any(dest.iterdir()):
        dest.rmdir()  # an empty folder: nothing of anyone's in it
    if not dest.exists() and not dest.is_symlink():
        os.replace(tmp, dest)
        return
    prepare(dest, output, overwrite)  # again: it may have changed since
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}-old.", dir=dest.parent))
    os.replace(dest, old / dest.name)
    try:
        os.replace(tmp, dest)
    except OSError:
        os.replace(old / dest.name, dest)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


# -- small helpers ----------------------------------------------------------------------------


def _holds_cwd(path: Path) -> bool:
    try:
        here, there = Path.cwd().resolve(), path.resolve()
    except OSError:
        return False
    return here == there or there in here.parents


def _target(link: Path) -> str:
    try:
        return os.readlink(link)
    except OSError:
        return "?"


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _peek(path: Path, n: int) -> tuple[bytes, bytes]:
    """The first and the last ``n`` bytes of the regular file ``path`` (never a link)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        head = f.read(n)
        if size <= n:
            return head, head
        f.seek(size - n)
        return head, f.read(n)


def _try_peek(path: str | os.PathLike, n: int) -> tuple[bytes, bytes]:
    try:
        return _peek(Path(path), n)
    except OSError:
        return b"", b""
