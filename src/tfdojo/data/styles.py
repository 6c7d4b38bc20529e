"""Decorative styles drawn on the vector glyph's large render, at the rates real notMNIST shows.

notMNIST was rendered from thousands of web fonts, many of them display faces: letters
drawn as outlines, with an inline or a shadow, filled with stripes or a texture, cut out
of a filled box, set inside a frame, stencilled or built from pixels. The Debian fonts
have few such faces, so a share of the augmented variants gets one of these looks,
drawn on the large ink-cropped render (~45-70 px tall, white on black) before it is
framed to 28x28, so that every effect is antialiased like a real font's.

Rates: counted by eye on real notMNIST images (a few hundred, by style only), about one
image in eight wears one of these looks. :data:`STYLES` holds each style's share of the
decorated variants; :func:`decorate` applies one of them. All randomness comes from the
``rng`` passed in.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from tfdojo.data.frame import SIZE


def _unit(g: np.ndarray) -> float:
    """Pixels of the large render per pixel of the 28x28 frame (>= 1)."""
    return max(1.0, max(g.shape) / SIZE)


def _odd(x: float) -> int:
    n = max(3, int(round(x)))
    return n if n % 2 else n + 1


def _erode(g: np.ndarray, size: int) -> np.ndarray:
    return ndimage.grey_erosion(g, size=(size, size))


def _dilate(g: np.ndarray, size: int) -> np.ndarray:
    return ndimage.grey_dilation(g, size=(size, size))


def _pad(g: np.ndarray, n: int) -> np.ndarray:
    return np.pad(g, n, constant_values=0)


def outline(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Only the contour: the glyph minus its erosion (a line ~1-1.7 frame pixels wide)."""
    g = _pad(g, 2)
    k = _odd(rng.uniform(2.0, 3.4) * _unit(g))
    return np.clip(g.astype(np.int16) - _erode(g, k), 0, 255).astype(np.uint8)


def inline(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A thin black line drawn inside the strokes, parallel to the contour."""
    u = _unit(g)
    k1 = _odd(rng.uniform(1.6, 2.6) * u)
    k2 = _odd(k1 + rng.uniform(1.0, 1.6) * u)
    line = np.clip(_erode(g, k1).astype(np.int16) - _erode(g, k2), 0, 255)
    return np.clip(g.astype(np.int16) - line, 0, 255).astype(np.uint8)


def shadow(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A solid extrusion (3-D look) or drop shadow, kept apart from the glyph by a thin gap."""
    u = _unit(g)
    depth = int(round(rng.uniform(1.5, 4.0) * u))
    angle = rng.uniform(0, 2 * np.pi) if rng.random() < 0.3 else rng.uniform(0.2, 1.3)
    dx, dy = np.cos(angle), np.sin(angle)  # mostly down-right, as most display faces
    g = _pad(g, depth + 2)
    ext = np.zeros_like(g)
    solid = rng.random() < 0.6
    steps = range(1, depth + 1) if solid else [depth]
    for s in steps:
        moved = ndimage.shift(g, (s * dy, s * dx), order=1, cval=0)
        np.maximum(ext, moved, out=ext)
    gap = _dilate(g, _odd(rng.uniform(0.8, 1.4) * u)) > 64
    ext[gap] = 0
    return np.maximum(g, ext)


def stripes(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The glyph filled with parallel stripes (mostly horizontal), sometimes keeping its contour."""
    u = _unit(g)
    period = rng.uniform(2.4, 4.5) * u
    duty = rng.uniform(0.4, 0.65)
    slope = 0.0 if rng.random() < 0.7 else float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.5))
    y, x = np.mgrid[: g.shape[0], : g.shape[1]]
    phase = rng.uniform(0, period)
    on = ((y + slope * x + phase) % period) < duty * period
    out = np.where(on, g, 0).astype(np.uint8)
    if rng.random() < 0.5:
        out = np.maximum(out, outline(g, rng)[2:-2, 2:-2])
    return out


def texture(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A rough, distressed or dotted fill: the glyph times a thresholded random field."""
    u = _unit(g)
    noise = ndimage.gaussian_filter(rng.standard_normal(g.shape), rng.uniform(0.6, 2.0) * u)
    keep = noise > np.quantile(noise, rng.uniform(0.1, 0.35))
    return np.where(keep, g, 0).astype(np.uint8)


def _shape_mask(h: int, w: int, shape: str, width: int | None = None) -> np.ndarray:
    """A filled (``width`` None) or outlined rectangle, ellipse or diamond filling (h, w)."""
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    box = (0, 0, w - 1, h - 1)
    if shape == "diamond":
        pts = [(w / 2, 0), (w - 1, h / 2), (w / 2, h - 1), (0, h / 2)]
        if width is None:
            d.polygon(pts, fill=255)
        else:
            d.line([*pts, pts[0]], fill=255, width=width, joint="curve")
    elif shape == "ellipse":
        d.ellipse(box, fill=255 if width is None else None, outline=255, width=width or 1)
    else:
        d.rectangle(box, fill=255 if width is None else None, outline=255, width=width or 1)
    return np.asarray(img)


def _margin(g: np.ndarray, shape: str, rng: np.random.Generator) -> tuple[int, int]:
    """Padding (rows, cols) that keeps the glyph inside ``shape`` (more for round shapes)."""
    lo, hi = (0.06, 0.2) if shape == "rectangle" else (0.22, 0.4)
    return tuple(int(round(n * rng.uniform(lo, hi))) + 2 for n in g.shape)


def cutout(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The glyph cut out (black) of a filled white box, disc or diamond."""
    shape = str(rng.choice(["rectangle", "ellipse", "diamond"], p=[0.7, 0.2, 0.1]))
    my, mx = _margin(g, shape, rng)
    g = np.pad(g, ((my, my), (mx, mx)), constant_values=0)
    block = _shape_mask(*g.shape, shape)
    return np.minimum(block, 255 - g)


def frame(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The glyph set inside a thin frame: a rectangle, an ellipse or a diamond."""
    shape = str(rng.choice(["rectangle", "ellipse", "diamond"], p=[0.6, 0.25, 0.15]))
    my, mx = _margin(g, shape, rng)
    g = np.pad(g, ((my, my), (mx, mx)), constant_values=0)
    width = max(1, int(round(rng.uniform(0.8, 1.8) * _unit(g))))
    return np.maximum(g, _shape_mask(*g.shape, shape, width))


def stencil(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One to three thin black bridges across the strokes, as a stencil face has."""
    u = _unit(g)
    out = g.copy()
    vertical = rng.random() < 0.3
    n = out.shape[1] if vertical else out.shape[0]
    width = max(1, int(round(rng.uniform(0.6, 1.2) * u)))
    for _ in range(int(rng.integers(1, 4))):
        at = int(rng.uniform(0.2, 0.8) * n)
        if vertical:
            out[:, at : at + width] = 0
        else:
            out[at : at + width, :] = 0
    return out


def pixel(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A pixel-font look: the glyph on a coarse grid (9-16 cells tall), blown up with hard edges."""
    h, w = g.shape
    rows = int(rng.integers(9, 17))
    cols = max(3, int(round(rows * w / h)))
    small = Image.fromarray(g).resize((cols, rows), Image.Resampling.BOX)
    cells = (np.asarray(small) > rng.uniform(90, 150)).astype(np.uint8) * 255
    return np.asarray(Image.fromarray(cells).resize((w, h), Image.Resampling.NEAREST))


STYLES = {
    "outline": (0.22, outline),
    "inline": (0.06, inline),
    "shadow": (0.16, shadow),
    "stripes": (0.12, stripes),
    "texture": (0.08, texture),
    "cutout": (0.14, cutout),
    "frame": (0.1, frame),
    "stencil": (0.04, stencil),
    "pixel": (0.08, pixel),
}
"""Each style's share of the decorated variants (they add up to 1)."""


def decorate(g: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One style drawn at its share: uint8 (H, W) white-on-black glyph -> (styled glyph, name).

    The result may be larger than ``g`` (frames, shadows); it is white on black and has
    ink, ready to be cropped and framed like any render.
    """
    names = list(STYLES)
    shares = np.array([STYLES[n][0] for n in names])
    name = names[int(rng.choice(len(names), p=shares / shares.sum()))]
    out = STYLES[name][1](g, rng)
    if out.max() < 128:  # the effect ate the glyph (a hairline face eroded away)
        return g, "plain"
    return out, name
