"""tfdojo.results.compare and `tfdojo compare`: counts on made-up predictions, then real runs."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil

import numpy as np
import pytest

from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.results.compare import Comparison, compare_predictions, format_comparison


def predictions(n: int, a_only: int, b_only: int, both_right: int, seed: int = 0):
    """Labels and two prediction vectors with exactly these outcome counts, shuffled."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    wrong = (y + 1) % 10
    outcome = np.array(
        ["ab"] * both_right
        + ["a"] * a_only
        + ["b"] * b_only
        + ["-"] * (n - both_right - a_only - b_only)
    )
    rng.shuffle(outcome)
    pred_a = np.where(np.isin(outcome, ["ab", "a"]), y, wrong)
    pred_b = np.where(np.isin(outcome, ["ab", "b"]), y, wrong)
    return y, pred_a, pred_b


def test_counts_and_accuracies():
    y, pa, pb = predictions(3000, a_only=40, b_only=70, both_right=2360)
    c = compare_predictions(y, pa, pb)
    assert (c.n, c.a_only, c.b_only) == (3000, 40, 70)
    assert c.a_accuracy == pytest.approx(0.80) and c.b_accuracy == pytest.approx(0.81)
    assert c.moved == 30 and c.rule_of_30
    # p = 2·P(X <= 40 | 110, 1/2)
    from scipy.stats import binom

    assert c.p_value == pytest.approx(2 * binom.cdf(40, 110, 0.5), rel=1e-9)
    assert c.significant


def test_probabilities_are_argmaxed():
    y, pa, pb = predictions(200, a_only=5, b_only=9, both_right=150)
    c1 = compare_predictions(y, pa, pb)
    c2 = compare_predictions(y, np.eye(10)[pa], np.eye(10)[pb])
    assert c1 == c2


@pytest.mark.parametrize(
    "a_only, b_only, rule, significant, relation",
    [
        (40, 70, True, True, "Both agree:"),  # deck's 80% -> 81%, few disagreements
        (200, 230, True, False, "within chance"),  # same 30 net, many disagreements
        (0, 15, False, True, "too lopsided for chance"),  # deck's 80% -> 80.5%, one-sided
        (10, 13, False, False, "cannot tell these models apart"),  # deck's 80% -> 80.1%
    ],
)
def test_verdicts_deck_vs_statistics(a_only, b_only, rule, significant, relation):
    c = Comparison(3000, 2400, 2400 - a_only + b_only, a_only, b_only)
    assert c.rule_of_30 is rule
    assert c.significant is significant
    deck, statistical, sentence = c.verdicts()
    assert ("trustworthy" in deck) and (("not trustworthy" in deck) is not rule)
    assert "McNemar" in statistical and "p = " in statistical
    assert relation in sentence


def test_to_dict_holds_the_counts_and_the_test():
    c = Comparison(3000, 2400, 2415, 0, 15, a_name="runs/a", b_name="runs/b")
    d = json.loads(json.dumps(c.to_dict()))  # plain JSON types only
    assert {k: d[k] for k in ("n", "a_only", "b_only", "moved", "significant")} == {
        "n": 3000,
        "a_only": 0,
        "b_only": 15,
        "moved": 15,
        "significant": True,
    }
    assert (d["a_accuracy"], d["b_accuracy"]) == (0.8, 0.805)
    assert d["p_value"] == pytest.approx(2 * 0.5**15)  # 15 discordant images, all for B


def test_format_mentions_both_runs_and_intervals():
    text = format_comparison(Comparison(3000, 2400, 2430, 40, 70, a_name="A1", b_name="B1"))
    assert "A1" in text and "B1" in text and "80.00%" in text and "[" in text
    assert "rule of 30" in text and "McNemar" in text


def test_mismatched_predictions_are_refused():
    y = np.zeros(10, int)
    with pytest.raises(TfdojoError, match="cover 9 images but the test set has 10"):
        compare_predictions(y, np.zeros(9, int), np.zeros(10, int), names=("runs/a", "runs/b"))


# --------------------------------------------------------------------------- real runs


@pytest.fixture(scope="session")
def two_runs(tiny_dataset, tmp_path_factory):
    """A logistic and an MLP run, 1 epoch each on the tiny dataset."""
    from tfdojo.data import dataset
    from tfdojo.training import train

    data = dataset.load(tiny_dataset)
    root = tmp_path_factory.mktemp("compare_runs")
    runs = []
    for name in ("logistic", "mlp"):
        cfg = train.make_config(name, sets=["epochs=1"])
        train.train(cfg, data, root / name, progress=False)
        runs.append(root / name)
    return runs


def outcomes(two_runs) -> tuple[int, int, int]:
    """``(a_only, b_only, n)`` counted from each run's own predictions on its test split."""
    from tfdojo import runs

    ra, rb = (runs.open_run(r) for r in two_runs)
    images, labels, _ = ra.test_set()
    hit_a = ra.model().predict(images) == labels
    hit_b = rb.model().predict(images) == labels
    return int((hit_a & ~hit_b).sum()), int((hit_b & ~hit_a).sum()), len(labels)


def test_cli_compare_json(two_runs, capsys):
    from scipy.stats import binomtest

    a, b = two_runs
    assert main(["compare", str(a), str(b), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    a_only, b_only, n = outcomes(two_runs)
    assert (out["a_only"], out["b_only"], out["n"]) == (a_only, b_only, n)
    assert n == json.loads((a / "metrics.json").read_text())["test_n"]
    assert out["a_accuracy"] == json.loads((a / "metrics.json").read_text())["test_accuracy"]
    assert out["b_accuracy"] == json.loads((b / "metrics.json").read_text())["test_accuracy"]
    assert out["moved"] == b_only - a_only
    expected_p = binomtest(min(a_only, b_only), a_only + b_only, 0.5).pvalue
    assert out["p_value"] == pytest.approx(min(expected_p, 1.0), rel=1e-9)
    assert out["significant"] == (out["p_value"] < 0.05)
    assert out["rule_of_30"] == (abs(b_only - a_only) >= 30)


def test_cli_compare_text_and_report(two_runs, tmp_path, capsys):
    from PIL import Image

    a, b = two_runs
    out = tmp_path / "pair" / "compare.html"
    assert main(["compare", str(a), str(b), "--report", str(out)]) == 0
    text = capsys.readouterr().out
    a_only, b_only, n = outcomes(two_runs)
    assert f"right only by A: {a_only}   right only by B: {b_only}   " in text
    assert f"on {a_only + b_only} disagreement" in text and text.startswith(f"{n:,} test images")
    page = out.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2
    for data in images:
        Image.open(io.BytesIO(base64.b64decode(data))).verify()
    assert sorted(p.name for p in (out.parent / "compare_files").glob("*.png")) == [
        "compare_accuracy.png",
        "compare_examples.png",
    ]
    assert sorted(p.name for p in out.parent.iterdir()) == ["compare.html", "compare_files"]


def test_cli_compare_on_other_data(two_runs, tiny_dataset, tmp_path, capsys):
    from tfdojo.data import idx

    a, b = two_runs
    # the dataset folder itself (its test split) and IDX files of it
    assert main(["compare", str(a), str(b), "--data", str(tiny_dataset), "--json"]) == 0
    n_folder = json.loads(capsys.readouterr().out)["n"]
    idx.export_idx(tiny_dataset, tmp_path / "idx")
    test_images = tmp_path / "idx" / idx.images_name("test")
    assert main(["compare", str(a), str(b), "--data", str(test_images), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == n_folder


def test_refuses_runs_on_different_test_sets(two_runs, tiny_dataset, tmp_path, capsys):
    from tfdojo.data import dataset

    a, b = two_runs
    # a dataset whose test split is a subset of the tiny one
    ds = dataset.load(tiny_dataset)
    half = len(ds.test) // 2
    other = tmp_path / "other"
    splits = {
        "train": ds.train,
        "valid": ds.valid,
        "test": dataset.make_split(ds.test.images[:half], ds.test.labels[:half]),
    }
    dataset.save(other, splits, {"source": "test"})
    moved = tmp_path / "b_moved"
    shutil.copytree(b, moved)
    metrics = json.loads((moved / "metrics.json").read_text())
    metrics["data"] = str(other)
    metrics["test_n"] = half
    (moved / "metrics.json").write_text(json.dumps(metrics))
    assert main(["compare", str(a), str(moved)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tfdojo: error:") and "different test sets" in err
    assert err.count("\n") == 1


def test_refuses_run_whose_dataset_changed(two_runs, tmp_path, capsys):
    a, b = two_runs
    changed = tmp_path / "b_changed"
    shutil.copytree(b, changed)
    metrics = json.loads((changed / "metrics.json").read_text())
    metrics["test_n"] = metrics["test_n"] + 7
    (changed / "metrics.json").write_text(json.dumps(metrics))
    assert main(["compare", str(a), str(changed)]) == 2
    assert "the dataset changed since this run" in capsys.readouterr().err


def test_refuses_missing_run(two_runs, tmp_path, capsys):
    a, _ = two_runs
    assert main(["compare", str(a), str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: RUN: {tmp_path / 'nope'} is not a folder; "
        "expected a run made by `tfdojo train`\n"
    )
