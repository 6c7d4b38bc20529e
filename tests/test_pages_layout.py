"""Every page tfdojo writes fits a 1280 px screen and a phone's: nothing runs off the side.

The run report, the comparison page and a lesson's page are opened in headless Chromium
at 1280 and at 390 CSS pixels wide; the page must not scroll sideways (a table may scroll
inside its own card), no caption or preformatted block may run past the viewport, and the
screenshot must show the page (not blank).
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from tfdojo.cli import main
from tfdojo.data import dataset
from tfdojo.training import train

WIDTHS = (1280, 390)

OVERFLOW = """
const width = document.documentElement.clientWidth;
const out = [];
for (const el of document.querySelectorAll('pre, p, h1, h2, img, .card, section, table')) {
  const box = el.getBoundingClientRect();
  if (box.width && box.right > width + 1 && !el.closest('table')) {
    out.push(el.tagName + ' ' + (el.textContent || el.src || '').slice(0, 60));
  }
}
return [document.documentElement.scrollWidth, width, out];
"""


@pytest.fixture(scope="module")
def pages(tiny_dataset, tmp_path_factory):
    """A run report, a comparison page and a lesson page, built from two tiny runs."""
    from tfdojo.results.report import WriteReport
    from tfdojo.teaching.lessons import outputs, variants

    root = tmp_path_factory.mktemp("pages")
    data = dataset.load(tiny_dataset)
    for name in ("logistic", "cnn_course"):
        cfg = train.make_config(name, sets=["epochs=1"])
        train.train(cfg, data, root / name, progress=False, callbacks=[WriteReport()])
    compare = root / "pair" / "compare.html"
    assert (
        main(
            ["compare", str(root / "logistic"), str(root / "cnn_course"), "--report", str(compare)]
        )
        == 0
    )
    ctx = variants.Context(data=data, out=root / "lesson", quick=True)
    rows = [
        variants.Row(
            key=name, label=f"{name}, a long label that a phone has to wrap somewhere", model=name,
            params=1, train_n=len(data.train), epochs=1, train_accuracy=0.9,
            valid_accuracy=0.9, test_accuracy=0.9, test_ci95=(0.85, 0.95), seconds=1.0,
            run=str(root / name), course="82.9–86.1% (GD/SGD, 200k)",
            versus="+12, p = 0.004 (significant)",
        )
        for name in ("logistic", "cnn_course")
    ]  # fmt: skip
    notes = [("A wide note", "x" * 300 + "\n" + " ".join(["word"] * 80))]
    result = outputs.LessonResult(1, "A lesson", rows, notes, [], 1.0, quick=True)
    lesson = outputs.write_outputs(ctx, result)
    return {
        "report": root / "logistic" / "report" / "report.html",
        "compare": compare,
        "lesson": lesson,
    }


@pytest.mark.parametrize("page", ["report", "compare", "lesson"])
@pytest.mark.parametrize("width", WIDTHS)
def test_page_fits_the_screen(browser, pages, page, width, tmp_path):
    from PIL import Image

    browser.set_window_size(width, 900)
    browser.get(pages[page].resolve().as_uri())
    inner = browser.execute_script("return window.innerWidth")
    if inner != width:  # the window's frame: size the viewport itself
        browser.set_window_size(2 * width - inner, 900)
    scroll, client, overflowing = browser.execute_script(OVERFLOW)
    assert scroll <= client + 1, f"{page} at {width} px scrolls sideways ({scroll} > {client})"
    assert overflowing == [], overflowing
    shot = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("L")
    pixels = np.asarray(shot, dtype=np.float64)
    assert pixels.std() > 20 and len(np.unique(pixels)) > 30  # a page, not a blank
    shot.save(tmp_path / f"{page}-{width}.png")
