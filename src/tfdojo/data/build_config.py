"""What a ``tfdojo data build`` depends on: :class:`BuildConfig`, each setting with its range.

Saved in the dataset's ``manifest.json``; ``tfdojo data build --set KEY=VALUE`` overrides it
(:mod:`tfdojo.core.typed_config`), and every override goes through :meth:`BuildConfig.validate`.
"""

from __future__ import annotations

import dataclasses

from tfdojo.core import bounds
from tfdojo.data import curate
from tfdojo.data.augment import Look
from tfdojo.data.render import RENDER_SIZE

MAX_VARIANTS = 100
"""Most variants per training glyph: 100 make ~1.4 million training images (1.1 GB of
pixels) from the ~2,000 faces of a Debian desktop, eight times the default build."""
MIN_RENDER_SIZE, MAX_RENDER_SIZE = 32, 256
"""Font sizes rendered: below 32 pixels the glyphs lose their shape before framing; at 256
the augmentation takes four times the default's (64) time, at 512 seventeen times."""


@dataclasses.dataclass(frozen=True)
class BuildConfig:
    """How to build the dataset. Defaults give ~180k training images from ~2,000 faces.

    Every value has a range; :meth:`validate` refuses one outside it, NaN or infinity.

    Attributes:
        variants: augmented variants per training glyph, on average (classes with fewer
            glyphs get more, so every class ends with the same count); 0 = plain renders;
            0..100 (:data:`MAX_VARIANTS`).
        seed: the one seed every random choice derives from; 0..2**63-1.
        valid_fraction, test_fraction: share of the glyphs (by whole font families), each
            in (0, 0.5).
        render_size: font size in pixels before framing to 28x28; 32..256.
        near_rms: near-duplicate threshold across splits (RMS pixel difference), in [0, 255].
        styles: share of the variants drawn in a decorative style (outline, shadow,
            stripes, cut out of a box, ...: :mod:`~tfdojo.data.styles`), in [0, 1].
        lowercase: share of the variants drawn from the lower-case letter (display and
            unicase faces draw some capitals so), where the face has one; in [0, 1].
        augment_eval: draw every valid and test glyph as one augmented variant (the
            training's look: slant, rotation, framing, styles) instead of its plain render,
            so that those splits are as varied as real images; still one image per glyph,
            so the test images stay independent draws for the intervals and McNemar.
        reframe, rotation, shear: the variants' framing (a share in [0, 1]), rotation (a
            spread in degrees, in [0, 45]) and slant (a spread in [0, 1])
            (:class:`~tfdojo.data.augment.Look`).
    """

    variants: int = 12
    seed: int = 0
    valid_fraction: float = 0.1
    test_fraction: float = 0.2
    render_size: int = RENDER_SIZE
    near_rms: float = curate.NEAR_RMS
    styles: float = Look.styles
    lowercase: float = 0.0
    augment_eval: bool = False
    reframe: float = Look.reframe
    rotation: float = Look.rotation
    shear: float = Look.shear

    def look(self) -> Look:
        """The variants' :class:`~tfdojo.data.augment.Look`."""
        return Look(
            styles=self.styles, reframe=self.reframe, rotation=self.rotation, shear=self.shear
        )

    def validate(self) -> None:
        """Refuse a value outside its range (see the attributes), NaN or infinity.

        Raises:
            TfdojoError: one line naming the setting, its range and the value received.
        """
        bounds.whole("variants", self.variants, 0, MAX_VARIANTS)
        bounds.whole("seed", self.seed, 0, bounds.MAX_SEED)
        for name in ("valid_fraction", "test_fraction"):
            bounds.number(name, getattr(self, name), 0, 0.5, "a share", True, True)
        size = "a font size in pixels"
        bounds.whole("render_size", self.render_size, MIN_RENDER_SIZE, MAX_RENDER_SIZE, size)
        bounds.number("near_rms", self.near_rms, 0, 255, "an RMS pixel difference")
        bounds.number("lowercase", self.lowercase, 0, 1, "a share")
        self.look()  # styles, reframe, rotation, shear: Look checks its own
