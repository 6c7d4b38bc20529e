"""Decorative styles on the large glyph: each draws what its name says, at its share."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import matplotlib_font_dir
from tfdojo.data import styles
from tfdojo.data.augment import Look, variant
from tfdojo.data.render import draw_glyph, load_font

SIDE = 60  # a large render: ~2 pixels of it per pixel of the 28x28 frame


def square(side: int = SIDE, ink: int = 40) -> np.ndarray:
    """A solid white ``ink`` x ``ink`` square centred on a black ``side`` x ``side`` canvas."""
    g = np.zeros((side, side), np.uint8)
    a = (side - ink) // 2
    g[a : a + ink, a : a + ink] = 255
    return g


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_shares_add_up_to_one_and_decorate_draws_them():
    assert sum(share for share, _ in styles.STYLES.values()) == pytest.approx(1.0)
    r = rng(1)
    names = [styles.decorate(square(), r)[1] for _ in range(2000)]
    for name, (share, _) in styles.STYLES.items():
        assert abs(names.count(name) / len(names) - share) < 0.03, name


@pytest.mark.parametrize("name", list(styles.STYLES))
def test_every_style_is_deterministic_white_on_black_uint8_with_ink(name):
    fn = styles.STYLES[name][1]
    a, b = fn(square(), rng(3)), fn(square(), rng(3))
    assert a.dtype == np.uint8 and a.ndim == 2 and np.array_equal(a, b)
    assert a.max() == 255 and (a > 127).sum() > 50


def test_outline_keeps_the_contour_and_empties_the_inside():
    out = styles.outline(square(), rng())
    c = out.shape[0] // 2
    assert out[c, c] == 0  # the middle of the square is hollow
    assert out[c, 2 + 10] == 255  # its left edge (10 px in, 2 px of padding) stays
    assert (out > 127).sum() < (square() > 127).sum() / 2


def test_inline_draws_a_dark_line_inside_the_strokes():
    g = square()
    out = styles.inline(g, rng())
    assert out.shape == g.shape and (out < g).any() and not (out > g).any()
    assert out[SIDE // 2, SIDE // 2] == 255  # the square's middle is still ink


def test_shadow_adds_ink_outside_the_glyph_and_leaves_a_gap():
    g = square()
    out = styles.shadow(g, rng())
    pad = (out.shape[0] - g.shape[0]) // 2
    inner = out[pad : pad + SIDE, pad : pad + SIDE]
    assert np.array_equal(inner[g == 255], g[g == 255])  # the glyph itself is untouched
    assert (out > 127).sum() > (g > 127).sum()  # plus its extrusion


def test_stripes_alternate_along_a_column():
    out = styles.stripes(square(), np.random.default_rng(0))
    column = out[12:48, SIDE // 2] > 127
    assert 0.2 < column.mean() < 0.9
    assert np.count_nonzero(np.diff(column.astype(int))) >= 4  # several on/off changes


def test_cutout_is_a_filled_block_with_the_glyph_dark():
    g = square(ink=20)
    for seed in range(8):
        out = styles.cutout(g, rng(seed))
        c = (out.shape[0] // 2, out.shape[1] // 2)
        assert out[c] == 0  # the glyph, cut out
        ring = out[c[0], c[1] - 15]  # beside it, inside the block
        assert ring == 255 and out.shape[0] > g.shape[0]


def test_frame_surrounds_the_glyph_with_a_thin_line():
    g = square(ink=20)
    out = styles.frame(g, rng(0))  # seed 0: a rectangle
    assert out.shape[0] > g.shape[0] and out.shape[1] > g.shape[1]
    c = out.shape[1] // 2
    column = out[:, c] > 127
    assert column[0] or column[1]  # the frame's top edge
    assert out[out.shape[0] // 2, c] == 255  # the glyph inside it


def test_pixel_look_is_made_of_hard_edged_cells():
    out = styles.pixel(square(), rng())
    assert set(np.unique(out)) <= {0, 255}


def test_decorate_keeps_the_glyph_when_an_effect_would_erase_it():
    hairline = np.zeros((SIDE, SIDE), np.uint8)
    hairline[:, SIDE // 2] = 255  # 1 px wide: an outline of it is nothing
    for seed in range(30):
        out, name = styles.decorate(hairline, rng(seed))
        assert out.max() >= 128, name


def test_variant_with_styles_differs_and_without_is_unchanged():
    font = load_font(matplotlib_font_dir() / "DejaVuSans-Bold.ttf")
    glyph = draw_glyph(font, "E")
    plain = [variant(glyph, rng(s)) for s in range(40)]
    again = [variant(glyph, rng(s), Look(styles=0.0)) for s in range(40)]
    styled = [variant(glyph, rng(s), Look(styles=1.0)) for s in range(40)]
    assert all(np.array_equal(a, b) for a, b in zip(plain, again))
    assert sum(not np.array_equal(a, b) for a, b in zip(plain, styled)) >= 30
    assert all(v.shape == (28, 28) and v.dtype == np.uint8 for v in styled)
