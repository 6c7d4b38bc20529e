"""Augmented variants of a rendered glyph that still look like real notMNIST.

A variant is made from the large ink-cropped glyph (before framing), so that the
distortions act on a smooth shape, then framed to 28x28 like every image:

- stroke weight: thicker or thinner strokes (max/min filter), p = 0.3;
- rotation: angle ~ N(0, 4 deg), clipped to +-10 deg;
- shear: horizontal slant ~ N(0, 0.12), clipped to +-0.3;
- scale and aspect: usually the glyph fills the frame (notMNIST stretches it);
  sometimes it fills 80-100% of each side independently;
- rare margins: p = 0.06, the glyph fills only 55-80% of the frame, placed anywhere;
- rare blur: p = 0.04, a slight Gaussian blur (radius 0.4-0.8 px at 28x28);
- decorative styles: with probability ``style_rate`` (0 by default), one of the display
  looks of :mod:`tfdojo.data.styles` (outline, shadow, stripes, cut out of a box, ...).

All randomness comes from the ``rng`` passed in.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from tfdojo.core import bounds
from tfdojo.data import styles
from tfdojo.data.frame import SIZE, fill_frame, ink_bbox


def _stroke(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    if rng.random() >= 0.3:
        return img
    # Filters act in pixels of the large render (~70 px tall): 3 px ~ a light weight change.
    size = 3 if rng.random() < 0.85 else 5
    pad = ImageOps.expand(img, border=size, fill=0)
    if rng.random() < 0.5:
        return pad.filter(ImageFilter.MaxFilter(size))
    thinner = pad.filter(ImageFilter.MinFilter(size))
    return thinner if ink_bbox(np.asarray(thinner), 40) is not None else pad


@dataclasses.dataclass(frozen=True)
class Look:
    """How far the variants stray from a plain render (the defaults: the default build).

    Attributes:
        styles: share drawn in a decorative style (:func:`styles.decorate`), in [0, 1].
        reframe: share that does not fill the frame: a sixth of them with wide margins
            (55-80% of each side), the rest at 80-100% of each side; in [0, 1].
        rotation: standard deviation of the rotation, in degrees (clipped at 2.5 of them),
            in [0, 45] (45: some letters on their side).
        shear: standard deviation of the slant (clipped at 2.5 of them), in [0, 1]
            (1: some letters slanted 68 degrees).

    Raises:
        TfdojoError: a value outside its range, NaN or infinity (one line naming it).
    """

    styles: float = 0.0
    reframe: float = 0.36
    rotation: float = 4.0
    shear: float = 0.12

    MAX_ROTATION = 45.0
    MAX_SHEAR = 1.0

    def __post_init__(self) -> None:
        bounds.number("styles", self.styles, 0, 1, "a share")
        bounds.number("reframe", self.reframe, 0, 1, "a share")
        bounds.number("rotation", self.rotation, 0, self.MAX_ROTATION, "a spread in degrees")
        bounds.number("shear", self.shear, 0, self.MAX_SHEAR, "a spread")


def _rotate_shear(img: Image.Image, rng: np.random.Generator, look: Look) -> Image.Image:
    """Slant then rotate, as one affine map (one resampling pass), growing the canvas to fit."""
    a = look.rotation
    angle = np.deg2rad(float(np.clip(rng.normal(0.0, a), -2.5 * a, 2.5 * a)))
    shear = float(np.clip(rng.normal(0.0, look.shear), -2.5 * look.shear, 2.5 * look.shear))
    w, h = img.size
    # Forward map on centred coordinates: p_out = R(angle) @ S(shear) @ p_in.
    c, s = np.cos(angle), np.sin(angle)
    forward = np.array([[c, -s], [s, c]]) @ np.array([[1.0, shear], [0.0, 1.0]])
    corners = np.array([[-w, -h], [w, -h], [-w, h], [w, h]]) / 2.0
    out = corners @ forward.T
    ow, oh = (int(np.ceil(v)) + 2 for v in out.max(0) - out.min(0))
    # PIL wants the inverse: p_in = inv @ (p_out - centre_out) + centre_in.
    inv = np.linalg.inv(forward)
    offset = np.array([w / 2, h / 2]) - inv @ np.array([ow / 2, oh / 2])
    data = (inv[0, 0], inv[0, 1], offset[0], inv[1, 0], inv[1, 1], offset[1])
    return img.transform(
        (ow, oh), Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR, fillcolor=0
    )


def variant(glyph: Image.Image, rng: np.random.Generator, look: Look = Look()) -> np.ndarray:
    """One augmented 28x28 uint8 variant of an ink-cropped 'L' glyph (white on black).

    ``look``: the rates and spreads (:class:`Look`). At ``look.styles`` 0 no random number
    is drawn for the styles, so the default variants are those of earlier builds.
    """
    img = _rotate_shear(_stroke(glyph, rng), rng, look)
    box = ink_bbox(np.asarray(img), threshold=16)
    if box is None:  # distortion lost the ink (never seen in practice): the plain glyph
        return fill_frame(glyph)
    img = img.crop(box)
    if look.styles > 0 and rng.random() < look.styles:
        styled, _name = styles.decorate(np.asarray(img), rng)
        box = ink_bbox(styled, threshold=16)
        img = Image.fromarray(styled).crop(box) if box is not None else img
    u = rng.random()
    if u < look.reframe / 6:  # rare margins
        w, h = (int(round(SIZE * f)) for f in rng.uniform(0.55, 0.8, size=2))
    elif u < look.reframe:  # scale / aspect jitter
        w, h = (int(round(SIZE * f)) for f in rng.uniform(0.8, 1.0, size=2))
    else:  # fill the frame, as notMNIST does
        w = h = SIZE
    out = np.zeros((SIZE, SIZE), np.uint8)
    x = int(rng.integers(0, SIZE - w + 1))
    y = int(rng.integers(0, SIZE - h + 1))
    out[y : y + h, x : x + w] = np.asarray(img.resize((w, h), Image.Resampling.LANCZOS))
    if rng.random() < 0.04:
        blurred = Image.fromarray(out).filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.8)))
        out = np.asarray(blurred, dtype=np.uint8)
    return out
