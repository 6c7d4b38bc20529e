"""`tfdojo lesson N --quick` end to end on the tiny dataset; the lessons' shared pieces."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfdojo import runs
from tfdojo.cli import main
from tfdojo.core import stats
from tfdojo.data import dataset
from tfdojo.data.dataset import Split
from tfdojo.teaching.lessons import data as lesson_data
from tfdojo.teaching.lessons import tables, variants

pytestmark = pytest.mark.slow

ROWS = {1: 4, 2: 3, 3: 7, 4: 5}  # table rows per lesson (3 and 4 add their reference)


@pytest.fixture(scope="module")
def lessons_out(tmp_path_factory):
    """One lessons folder for the four quick lessons, so 3 and 4 reuse the earlier runs."""
    return tmp_path_factory.mktemp("lessons")


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_quick_lesson_prints_its_table_and_writes_its_outputs(
    capsys, tiny_dataset, lessons_out, number
):
    argv = ["lesson", str(number), "--quick", "--data", str(tiny_dataset)]
    assert main([*argv, "--out", str(lessons_out)]) == 0
    out = capsys.readouterr().out
    folder = lessons_out / f"lesson{number}"
    assert f"Lesson {number} results" in out
    assert "test acc (95% CI)" in out and "course*" in out
    assert "measured on a different test set" in out
    assert "real acc" not in out  # no --real: no real column
    assert f"report: {folder / 'index.html'}" in out

    results = json.loads((folder / "results.json").read_text())
    assert results["quick"] is True and results["data"] == str(tiny_dataset)
    rows = results["rows"]
    assert len(rows) == ROWS[number]
    test = dataset.load(tiny_dataset).test
    for row in rows:
        # the table's accuracy is the run's model's, on the dataset's whole test split
        run = runs.open_run(folder / row["run"])
        correct = int((run.model().predict(test.images) == test.labels).sum())
        assert row["test_accuracy"] == correct / len(test) == run.metrics["test_accuracy"]
        assert row["test_ci95"] == pytest.approx(stats.wilson_interval(correct, len(test)))
        assert not (folder / row["run"] / "report").exists()  # drawn when asked for
        assert row["label"] in out
    # every row but the first is compared with a reference by McNemar
    assert all("p = " in r["versus"] for r in rows[1:])
    assert any(r["course"] for r in rows)
    page = (folder / "index.html").read_text()
    assert "<table>" in page and "tfdojo report RUN" in page
    assert "| variant |" in (folder / "results.md").read_text()

    if number == 1:
        n_train = len(dataset.load(tiny_dataset).train)
        assert [r["train_n"] for r in rows] == [50, 100, 500, n_train]  # quick sizes, then all
        assert [r["params"] for r in rows] == [7850] * 4
        assert f"Is the last step (500 images -> all {n_train:,}) a real gain?" in out
        assert rows[0]["label"].startswith("logistic, 50 images (median of 3 draws: ")
        assert out.rstrip().splitlines()[-3].startswith("quick: a quick lesson: at most 5,000")
        assert "exact duplicates removed" in out and "softmax" in out.lower()
        assert "data:image/png;base64" in page  # the sample grid
    if number == 2:
        assert "the hand-written back-propagation and TensorFlow agree" in out
        assert [r["params"] for r in rows] == [7850, 7850, 814090]
    if number == 3:
        assert "reusing lesson 2's" in out  # lesson 2's network, not trained again
        assert rows[0]["label"] == "lesson 2's network"
        overfit = next(r for r in rows if r["key"] == "overfit")
        assert overfit["train_n"] == 384
    if number == 4:
        assert "reusing lesson 3's" in out
        assert rows[0]["label"].startswith("best earlier")
        assert "'VALID'       2     13      13      8     224" in out  # the deck's table
        assert {r["model"] for r in rows[1:]} == {"cnn_course", "lenet5", "cnn"}


@pytest.fixture(scope="module")
def labelled_idx(tiny_dataset, tmp_path_factory):
    """A small labelled IDX pair standing in for real images: the tiny dataset's valid split."""
    from tfdojo.data.idx import write_idx

    valid = dataset.load(tiny_dataset).valid
    folder = tmp_path_factory.mktemp("real")
    write_idx(folder / "other-images-idx3-ubyte.gz", valid.images)
    write_idx(folder / "other-labels-idx1-ubyte.gz", valid.labels)
    return folder / "other-images-idx3-ubyte.gz", valid


def test_lesson_with_real_images_scores_every_row_on_them(
    capsys, tiny_dataset, labelled_idx, tmp_path
):
    images, valid = labelled_idx
    argv = ["lesson", "2", "--quick", "--data", str(tiny_dataset), "--out", str(tmp_path)]
    assert main([*argv, "--real", str(images)]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "lesson2"
    results = json.loads((folder / "results.json").read_text())
    assert results["real"] == str(images)
    header = next(line for line in out.splitlines() if line.startswith("variant"))
    assert header.index("test acc (95% CI)") < header.index("real acc (95% CI)***")
    assert f"*** real: accuracy on {images} ({len(valid):,} labelled images" in out
    for row in results["rows"]:
        # each row's real accuracy is its run's model on those images, with its interval
        model = runs.open_run(folder / row["run"]).model()
        correct = int((model.predict(valid.images) == valid.labels).sum())
        assert row["real_accuracy"] == correct / len(valid)
        assert row["real_ci95"] == pytest.approx(stats.wilson_interval(correct, len(valid)))
        lo, hi = row["real_ci95"]
        cell = f"{row['real_accuracy']:.2%} ({lo:.1%}–{hi:.1%})"
        assert cell in out
    page = (folder / "index.html").read_text()
    assert "real acc (95% CI)***" in page and cell in page
    assert "real acc (95% CI)\\*\\*\\*" in (folder / "results.md").read_text()


def test_lesson_real_images_refused_before_any_training(capsys, tiny_dataset, tmp_path):
    argv = ["lesson", "1", "--quick", "--data", str(tiny_dataset), "--out", str(tmp_path)]
    assert main([*argv, "--real", str(tmp_path / "nothing-images-idx3-ubyte.gz")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tfdojo: error: ") and "nothing-images-idx3-ubyte.gz" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "lesson1").exists()
    assert main([*argv, "--real-labels", str(tmp_path / "labels")]) == 2
    assert "--real-labels: only with --real" in capsys.readouterr().err


def test_table_without_real_rows_has_no_real_column():
    row = variants.Row(
        "k", "logistic", "logistic", 7850, 100, 1, 0.9, 0.8, 0.75, (0.7, 0.8), 1.0, "r"
    )
    assert tables.REAL_HEADER not in tables.format_table([row])
    row.real_accuracy, row.real_ci95 = 0.5, (0.4, 0.6)
    text = tables.format_table([row], real="real: accuracy on X")
    assert tables.REAL_HEADER in text and "50.00% (40.0%–60.0%)" in text
    assert text.endswith("*** real: accuracy on X")


@pytest.mark.parametrize("bad", ["5", "0", "one", "1.0"])
def test_a_wrong_lesson_number_is_one_line_listing_the_lessons(capsys, bad):
    assert main(["lesson", bad, "--quick"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"tfdojo: error: lesson: expected one of 1, 2, 3, 4, received {bad!r}"


def test_missing_data_gives_the_build_hint(capsys, tmp_path):
    assert main(["lesson", "1", "--quick", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "run `tfdojo data build`" in err
    assert len(err.strip().splitlines()) == 1


def test_lessons_lists_the_lessons_and_how_to_open_them(capsys):
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    for n in (1, 2, 3, 4):
        assert f"tfdojo lesson {n} [--quick]" in out
    assert "01-notmnist-logistic.ipynb" in out
    assert "pip install -e '.[notebooks]'" in out and "tfdojo lessons open" in out


def test_lessons_open_without_jupyterlab_says_how_to_install_it(capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "jupyterlab" else real(name, *a),
    )
    assert main(["lessons", "open"]) == 2
    err = capsys.readouterr().err
    assert "pip install -e '.[notebooks]'" in err and "jupyter lab" in err


def test_subsample_is_balanced_and_deterministic():
    labels = np.repeat(np.arange(10), 30).astype(np.uint8)
    split = Split(np.zeros((300, 28, 28), np.uint8), labels, np.arange(300, dtype=np.int32))
    a = lesson_data.subsample(split, 50)
    assert len(a) == 50 and a.class_counts() == [5] * 10
    assert np.array_equal(a.font_ids, lesson_data.subsample(split, 50).font_ids)
    assert len(lesson_data.subsample(split, 55)) == 55
    assert lesson_data.subsample(split, 1000) is split


def test_epochs_for_steps():
    assert lesson_data.epochs_for_steps(50, 128, 300) == 200  # one full batch a step, capped
    assert lesson_data.epochs_for_steps(1000, 128, 300) == 43  # 7 steps an epoch
    assert lesson_data.epochs_for_steps(10**6, 128, 300) == 1


def test_the_progress_line_adds_to_the_label_without_repeating_it():
    words = variants.progress_words
    assert words("logistic, 50 images, draw 1 of 3", "logistic", 50, 30) == ["30 epochs"]
    assert words("logistic, all 5,000 images", "logistic", 5000, 1) == ["1 epoch"]
    assert words("1 hidden layer, 1,024 ReLU", "mlp", 5000, 2) == [
        "mlp",
        "5,000 images",
        "2 epochs",
    ]


def test_the_verdicts_of_a_row_name_it_once_and_its_reference_without_its_draws():
    labels = np.arange(40) % 10
    ref = variants.Row(
        "a", "logistic, 50 images (median of 3 draws: 70.0%–85.0%)", "logistic", 7850, 50, 1,
        0.9, 0.8, 0.75, (0.7, 0.8), 1.0, "r", predictions=(labels + (np.arange(40) < 9)) % 10,
    )  # fmt: skip
    row = variants.Row(
        "b", "logistic, 100 images", "logistic", 7850, 100, 1, 0.9, 0.8, 0.75, (0.7, 0.8),
        1.0, "r", predictions=labels,
    )  # fmt: skip
    test = Split(np.zeros((40, 28, 28), np.uint8), labels, labels)
    ctx = variants.Context(data=type("Data", (), {"test": test})(), out=None)
    tables.versus(ctx, ref, row)
    assert row.versus_detail.startswith("rule of 30: this variant is ahead by 9 examples of 40")
    assert "(0 for logistic, 50 images, 9 for this variant)" in row.versus_detail
    assert row.label not in row.versus_detail and "median" not in row.versus_detail
