"""Open pictures safely and frame a glyph the notMNIST way: white on black, cropped, 28x28.

notMNIST crops each letter to its ink bounding box and resizes it to fill the
whole frame, aspect ratio not kept (a thin 'I' becomes a block). The same framing
serves the font renderer and ``tfdojo predict`` (any photo or scan of a letter).

Every picture tfdojo reads from a user goes through :func:`open_image`, which checks
the size an image's header claims before a single pixel is decoded: a 3 MB PNG can
claim 13,000 x 13,000 pixels, 676 MB once decoded, and several GB on the way to a frame.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.safe_read import MissingFile, open_regular

SIZE = 28

MAX_PIXELS = 4096 * 4096
"""Most pixels tfdojo decodes in one image: 4096 x 4096 = 16,777,216, read from the header.

A 12-megapixel phone photo (4000 x 3000) fits; decoded as RGBA it takes 64 MiB. Pillow's
own limit (89 million pixels, a warning, an error only at twice that) lets a 3 MB PNG
take 700 MB to decode.
"""

WORK_SIDE = 1024
"""A larger picture is first shrunk so its longer side is 1024 pixels, before framing.

The frame is 28 x 28, so nothing that matters is lost, and framing works on float copies
of the picture: a 4096 x 4096 RGBA photo would take 800 MB instead of 50 MB.
"""


FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
"""The formats opened, as Pillow names them: what drawings and photos come in. Not EPS,
which Pillow hands to Ghostscript, nor the other rarities it reads."""


MAX_FILE_BYTES = 256 << 20
"""Largest image file opened: 256 MiB (a 4096 x 4096 16-bit RGBA TIFF, uncompressed, is 128 MiB)."""

GREYABLE_MODES = frozenset(
    {"1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "HSV", "I", "F"}
    | {"I;16", "I;16B", "I;16L", "I;16N"}
)
"""The modes Pillow turns grey (``convert("L")``); LAB is read as its L band, others refused."""


class ImageTooLarge(TfdojoError):
    """An image whose header claims more pixels than allowed; none of it was decoded."""


def open_image(
    source: str | os.PathLike | bytes | BinaryIO,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
) -> Image.Image:
    """Open and decode one picture, refusing it from its header if it is too large.

    Args:
        source: a path, the file's bytes, or a binary file object (an upload).
        name: how messages name the input (default: the path, else ``image``).
        max_pixels: most pixels (width x height) decoded; larger images are refused
            before decoding, from the size in their header.

    Returns:
        The decoded image (its first frame, for animations), in the file's own mode (a LAB
        image: its L band, mode ``L``).

    Raises:
        ImageTooLarge: more than ``max_pixels`` pixels; nothing was decoded.
        TfdojoError: a missing file, a folder, a FIFO or a device, a file over
            :data:`MAX_FILE_BYTES`, bytes that are not a readable image, or a mode that has
            no grey (:data:`GREYABLE_MODES`).
    """
    if name is None:
        name = os.fspath(source) if isinstance(source, str | os.PathLike) else "image"
    if isinstance(source, bytes | bytearray | memoryview):
        if not len(source):
            raise TfdojoError(f"{name}: received no bytes; expected a PNG or JPEG file")
        source = io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        try:
            f = open_regular(source, MAX_FILE_BYTES, "an image file")
        except MissingFile:
            raise TfdojoError(f"{name}: no such file; expected an image (PNG, JPEG, ...)") from None
        with f:
            return _decode(f, name, max_pixels)
    return _decode(source, name, max_pixels)


def _decode(source: BinaryIO, name: str, max_pixels: int) -> Image.Image:
    """The header, its size checked, then the pixels, in a mode that has a grey."""
    # Pillow warns about odd files, and above its own far higher pixel limit (which the
    # check below covers): the caller gets an image or one error line, nothing else.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = _open_header(source, name, max_pixels)
        with img:
            width, height = img.size
            if width * height > max_pixels:
                raise ImageTooLarge(
                    f"{name}: expected an image of at most {max_pixels:,} pixels, received "
                    f"{width}x{height} ({width * height:,}); refused before decoding"
                )
            try:
                img.load()
            except Exception as exc:  # noqa: BLE001 - a decoder failing on bad bytes, any type
                raise TfdojoError(f"{name}: not a readable image ({first_line(exc)})") from None
    if img.mode == "LAB":  # Pillow turns LAB into nothing else; its L band is the grey
        return img.getchannel("L")
    if img.mode not in GREYABLE_MODES:
        raise TfdojoError(
            f"{name}: an image of mode {img.mode}, which tfdojo cannot turn grey; expected "
            "greyscale, RGB(A), palette, CMYK or LAB"
        )
    return img


def _open_header(source: BinaryIO, name: str, max_pixels: int) -> Image.Image:
    """``Image.open``: reads the format and size from the header, decodes nothing."""
    try:
        return Image.open(source, formats=FORMATS)
    except Image.DecompressionBombError:
        raise ImageTooLarge(
            f"{name}: expected an image of at most {max_pixels:,} pixels, received more than "
            f"{2 * Image.MAX_IMAGE_PIXELS:,}; refused before decoding"
        ) from None
    except UnidentifiedImageError:
        raise TfdojoError(
            f"{name}: not an image tfdojo reads; expected PNG, JPEG, GIF, BMP, WebP or TIFF"
        ) from None
    except Exception as exc:  # noqa: BLE001 - a parser failing on bad bytes, whatever it raises
        raise TfdojoError(f"{name}: not a readable image ({first_line(exc)})") from None


def ink_bbox(a: np.ndarray, threshold: int = 0) -> tuple[int, int, int, int] | None:
    """Bounding box ``(left, top, right, bottom)`` of pixels > ``threshold``; None if blank.

    Args:
        a: uint8 (H, W), ink bright on a dark background.
    """
    rows = np.flatnonzero((a > threshold).any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero((a > threshold).any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def fill_frame(glyph: Image.Image, size: int = SIZE) -> np.ndarray:
    """Resize a cropped 'L' glyph to fill ``size`` x ``size``, antialiased -> uint8 (size, size)."""
    return np.asarray(glyph.resize((size, size), Image.Resampling.LANCZOS), dtype=np.uint8)


def to_ink_on_black(img: Image.Image) -> Image.Image:
    """Greyscale ``img`` with bright ink on a dark background (inverting dark-on-light).

    The background is taken to be the median of the border pixels; if it is
    lighter than mid-grey the image is inverted. Transparency is composited on
    the background colour first.
    """
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        rgb = np.asarray(img, dtype=np.float32)
        alpha = rgb[..., 3:4] / 255.0
        border = _border(rgb[..., :3].mean(axis=2)[..., None] * alpha + 255 * (1 - alpha))
        bg = 255.0 if np.median(border) >= 128 or alpha.min() < 1 else 0.0
        flat = rgb[..., :3] * alpha + bg * (1 - alpha)
        img = Image.fromarray(flat.astype(np.uint8), "RGB")
    grey = ImageOps.grayscale(img) if img.mode != "L" else img
    a = np.asarray(grey)
    if np.median(_border(a)) >= 128:
        grey = ImageOps.invert(grey)
    return grey


def shrink(img: Image.Image, side: int) -> Image.Image:
    """``img`` resized (box filter, aspect kept) so its longer side is at most ``side``."""
    width, height = img.size
    scale = max(width, height) / side
    if scale <= 1:
        return img
    new_size = (max(1, round(width / scale)), max(1, round(height / scale)))
    return img.resize(new_size, Image.Resampling.BOX)


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0].ravel(), a[-1].ravel(), a[:, 0].ravel(), a[:, -1].ravel()])


def frame_image(img: Image.Image, size: int = SIZE) -> np.ndarray:
    """Any picture of one letter -> uint8 (size, size) framed like notMNIST.

    Shrinks a large picture to :data:`WORK_SIDE`, inverts dark-on-light, removes the
    background level, crops to the ink and stretches it to fill the frame. A blank
    image gives an all-black frame.
    """
    grey = to_ink_on_black(shrink(img, WORK_SIDE))
    a = np.asarray(grey, dtype=np.int16)
    bg = int(np.median(_border(a)))
    a = np.clip((a - bg) * 255.0 / max(1, 255 - bg), 0, 255).astype(np.uint8)
    # Ignore faint noise when finding the ink: 10% of full scale.
    box = ink_bbox(a, threshold=25)
    if box is None:
        return np.zeros((size, size), np.uint8)
    return fill_frame(Image.fromarray(a).crop(box), size)
