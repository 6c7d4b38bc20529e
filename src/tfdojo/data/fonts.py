"""Find font files and their faces: system folders, matplotlib's bundled fonts, ``--fonts DIR``.

notMNIST was rendered from thousands of public fonts; tfdojo renders from the fonts a
machine has. This module only *finds* them; :mod:`tfdojo.data.render` draws the
letters and decides which faces are usable.
"""

from __future__ import annotations

import io
import os
import re
import struct
import sys
from collections.abc import Iterable
from pathlib import Path

import matplotlib
from fontTools.ttLib import TTFont
from fontTools.ttLib.sfnt import readTTCHeader

from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import is_regular, read_bytes

MAX_FONT_BYTES = 256 << 20
"""Largest font file read: 256 MiB (the largest common fonts, Noto's and Source Han's CJK
collections, are 20 to 120 MB). A larger file is skipped as unreadable."""

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc", ".pfb", ".pfa", ".t1", ".woff")
"""What FreeType (through Pillow) reads: TrueType/OpenType, their collections, Type 1, WOFF."""


def system_font_dirs() -> list[Path]:
    """The usual font folders of Linux, macOS and Windows that exist on this machine."""
    home = Path.home()
    candidates = [
        # Linux / BSD (fontconfig defaults) and TeX Live's Type 1 / OpenType fonts
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".fonts",
        home / ".local/share/fonts",
        Path("/usr/share/texlive/texmf-dist/fonts/type1"),
        Path("/usr/share/texlive/texmf-dist/fonts/opentype"),
        Path("/usr/share/texlive/texmf-dist/fonts/truetype"),
        Path("/usr/share/texmf/fonts/type1"),
        Path("/usr/share/texmf/fonts/opentype"),
        # macOS
        Path("/System/Library/Fonts"),
        Path("/Library/Fonts"),
        home / "Library/Fonts",
    ]
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", r"C:\Windows")
        candidates.append(Path(windir) / "Fonts")
        if os.environ.get("LOCALAPPDATA"):
            candidates.append(Path(os.environ["LOCALAPPDATA"]) / "Microsoft/Windows/Fonts")
    return [d for d in candidates if d.is_dir()]


def matplotlib_font_dir() -> Path | None:
    """matplotlib's bundled fonts (DejaVu, STIX, Computer Modern): a floor every install has."""
    d = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return d if d.is_dir() else None


def find_font_files(
    font_dirs: Iterable[str | os.PathLike] = (), system_fonts: bool = True
) -> list[Path]:
    """Every font file under the given folders (recursively), plus the system's and matplotlib's.

    Files are de-duplicated by resolved path and returned sorted, so the result does
    not depend on directory listing order.

    Raises:
        TfdojoError: a ``--fonts`` folder is missing, is not a folder, or holds no font
            file; or no font file was found at all.
    """
    dirs: list[Path] = []
    for d in font_dirs:
        p = Path(d).expanduser()
        if not p.exists():
            raise TfdojoError(f"--fonts: {p} does not exist; expected a folder of font files")
        if not p.is_dir():
            raise TfdojoError(f"--fonts: {p} is not a folder; expected a folder of font files")
        if not any(_walk(p)):
            raise TfdojoError(
                f"--fonts: {p} holds no font files; expected {', '.join(FONT_SUFFIXES)}"
            )
        dirs.append(p)
    if system_fonts:
        dirs += system_font_dirs()
        mpl = matplotlib_font_dir()
        if mpl is not None:
            dirs.append(mpl)
    seen: dict[str, Path] = {}
    for d in dirs:
        for f in _walk(d):
            seen.setdefault(os.path.realpath(f), f)
    if not seen:
        raise TfdojoError(
            "no font files found; install fonts (sudo sh scripts/install-system-deps.sh) "
            "or pass --fonts DIR"
        )
    return sorted(seen.values(), key=lambda p: str(p))


def _walk(d: Path) -> Iterable[Path]:
    """Font files under ``d``: regular files only (after links), so a FIFO or a link to a
    device named ``.ttf`` is skipped, never opened."""
    for root, _dirs, files in os.walk(d, followlinks=True):
        for name in sorted(files):
            if name.lower().endswith(FONT_SUFFIXES) and is_regular(Path(root) / name):
                yield Path(root) / name


def read_font(path: str | os.PathLike) -> bytes:
    """A font file's bytes, read once (:func:`tfdojo.core.safe_read.read_bytes`).

    Raises:
        TfdojoError: not a regular file (swapped for a FIFO since it was found, say), or
            larger than :data:`MAX_FONT_BYTES`.
    """
    return read_bytes(path, MAX_FONT_BYTES, "a font file")


def face_count(font: bytes) -> int:
    """Number of faces in a font file's bytes: the TTC/OTC header's count, else 1."""
    if font[:4] != b"ttcf":
        return 1
    return int(readTTCHeader(io.BytesIO(font)).numFonts)


def is_symbol_encoded(path: str | os.PathLike, font: bytes, index: int = 0) -> bool:
    """True if an sfnt font maps characters only through a Windows Symbol cmap (3, 0).

    Such fonts (Computer Modern's cmex/cmsy, dingbats) put pictures, not letters,
    at the codes of A-J. Type 1 and unreadable fonts give False (the renderer's
    checks catch them instead).

    Args:
        path: the file's name (its suffix tells the format); font: its bytes.
    """

    if Path(path).suffix.lower() not in (".ttf", ".otf", ".ttc", ".otc", ".woff"):
        return False
    try:
        with TTFont(io.BytesIO(font), lazy=True, fontNumber=index) as tt:
            # Only the cmap header (a list of (platform, encoding, offset) records) is
            # needed; decompiling the subtables themselves would cost 100x more.
            raw = tt.reader["cmap"]
        (count,) = struct.unpack_from(">H", raw, 2)
        subtables = {struct.unpack_from(">HH", raw, 4 + 8 * i) for i in range(count)}
    except Exception:  # noqa: BLE001 - any parse error: let the renderer decide
        return False
    unicode_ids = {(0, e) for e in range(7)} | {(3, 1), (3, 10)}
    return (3, 0) in subtables and not (subtables & unicode_ids)


_STYLE_WORDS = re.compile(
    r"\b(bold|italic|oblique|slanted|regular|plain|normal|book|roman|light|medium|thin|"
    r"black|heavy|semi|demi|extra|ultra|semibold|demibold|extrabold|ultrabold|extralight|"
    r"ultralight|hairline|condensed|semicondensed|cond|extended|expanded|narrow|wide|"
    r"display|text|caption|subhead|titling|poster|mono|monospace|sans|serif|slab|"
    r"unicode|pro|std|lt|mt|ps|ot|otf|ttf|math|sc|smallcaps|caps|lgc|\d+(pt|px)?)\b"
)


def family_key(family: str) -> str:
    """A family name with styles, widths and sizes removed, so related faces group together.

    >>> family_key("DejaVu Sans Mono") == family_key("DejaVu Serif") == "dejavu"
    True
    >>> family_key("cmr10"), family_key("ADF Gillius Condensed")
    ('cmr', 'adf gillius')
    """
    name = family.lower().replace("-", " ").replace("_", " ")
    name = re.sub(r"(?<=[a-z])(\d+)$", "", name.strip())  # cmr10 -> cmr
    key = " ".join(_STYLE_WORDS.sub(" ", name).split())
    return key or " ".join(name.split())
