"""``tfdojo data fetch URL``: the workshop room's dataset, byte for byte, or nothing.

The room (``tfdojo dojo serve --data DIR``) hands out its dataset folder: ``GET /data/``
lists each file's size and sha256, ``GET /data/NAME`` serves it with HTTP ``Range``. Each
file is downloaded as ``download.py`` downloads the real archives (into ``NAME.part``,
resumed where an interrupted run stopped), then checked twice before anything is put in
place: the file's sha256 against the room's list, and, with both files in, every array
against the manifest's sha256 (:func:`tfdojo.data.dataset.load`). A file that fails
either is deleted and refused: every laptop trains on the facilitator's data, whatever
fonts it has, or gets one line saying why not.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import ensure_dir
from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.paths import default_data_dir
from tfdojo.core.safe_write import prepare
from tfdojo.data.dataset import MANIFEST_NAME, MAX_MANIFEST_BYTES, MAX_NPZ_BYTES, NPZ_NAME, load
from tfdojo.data.download import TIMEOUT, fetch_part
from tfdojo.data.files import file_sha256
from tfdojo.data.output import DATASET

FILES = (MANIFEST_NAME, NPZ_NAME)
STAGING = ".tfdojo-fetch"
"""The folder inside ``--out`` where files wait (``.part`` while coming) until checked."""
MAX_INDEX_BYTES = 1 << 20
LIMITS = {MANIFEST_NAME: MAX_MANIFEST_BYTES, NPZ_NAME: MAX_NPZ_BYTES}


def data_url(url: str) -> str:
    """The room's ``/data/`` address from the room's address."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TfdojoError(
            f"URL: expected the room's address, e.g. http://192.168.1.20:8765/, received {url!r}"
        )
    return f"{parts.scheme}://{parts.netloc}/data/"


def read_index(base: str) -> dict[str, dict[str, Any]]:
    """The room's list of files: ``{name: {"size", "sha256"}}``, checked."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the room is local
    try:
        with opener.open(urllib.request.Request(base), timeout=TIMEOUT) as response:
            index = json.loads(response.read(MAX_INDEX_BYTES))
    except urllib.error.HTTPError as exc:
        with exc:
            reason = exc.read(300).decode("utf-8", "replace").strip()
        raise TfdojoError(f"{base}: the room answered HTTP {exc.code} ({reason})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise TfdojoError(
            f"{base}: the room does not answer ({first_line(getattr(exc, 'reason', exc))})"
        ) from None
    except ValueError:
        raise TfdojoError(f"{base}: expected the room's list of files (JSON)") from None
    files = index.get("files") if isinstance(index, dict) else None
    if not isinstance(files, dict) or sorted(files) != sorted(FILES):
        raise TfdojoError(f"{base}: expected a list of {' and '.join(FILES)}, received {files!r}")
    for name, info in files.items():
        size, sha256 = info.get("size"), info.get("sha256")
        if not isinstance(size, int) or not 0 < size <= LIMITS[name]:
            raise TfdojoError(
                f"{base}: {name}: expected a size up to {LIMITS[name]:,}, received {size!r}"
            )
        if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise TfdojoError(f"{base}: {name}: expected a sha256, received {sha256!r}")
    return files


def _have(folder: Path, files: dict[str, dict[str, Any]]) -> bool:
    return all(
        (folder / name).is_file()
        and (folder / name).stat().st_size == info["size"]
        and file_sha256(folder / name) == info["sha256"]
        for name, info in files.items()
    )


def fetch(
    url: str, out: str | os.PathLike | None = None, overwrite: bool = False, progress: bool = True
) -> tuple[Path, dict[str, Any]]:
    """Download the room's dataset into ``out`` (default: the cache's dataset folder).

    Args:
        url: the room's address (``http://192.168.1.20:8765/``).
        overwrite: replace another dataset tfdojo wrote in ``out`` (otherwise refused; a
            folder of anything else is always refused: :data:`tfdojo.data.output.DATASET`).

    Returns:
        ``(folder, manifest)``.

    Raises:
        TfdojoError: the room unreachable or handing out no dataset, a file whose sha256 or
            arrays do not match (deleted, nothing kept), another dataset in ``out``
            without ``overwrite``, an interrupted transfer (run again to resume).
    """
    base = data_url(url)
    files = read_index(base)
    folder = Path(out) if out is not None else default_data_dir()
    if _have(folder, files):
        return folder, load(folder, verify=True).manifest
    resuming = folder.is_dir() and {p.name for p in folder.iterdir()} == {STAGING}
    if not resuming:  # an interrupted fetch of ours goes on; anything else is checked
        prepare(folder, DATASET, overwrite, hint=" (or --out DIR for the room's)")
    staging = ensure_dir(folder / STAGING)
    for name, info in files.items():
        done, part = staging / name, staging / (name + ".part")
        if done.is_file() and file_sha256(done) == info["sha256"]:
            continue
        offset = part.stat().st_size if part.is_file() else 0
        if offset > info["size"]:
            part.unlink()
            offset = 0
        source = base + name
        if offset < info["size"]:
            fetch_part(
                source,
                part,
                offset,
                info["size"],
                progress,
                what=f"the room's {name}",
                hint="check the room's address",
            )
        got, digest = part.stat().st_size, file_sha256(part)
        if (got, digest) != (info["size"], info["sha256"]):
            part.unlink()
            raise TfdojoError(
                f"{source}: {got:,} bytes of sha256 {digest[:16]}...; the room lists "
                f"{info['size']:,} bytes of sha256 {info['sha256'][:16]}... (a damaged or "
                "tampered file); refused, nothing was kept"
            )
        os.replace(part, done)
    try:
        dataset = load(staging, verify=True)
    except TfdojoError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise TfdojoError(f"{base}: refused, nothing was kept: {exc}") from None
    os.replace(staging / NPZ_NAME, folder / NPZ_NAME)
    os.replace(staging / MANIFEST_NAME, folder / MANIFEST_NAME)
    shutil.rmtree(staging, ignore_errors=True)
    return folder, dataset.manifest
