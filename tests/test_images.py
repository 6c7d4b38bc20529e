"""Opening pictures from users: the pixel cap is checked from the header, before decoding."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tfdojo.core.errors import TfdojoError
from tfdojo.data.frame import WORK_SIDE, ImageTooLarge, frame_image, open_image, shrink

from .hostile import MiB, png
from .memory import peak_rss_growth


def letter_png(size: tuple[int, int], mode: str = "L") -> bytes:
    """A dark bar on white, as PNG bytes."""
    img = Image.new(mode, size, "white")
    w, h = size
    ImageDraw.Draw(img).rectangle((w // 3, h // 6, w // 2, h * 5 // 6), fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_opens_a_path_bytes_and_a_file_object(tmp_path):
    data = letter_png((40, 30))
    path = tmp_path / "a.png"
    path.write_bytes(data)
    for source in (path, str(path), data, io.BytesIO(data)):
        img = open_image(source)
        assert img.size == (40, 30) and img.mode == "L"
        assert np.asarray(img).min() == 0 and np.asarray(img).max() == 255


def test_50000_square_png_is_refused_without_a_traceback(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png(50_000, 50_000, pixels=False))
    with pytest.raises(ImageTooLarge) as err:
        open_image(path)
    assert str(err.value) == (
        f"{path}: expected an image of at most 16,777,216 pixels, received more than "
        "178,956,970; refused before decoding"
    )


def test_13000_square_rgba_png_is_refused_before_decoding(tmp_path):
    # Pillow only warns at this size; decoded it is 676 MB (8.5 GB on the way to a frame).
    path = tmp_path / "bomb.png"
    path.write_bytes(png(13_000, 13_000, "RGBA", pixels=False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning on stderr either
        with pytest.raises(ImageTooLarge) as err:
            open_image(path)
    assert str(err.value) == (
        f"{path}: expected an image of at most 16,777,216 pixels, received 13000x13000 "
        "(169,000,000); refused before decoding"
    )


def test_refused_image_is_never_decoded(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png(8192, 8192, "RGBA"))  # 260 KB; 268 MB decoded
    result, growth = peak_rss_growth(lambda: open_image(path))
    assert isinstance(result, ImageTooLarge)
    assert growth < 10 * MiB


def test_cap_is_a_parameter_and_names_the_input():
    data = letter_png((29, 28))
    with pytest.raises(ImageTooLarge, match=r"^upload: .* at most 784 pixels, received 29x28"):
        open_image(data, "upload", max_pixels=784)
    assert open_image(data, "upload", max_pixels=812).size == (29, 28)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "image: received no bytes; expected a PNG or JPEG file"),
        (b"hello, world", "image: not an image tfdojo reads; expected PNG, JPEG, GIF, BMP, WebP"),
        (
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n",
            "image: not an image tfdojo reads",
        ),
        (letter_png((40, 30))[:60], "image: not a readable image (image file is truncated"),
    ],
)
def test_unreadable_bytes_are_one_line(data, message):
    with pytest.raises(TfdojoError) as err:
        open_image(data)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(TfdojoError, match=r"nope\.png: no such file; expected an image"):
        open_image(tmp_path / "nope.png")
    with pytest.raises(TfdojoError, match="is a folder; expected an image file"):
        open_image(tmp_path)


def test_a_large_photo_is_framed_in_bounded_memory(tmp_path):
    # 4096 x 4096 RGBA is under the cap; framing its float copies whole took 830 MB.
    path = tmp_path / "photo.png"
    path.write_bytes(letter_png((4096, 4096), "RGBA"))
    framed, growth = peak_rss_growth(lambda: frame_image(open_image(path)))
    small = frame_image(Image.open(io.BytesIO(letter_png((1024, 1024), "RGBA"))))
    assert np.abs(framed.astype(int) - small).mean() < 6  # the same letter, either size
    assert framed.mean() > 200  # the bar, inverted and stretched: mostly ink
    assert growth < 200 * MiB


def test_shrink_keeps_aspect_and_small_images():
    img = Image.new("RGB", (4000, 3000))
    assert shrink(img, WORK_SIDE).size == (1024, 768)
    assert shrink(Image.new("P", (3000, 10)), WORK_SIDE).size == (1024, 3)
    small = Image.new("L", (100, 50))
    assert shrink(small, WORK_SIDE) is small
