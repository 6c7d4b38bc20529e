"""Open an uploaded image without trusting it: check its size before decoding its pixels.

A PNG of a few hundred bytes can claim to be 50,000 x 50,000 pixels: decoding it would
need 2.5 GB (a "decompression bomb"). Pillow reads only the header in
:func:`PIL.Image.open`, so the width and height are checked there, before
:meth:`~PIL.Image.Image.load` decodes anything. Every refusal is a :class:`PlayError`:
one line, naming what was received, with the HTTP status the server answers with.

Only the formats a drawing or a photo comes in are opened (no EPS, which Pillow hands to
Ghostscript, nor the other rarities it reads).

``tfdojo.data.frame.open_image`` is to do the same for every command; once it lands,
:func:`open_image` becomes that function (one import) and this module keeps
:class:`PlayError` only.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from tfdojo.errors import TfdojoError, first_line

MAX_SIDE = 4096
MAX_PIXELS = MAX_SIDE * MAX_SIDE
"""Largest image decoded: 16,777,216 pixels (4096 x 4096), 64 MB as RGBA.

Below Pillow's own ``MAX_IMAGE_PIXELS`` (89,478,485), so every image Pillow warns about
(``DecompressionBombWarning``) or refuses (``DecompressionBombError``) is refused here too,
as a 413."""
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
"""The formats opened, as Pillow names them."""


class PlayError(TfdojoError):
    """A request that is refused: one line, and ``status``, the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def open_image(data: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode image bytes after checking their format and size from the header.

    Args:
        data: the file's bytes (PNG, JPEG, GIF, BMP, WebP or TIFF).
        max_pixels: the largest width x height decoded.

    Returns:
        The decoded image (``load()`` done), any mode and size.

    Raises:
        PlayError: empty (400), not an image of :data:`FORMATS` (400), more than
            ``max_pixels`` pixels (413), or pixels that cannot be decoded (400).
    """
    if not data:
        raise PlayError("image: received an empty body; send the bytes of a PNG or JPEG file")
    try:
        img = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as exc:
        message = f"image: refused as a decompression bomb ({first_line(exc)})"
        raise PlayError(message, 413) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise PlayError(
            f"image: not a PNG, JPEG, GIF, BMP, WebP or TIFF image (received {len(data):,} "
            f"bytes starting {data[:8]!r})"
        ) from None
    width, height = img.size
    if width * height > max_pixels:
        raise PlayError(
            f"image: {width:,} x {height:,} pixels is more than the {max_pixels:,} allowed; "
            "send a smaller image",
            413,
        )
    try:
        img.load()
    except (OSError, ValueError, SyntaxError) as exc:
        message = f"image: the {img.format} could not be decoded ({first_line(exc)})"
        raise PlayError(message) from None
    return img
