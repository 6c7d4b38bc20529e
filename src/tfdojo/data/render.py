"""Render the letters A-J of one font face, and decide whether the face is usable.

Each letter is drawn large (``size`` px, white on black), cropped to its ink and
stretched to fill 28x28 (:func:`tfdojo.data.frame.fill_frame`), as in notMNIST.
A face is skipped, with the reason recorded, when a letter is missing (it renders
as the font's ``.notdef`` box, found by rendering a code point no font has), a
letter is blank, the letters all look alike, or the font is symbol-encoded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tfdojo import LETTERS
from tfdojo.core.errors import TfdojoError
from tfdojo.data.fonts import face_count, family_key, is_symbol_encoded, read_font
from tfdojo.data.frame import fill_frame, ink_bbox

RENDER_SIZE = 64
"""Font size in pixels for rendering; a capital is ~45 px tall before framing."""

NOTDEF_PROBE = "\U0010fffd"
"""A private-use code point in plane 16: no text font maps it, so it renders .notdef."""

SYMBOL_FAMILIES = frozenset(
    {
        "cmex",
        "cmsy",
        "cmbsy",
        "stmary",
        "wasy",
        "msam",
        "msbm",
        "lasy",
        "esint",
        "marvosym",
        "dingbats",
        "symbol",
        "standard symbols",
        "wingdings",
        "webdings",
        "zapf dingbats",
    }
)
"""Families (by :func:`~tfdojo.data.fonts.family_key`) whose A-J codes hold math or
dingbat symbols although their cmap is Unicode (TeX's symbol fonts, notably)."""

MIN_DISTINCT = 8
"""A face needs at least this many visibly different letters among A-J."""


@dataclasses.dataclass
class Face:
    """One rendered face: ``glyphs`` uint8 (10, 28, 28) for A..J, or why it was skipped."""

    path: str
    index: int
    sha256: str
    family: str
    style: str
    glyphs: np.ndarray | None = None
    reason: str | None = None

    @property
    def key(self) -> str:
        """Stable identity: file content hash and face index (not the path)."""
        return f"{self.sha256[:16]}:{self.index}"

    @property
    def family_key(self) -> str:
        return family_key(self.family)


def load_font(source: str | os.PathLike | bytes, index: int = 0, size: int = RENDER_SIZE):
    """A Pillow FreeType font for face ``index`` of a font file (a path, or its bytes).

    FreeType is handed the bytes (read by :func:`tfdojo.data.fonts.read_font`), never the
    path: what was checked to be a regular file is what it reads.
    """
    font = source if isinstance(source, bytes) else read_font(source)
    return ImageFont.truetype(io.BytesIO(font), size, index=index)


def draw_glyph(font, ch: str) -> Image.Image | None:
    """Draw ``ch`` white on black and crop to its ink -> 'L' image, or None if nothing is inked."""
    left, top, right, bottom = font.getbbox(ch)
    w, h = right - left, bottom - top
    if w <= 0 or h <= 0:
        return None
    pad = 4
    img = Image.new("L", (w + 2 * pad, h + 2 * pad), 0)
    ImageDraw.Draw(img).text((pad - left, pad - top), ch, font=font, fill=255)
    box = ink_bbox(np.asarray(img))
    return None if box is None else img.crop(box)


def _near_distinct(glyphs: np.ndarray, tol: float = 4.0) -> int:
    """Number of glyphs not within ``tol`` (mean |difference|, 0..255) of an earlier one."""
    flat = glyphs.reshape(len(glyphs), -1).astype(np.float32)
    diff = np.abs(flat[:, None, :] - flat[None, :, :]).mean(-1)  # (n, n)
    earlier_twin = np.tril(diff < tol, k=-1).any(axis=1)
    return int((~earlier_twin).sum())


def renders_notdef(glyph: Image.Image, notdef: Image.Image | None) -> bool:
    """Whether ``glyph`` is the face's .notdef box: ``notdef`` is its render of NOTDEF_PROBE."""
    if notdef is None:
        return False
    px, box = np.asarray(glyph), np.asarray(notdef)
    return px.shape == box.shape and np.array_equal(px, box)


def render_face(
    path: str, index: int, sha256: str, size: int = RENDER_SIZE, data: bytes | None = None
) -> Face:
    """Render A..J of one face; the result carries the glyphs or the reason it is unusable.

    ``data``: the file's bytes, when the caller has read them (else they are read here).
    """
    try:
        data = read_font(path) if data is None else data
        font = load_font(data, index, size)
        family, style = font.getname()
    except (OSError, ValueError, TfdojoError) as exc:
        return Face(path, index, sha256, "", "", reason=f"unreadable: {exc}")
    face = Face(path, index, sha256, family or "", style or "")
    if is_symbol_encoded(path, data, index) or face.family_key in SYMBOL_FAMILIES:
        face.reason = "symbol-encoded font: its A-J are not letters"
        return face
    try:
        notdef = draw_glyph(font, NOTDEF_PROBE)
        glyphs = []
        for ch in LETTERS:
            img = draw_glyph(font, ch)
            if img is None:
                face.reason = f"letter {ch} is blank"
                return face
            if renders_notdef(img, notdef):
                face.reason = f"letter {ch} is missing (renders as .notdef)"
                return face
            glyphs.append(fill_frame(img))
    except (OSError, ValueError, MemoryError) as exc:
        face.reason = f"rendering failed: {exc}"
        return face
    stack = np.stack(glyphs)
    distinct = _near_distinct(stack)
    if distinct < MIN_DISTINCT:
        face.reason = f"letters render alike ({distinct} distinct of 10)"
        return face
    face.glyphs = stack
    return face


def render_file(path: str, size: int = RENDER_SIZE) -> list[Face]:
    """Every face of one font file (a collection has several), rendered or with a skip reason."""
    try:
        data = read_font(path)  # once: a FIFO or a device is refused here, without waiting
        sha = hashlib.sha256(data).hexdigest()
        n = face_count(data)
    except Exception as exc:  # noqa: BLE001 - a corrupt font is skipped and reported, never fatal
        return [Face(str(path), 0, "", "", "", reason=f"unreadable: {exc}")]
    return [render_face(str(path), i, sha, size, data) for i in range(n)]


def unlike_letters(faces: list[Face], min_faces: int = 20) -> list[int]:
    """Indices of faces none of whose ten letters resembles that letter's average.

    Each glyph is compared (cosine of the centred 28x28 image) with the median
    glyph of every letter over all ``faces``; a face whose every letter is nearer
    another letter's median draws pictures, not A-J. Needs ``min_faces`` faces to
    form the medians; returns [] below that.
    """
    if len(faces) < min_faces:
        return []
    x = np.stack([f.glyphs for f in faces]).reshape(len(faces), len(LETTERS), -1)
    x = x.astype(np.float32)
    x -= x.mean(-1, keepdims=True)
    x /= np.linalg.norm(x, axis=-1, keepdims=True) + 1e-6
    centre = np.median(x, axis=0)  # (10, 784)
    centre /= np.linalg.norm(centre, axis=-1, keepdims=True) + 1e-6
    nearest = (x @ centre.T).argmax(-1)  # (F, 10): the letter each glyph looks most like
    own = (nearest == np.arange(len(LETTERS))).sum(-1)
    return np.flatnonzero(own == 0).tolist()
