"""Frame a glyph the notMNIST way: white ink on black, cropped to the ink, stretched to 28x28.

notMNIST crops each letter to its ink bounding box and resizes it to fill the
whole frame, aspect ratio not kept (a thin 'I' becomes a block). The same framing
serves the font renderer and ``tfdojo predict`` (any photo or scan of a letter).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

SIZE = 28


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


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0].ravel(), a[-1].ravel(), a[:, 0].ravel(), a[:, -1].ravel()])


def frame_image(img: Image.Image, size: int = SIZE) -> np.ndarray:
    """Any picture of one letter -> uint8 (size, size) framed like notMNIST.

    Inverts dark-on-light, removes the background level, crops to the ink and
    stretches it to fill the frame. A blank image gives an all-black frame.
    """
    grey = to_ink_on_black(img)
    a = np.asarray(grey, dtype=np.int16)
    bg = int(np.median(_border(a)))
    a = np.clip((a - bg) * 255.0 / max(1, 255 - bg), 0, 255).astype(np.uint8)
    # Ignore faint noise when finding the ink: 10% of full scale.
    box = ink_bbox(a, threshold=25)
    if box is None:
        return np.zeros((size, size), np.uint8)
    return fill_frame(Image.fromarray(a).crop(box), size)
