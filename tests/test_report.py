"""Reports: figures on constructed arrays, then a real report per model type, in a browser."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import HEADLESS_CHROMIUM
from tfdojo.cli import main
from tfdojo.results import plots

FIGURES = ["confused", "confusion", "curves", "mistakes", "per_class", "weights"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def decode_embedded(page: str) -> list:
    """Every base64 PNG embedded in ``page``, decoded and verified by Pillow."""
    from PIL import Image

    found = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    images = []
    for data in found:
        img = Image.open(io.BytesIO(base64.b64decode(data, validate=True)))
        img.load()
        images.append(img)
    return images


def screenshot(page: Path, out: Path) -> Path:
    """Render ``page`` in headless Chromium, return the screenshot's path."""
    profile = tempfile.mkdtemp(prefix="tfdojo-chromium-")
    try:
        subprocess.run(
            [
                CHROMIUM,
                *HEADLESS_CHROMIUM,
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                "--window-size=1200,3000",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out


# --------------------------------------------------------------------------- figures


@pytest.fixture(scope="module")
def fake_predictions():
    rng = np.random.default_rng(0)
    n = 120
    y = rng.integers(0, 10, n)
    images = np.zeros((n, 28, 28), np.uint8)
    images[:, 6:22, 8:20] = 255
    logits = rng.normal(size=(n, 10))
    logits[np.arange(n), y] += 2.0
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return images, y, proba


def test_figures_stay_out_of_pyplot_and_show_the_counts(fake_predictions):
    import matplotlib
    import matplotlib.pyplot as plt

    images, y, proba = fake_predictions
    pred = proba.argmax(1)
    history = [{"epoch": 1, "train_loss": 1.0, "valid_loss": 1.1}]
    backend, open_figures = matplotlib.get_backend(), plt.get_fignums()
    figs = [
        plots.training_curves(history),
        plots.confusion_matrix(y, pred),
        plots.per_class_accuracy(y, pred),
        plots.confused_pairs(images, y, pred),
        plots.misclassified_grid(images, y, proba),
        plots.weight_templates(np.ones((784, 10))),
        plots.unit_templates(np.ones((784, 30))),
        plots.conv_filters(np.ones((5, 5, 1, 6))),
        plots.compare_accuracies(("a", "b"), (0.8, 0.81), ((0.78, 0.82), (0.79, 0.83)), 4, 7),
        plots.disagreement_examples(images, y, proba, np.roll(proba, 1, axis=0)),
    ]
    figs.append(plots.sample_grid(_FakeDataset(images, y), per_class=3))
    # built on Figure directly: nothing joins pyplot's registry, the backend is left alone
    assert plt.get_fignums() == open_figures and matplotlib.get_backend() == backend
    # the confusion matrix writes each non-zero count in its cell (row: true, column: answer)
    counts = plots.confusion_counts(y, pred)
    written = {
        (round(t.get_position()[1]), round(t.get_position()[0])): int(t.get_text())
        for t in figs[1].axes[0].texts
    }
    assert written == {(i, j): int(counts[i, j]) for i, j in zip(*np.nonzero(counts))}


class _FakeDataset:
    def __init__(self, images, labels):
        from tfdojo.data.dataset import make_split

        self.test = make_split(images, labels.astype(np.uint8))

    def split(self, name):
        return self.test


def test_confusion_counts_and_most_confused():
    y = np.array([0, 0, 0, 1, 1, 2])
    p = np.array([0, 1, 1, 1, 0, 2])
    c = plots.confusion_counts(y, p)
    assert c[0, 1] == 2 and c[1, 0] == 1 and c.trace() == 3 and c.sum() == 6
    assert plots.most_confused(y, p) == [(0, 1, 2), (1, 0, 1)]


def test_history_series_from_history_rows():
    rows = [
        {"epoch": 1, "train_loss": 2.0, "valid_loss": 2.5},
        {"epoch": 2, "train_loss": 1.0, "valid_loss": 1.5},
    ]
    assert plots.history_series(rows) == {
        "epoch": [1.0, 2.0],
        "train_loss": [2.0, 1.0],
        "valid_loss": [2.5, 1.5],
    }
    assert plots.history_series([]) == {"epoch": []}


def test_no_mistakes_gives_a_message_figure(fake_predictions):
    images, y, _ = fake_predictions
    fig = plots.misclassified_grid(images, y, np.eye(10)[y])
    assert "no misclassified" in fig.axes[0].texts[0].get_text()


def test_weight_figures_refuse_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(784, 10\)"):
        plots.weight_templates(np.ones((784, 11)))
    with pytest.raises(ValueError, match=r"\(k, k, 1, depth\)"):
        plots.conv_filters(np.ones((3, 3, 16, 32)))


# --------------------------------------------------------------------------- real runs


@pytest.fixture(scope="session")
def runs_by_kind(tiny_dataset, tmp_path_factory):
    """One finished run per model type, 1 epoch each (training writes the report too)."""
    from tfdojo.data import dataset
    from tfdojo.results.report import WriteReport
    from tfdojo.training import train

    data = dataset.load(tiny_dataset)
    root = tmp_path_factory.mktemp("report_runs")
    out = {}
    for kind, preset in (("logistic", "logistic"), ("mlp", "mlp"), ("cnn", "cnn_course")):
        cfg = train.make_config(preset, sets=["epochs=1"])
        train.train(cfg, data, root / kind, progress=False, callbacks=[WriteReport()])
        out[kind] = root / kind
    return out


@pytest.mark.parametrize("kind", ["logistic", "mlp", "cnn"])
def test_training_writes_the_report(runs_by_kind, kind):
    report = runs_by_kind[kind] / "report"
    assert (report / "report.html").is_file()
    assert sorted(p.stem for p in report.glob("*.png")) == FIGURES
    page = (report / "report.html").read_text()
    images = decode_embedded(page)
    assert len(images) == len(FIGURES)
    # the page's numbers are metrics.json's
    m = json.loads((runs_by_kind[kind] / "metrics.json").read_text())
    lo, hi = m["test_ci95"]
    assert f'<div class="value">{m["test_accuracy"]:.2%}</div>' in page
    assert f"95% interval {lo:.2%} – {hi:.2%}<br>{m['test_correct']:,} of {m['test_n']:,}" in page
    assert f"{m['valid_accuracy']:.2%}" in page and f"{m['params']:,} parameters" in page
    assert f"{m['test_n']:,} test images" in page and "Resolved config" in page
    title = {
        "logistic": "What the logistic model looks for",
        "mlp": "What the first hidden units look for",
        "cnn": "First convolution&#x27;s filters",
    }[kind]
    assert title in page


@pytest.mark.parametrize("kind", ["logistic", "mlp", "cnn"])
def test_cli_report_out_and_screenshot(runs_by_kind, kind, tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "r" / f"{kind}.html"
    assert main(["report", str(runs_by_kind[kind]), "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    page = out.read_text()
    assert "http://" not in page and "https://" not in page  # self-contained
    for img in decode_embedded(page):
        assert img.format == "PNG" and img.size[0] > 100 and img.size[1] > 50
    for png in out.parent.glob("*.png"):
        with Image.open(png) as img:
            img.verify()

    if CHROMIUM is None:
        if os.environ.get("TFDOJO_REQUIRE_BROWSER"):
            pytest.fail("TFDOJO_REQUIRE_BROWSER is set but chromium is not installed")
        pytest.skip("chromium is not installed")
    shot = screenshot(out, tmp_path / f"{kind}-screenshot.png")
    with Image.open(shot) as img:
        assert img.format == "PNG" and img.size == (1200, 3000)
        pixels = np.asarray(img.convert("L"), dtype=np.float64)
    # not blank: the dark header, white cards and figures give many grey levels
    assert pixels.std() > 20
    assert len(np.unique(pixels)) > 50
    assert (pixels[:60] < 80).mean() > 0.5  # the dark header band rendered at the top


def test_report_refuses_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tfdojo: error:") and "config.json" in err
