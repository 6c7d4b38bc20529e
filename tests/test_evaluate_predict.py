"""Using a trained run: evaluate on datasets, IDX files and folders; predict image files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from tfdojo import LETTERS, runs
from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.data import dataset
from tfdojo.data.idx import write_idx
from tfdojo.training import train


@pytest.fixture(scope="module")
def trained(tiny_dataset, tmp_path_factory):
    """A course convnet trained briefly on the tiny font dataset."""
    run = tmp_path_factory.mktemp("eval") / "run"
    cfg = train.make_config("cnn_course", sets=["epochs=10", "batch_size=32"])
    metrics = train.train(cfg, dataset.load(tiny_dataset), run, progress=False).metrics
    return run, metrics


def test_evaluate_on_idx_files_matches_the_run(trained, tiny_dataset, tmp_path, capsys):
    run, metrics = trained
    test = dataset.load(tiny_dataset).test
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", test.images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", test.labels)
    assert (
        main(
            ["evaluate", str(run), "--data", str(tmp_path / "t10k-images-idx3-ubyte.gz"), "--json"]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == metrics["test_n"] == len(test)
    assert out["correct"] == metrics["test_correct"]
    assert out["accuracy"] == pytest.approx(metrics["test_accuracy"])
    low, high = out["ci95"]
    assert low < out["accuracy"] < high or out["accuracy"] in (0.0, 1.0)
    assert list(out["per_class"]) == list(LETTERS)
    # Per-class accuracies average (weighted by class counts) to the accuracy.
    counts = np.bincount(test.labels, minlength=10)
    weighted = sum(c * (a or 0) for c, a in zip(counts, out["per_class"].values())) / counts.sum()
    assert weighted == pytest.approx(out["accuracy"])


def test_evaluate_with_explicit_labels_and_dataset_folder(trained, tiny_dataset, tmp_path, capsys):
    run, metrics = trained
    test = dataset.load(tiny_dataset).test
    write_idx(tmp_path / "imgs.idx", test.images)
    write_idx(tmp_path / "lbls.idx", test.labels)
    assert (
        main(
            [
                "evaluate",
                str(run),
                "--data",
                str(tmp_path / "imgs.idx"),
                "--labels",
                str(tmp_path / "lbls.idx"),
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["correct"] == metrics["test_correct"]
    assert main(["evaluate", str(run), "--data", str(tiny_dataset)]) == 0
    out = capsys.readouterr().out
    assert "test split" in out and "95% CI" in out and "per class: A " in out


def test_accuracy_summary_by_hand():
    y = np.arange(100) % 10
    pred = np.where(np.arange(100) < 90, y, (y + 1) % 10)  # the last 10 wrong: 9 ... 0 -> +1
    s = runs.accuracy_summary(y, pred)
    assert (s["n"], s["correct"], s["accuracy"]) == (100, 90, 0.9)
    assert [round(v, 4) for v in s["ci95"]] == [0.8256, 0.9448]  # Wilson, z = 1.96
    assert s["per_class"] == {letter: 0.9 for letter in "ABCDEFGHIJ"}


def test_evaluate_refuses_what_tfdojo_did_not_make(trained, tiny_dataset, tmp_path, capsys):
    run, _ = trained
    (tmp_path / "config.json").write_text('{"model": {}, "engine": "tensorflow"}')
    assert main(["evaluate", str(tmp_path), "--data", str(tiny_dataset)]) == 2
    assert "has no metrics.json" in capsys.readouterr().err
    (tmp_path / "metrics.json").write_text('{"model": "x"}')
    assert main(["evaluate", str(tmp_path), "--data", str(tiny_dataset)]) == 2
    assert "not written by tfdojo; refused" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "nope"), "--data", str(tiny_dataset)]) == 2
    assert "is not a folder" in capsys.readouterr().err
    with pytest.raises(TfdojoError, match="labels: expected shape"):
        runs.evaluate(run, np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))


def render(letter: str, dark_on_light: bool, size=(90, 120), colour=False) -> Image.Image:
    """A letter drawn large in DejaVu Sans Bold, off-centre, in the given polarity."""
    import matplotlib

    font = ImageFont.truetype(
        str(
            __import__("pathlib").Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans-Bold.ttf"
        ),
        70,
    )
    bg, ink = (245, 20) if dark_on_light else (10, 230)
    img = Image.new("L", size, bg)
    ImageDraw.Draw(img).text((12, 20), letter, fill=ink, font=font)
    return img.convert("RGB") if colour else img


def test_predict_both_polarities(trained, tmp_path, capsys):
    run, _ = trained
    paths = {}
    for letter in LETTERS:
        for dark in (True, False):
            p = tmp_path / f"{letter}-{'dark' if dark else 'light'}.{'jpg' if dark else 'png'}"
            render(letter, dark, colour=dark).save(p, quality=95)
            paths[letter, dark] = p
    results = runs.predict_files(run, [paths[k] for k in sorted(paths)])
    by = {k: r for k, r in zip(sorted(paths), results)}
    right = 0
    for letter in LETTERS:
        a, b = by[letter, True], by[letter, False]
        assert a["letter"] == b["letter"]  # polarity does not change the answer
        np.testing.assert_allclose(
            list(a["probabilities"].values()), list(b["probabilities"].values()), atol=0.05
        )
        assert sum(a["probabilities"].values()) == pytest.approx(1, abs=1e-5)
        right += a["letter"] == letter
    assert right >= 7, f"only {right}/10 letters recognised"
    assert main(["predict", str(run), str(paths["A", True]), "--json"]) == 0
    (one,) = json.loads(capsys.readouterr().out)
    assert one["image"] == str(paths["A", True]) and set(one["probabilities"]) == set(LETTERS)


def test_predict_errors(trained, tmp_path, capsys):
    run, _ = trained
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    assert main(["predict", str(run), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tfdojo: error: {bad}: not an image tfdojo reads")
    assert len(err.strip().splitlines()) == 1
    assert main(["predict", str(run), str(tmp_path / "missing.png")]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: {tmp_path / 'missing.png'}: no such file; expected an image "
        "(PNG, JPEG, ...)\n"
    )


def test_predict_says_when_an_image_has_no_ink(trained, tmp_path, capsys):
    from PIL import Image

    run, _ = trained
    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(blank)
    assert main(["predict", str(run), str(blank), "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["ink"] is False and "no ink" in result["warning"]
    assert main(["predict", str(run), str(blank)]) == 0
    err = capsys.readouterr().err
    assert err == f"tfdojo: warning: {blank}: {result['warning']}\n"
