"""Download the real notMNIST archives, resumably, and refuse anything that is not them.

The archive is written to ``<name>.part`` and renamed to its final name only when
its size, its first bytes (gzip) and its sha256 match the known archive's, so the
classic failure (a 403 HTML page saved under ``notMNIST_small.tar.gz``) cannot
happen, nor can a damaged or substituted archive of the right size. An
interrupted download keeps its ``.part`` file; the next run asks the server for
the rest with an HTTP ``Range`` header (and starts over if the server ignores it).
The ``.part`` file is resume state, never a file that loads: it is the one file
tfdojo appends to in place.
"""

from __future__ import annotations

import http.client
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from tfdojo.core.atomic import ensure_dir
from tfdojo.core.errors import TfdojoError
from tfdojo.core.paths import downloads_dir
from tfdojo.core.safe_write import inside
from tfdojo.data.archive import looks_like_html
from tfdojo.data.files import file_sha256

DEFAULT_BASE_URL = "http://yaroslavvb.com/upload/notMNIST/"
"""Where the archives were first published; override with ``--base-url`` or ``$TFDOJO_BASE_URL``."""

ARCHIVES = {
    "small": (
        "notMNIST_small.tar.gz",
        8_458_043,
        "76b2ef7ccc56452964780569db37b279c9cbe1bf442c3b38be784752683b3cec",
    ),
    "large": (
        "notMNIST_large.tar.gz",
        247_336_696,
        "1e8261b75484b520dc76027f5c22af50fe608e3bb16277caec086eb928f9b61c",
    ),
}
"""Archive kind -> (file name, size in bytes, sha256).

The author publishes sizes only. The sha256s are the ones TensorFlow Datasets' download
tool recorded for these URLs, beside the same sizes, when notMNIST was proposed there
(tensorflow/datasets pull request 2107, ``url_checksums/not_mnist.txt``); a mirror that
serves another file can be used with ``--sha256``.
"""

CHUNK = 1 << 16
TIMEOUT = 60.0


def base_url(url: str | None = None) -> str:
    """``url``, else ``$TFDOJO_BASE_URL``, else :data:`DEFAULT_BASE_URL`; ends with ``/``."""
    url = url or os.environ.get("TFDOJO_BASE_URL") or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"


def download(
    kind: str = "small",
    url: str | None = None,
    out_dir: str | os.PathLike | None = None,
    progress: bool = True,
    expected_size: int | None = None,
    expected_sha256: str | None = None,
) -> Path:
    """Download ``notMNIST_<kind>.tar.gz`` into ``out_dir``; return its path.

    Args:
        kind: ``small`` (8.5 MB, 18,724 images) or ``large`` (247 MB, ~530,000).
        url: the base URL the archive's name is appended to (see :func:`base_url`).
        out_dir: where to put it (default: :func:`tfdojo.core.paths.downloads_dir`).
        progress: show a progress bar on stderr.
        expected_size: the size to check against (default: the archive's known size).
        expected_sha256: the sha256 to check against, 64 hex digits (default: the
            archive's known sha256, see :data:`ARCHIVES`).

    Raises:
        TfdojoError: an HTTP error (404, 403, ...), an HTML page or a file of the
            wrong size or sha256 instead of the archive, an unreachable server, an
            interrupted transfer (run again to resume), an unwritable folder.
    """

    if kind not in ARCHIVES:
        raise TfdojoError(f"kind: expected one of {', '.join(ARCHIVES)}, received {kind!r}")
    name, known_size, known_sha256 = ARCHIVES[kind]
    size = known_size if expected_size is None else expected_size
    sha256 = known_sha256 if expected_sha256 is None else expected_sha256.lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise TfdojoError(f"--sha256: expected 64 hexadecimal digits, received {sha256!r}")
    out = ensure_dir(out_dir if out_dir is not None else downloads_dir())
    dest = out / name  # replaced by a rename: a link there is replaced, never followed
    part = inside(out, name + ".part")  # written to: never through a link
    if dest.is_file() and dest.stat().st_size == size and file_sha256(dest) == sha256:
        return dest
    source = base_url(url) + name
    offset = part.stat().st_size if part.is_file() else 0
    if offset > size or (offset and not _is_gzip(part)):
        part.unlink()
        offset = 0
    if offset < size:
        fetch_part(source, part, offset, size, progress)
    _check_complete(source, part, size, sha256)
    os.replace(part, dest)
    return dest


def fetch_part(
    source: str,
    part: Path,
    offset: int,
    size: int,
    progress: bool,
    what: str = "the archive",
    hint: str = "check --base-url or $TFDOJO_BASE_URL",
) -> None:
    """Append ``source``'s bytes from ``offset`` to ``part`` (HTTP ``Range``), up to ``size``.

    The server may ignore the range (then ``part`` starts over) or answer 416 (then too).
    ``what`` names the file and ``hint`` what to check, in the error messages.

    Raises:
        TfdojoError: an HTTP error, an HTML page, no connection, an interrupted transfer
            (the bytes received so far stay in ``part``, to resume from).
    """

    request = urllib.request.Request(source, headers={"User-Agent": "tfdojo"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # our .part is not a prefix the server knows: restart
            part.unlink()
            return fetch_part(source, part, 0, size, progress, what, hint)
        raise TfdojoError(
            f"{source}: the server answered HTTP {exc.code} {exc.reason}; expected {what} ({hint})"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TfdojoError(f"{source}: could not connect ({reason})") from None
    with response:
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower():
            raise TfdojoError(
                f"{source}: the server answered an HTML page ({content_type}), not {what} ({hint})"
            )
        if response.status == 206:
            start = _range_start(response.headers.get("Content-Range", ""))
            if start != offset:
                raise TfdojoError(
                    f"{source}: asked for bytes from {offset}, the server sent from {start}; "
                    f"delete {part} and try again"
                )
            mode = "ab"
        else:  # 200: the server ignored Range (or there was none) - start over
            offset, mode = 0, "wb"
        length = response.headers.get("Content-Length")
        promised = offset + int(length) if length and length.isdigit() else None
        with (
            open(part, mode) as f,
            tqdm(
                total=size,
                initial=offset,
                unit="B",
                unit_scale=True,
                desc=part.name[:-5],
                disable=not progress,
            ) as bar,
        ):
            first = offset == 0
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (http.client.IncompleteRead, OSError) as exc:
                    f.flush()
                    raise TfdojoError(
                        f"{source}: transfer interrupted after {f.tell():,} of {size:,} bytes "
                        f"({exc.__class__.__name__}); run the same command again to resume"
                    ) from None
                if not chunk:
                    if promised is not None and f.tell() < min(promised, size):
                        raise TfdojoError(
                            f"{source}: transfer interrupted after {f.tell():,} of {size:,} "
                            "bytes; run the same command again to resume"
                        )
                    break
                if first:
                    first = False
                    if looks_like_html(chunk[:512]):
                        f.close()
                        part.unlink()
                        raise TfdojoError(
                            f"{source}: the server answered an HTML page, not {what} ({hint})"
                        )
                f.write(chunk)
                bar.update(len(chunk))
                if f.tell() > size:
                    break
    return None


def _check_complete(source: str, part: Path, size: int, sha256: str) -> None:
    got = part.stat().st_size if part.is_file() else 0
    if got == size and _is_gzip(part):
        digest = file_sha256(part)
        if digest == sha256:
            return
        part.unlink()
        raise TfdojoError(
            f"{source}: sha256 {digest} does not match the archive's {sha256} (a damaged or "
            "different file of the right size); nothing was kept"
        )
    head = part.read_bytes()[:512] if part.is_file() else b""
    part.unlink(missing_ok=True)
    if looks_like_html(head):
        raise TfdojoError(f"{source}: the server answered an HTML page, not the archive")
    if got != size:
        raise TfdojoError(
            f"{source}: expected {size:,} bytes, received {got:,} "
            f"({'short' if got < size else 'too long'}: not the notMNIST archive); nothing was kept"
        )
    raise TfdojoError(f"{source}: expected a gzip archive, received something else; nothing kept")


def _range_start(content_range: str) -> int | None:
    # "bytes 100-199/200"
    try:
        return int(content_range.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"
