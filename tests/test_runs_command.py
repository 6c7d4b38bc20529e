"""tfdojo runs: every run under a folder, newest first; --best by validation accuracy."""

from __future__ import annotations

import json
import os

from tfdojo import runs
from tfdojo.cli import main
from tfdojo.data import dataset
from tfdojo.training import train


def test_lists_finished_and_unfinished_runs_and_picks_the_best_by_validation(
    tiny_dataset, tmp_path, capsys
):
    data = dataset.load(tiny_dataset)
    root = tmp_path / "runs"
    for i, seed in enumerate((1, 2)):
        cfg = train.make_config("logistic", sets=["epochs=1", f"seed={seed}"])
        train.train(cfg, data, root / "nested" / f"seed{seed}", progress=False)
        os.utime(root / "nested" / f"seed{seed}" / "metrics.json", (1e9 + i, 1e9 + i))
    runs.start(root / "unfinished", {"model": {"name": "mlp"}, "engine": "tensorflow"})
    (root / "photos").mkdir()

    assert main(["runs", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["runs"]
    assert [e["run"] for e in listed] == [
        str(root / "unfinished"),  # not finished: listed first
        str(root / "nested" / "seed2"),  # finished later
        str(root / "nested" / "seed1"),
    ]
    assert listed[0] == {
        "run": str(root / "unfinished"),
        "model": "mlp",
        "data": None,
        "epochs": 0,
        "finished": None,
    }
    metrics = json.loads((root / "nested" / "seed1" / "metrics.json").read_text())
    assert listed[2]["test_accuracy"] == metrics["test_accuracy"]
    assert listed[2]["test_ci95"] == metrics["test_ci95"]

    assert main(["runs", str(root), "--best", "--json"]) == 0
    (best,) = json.loads(capsys.readouterr().out)["runs"]
    assert best["valid_accuracy"] == max(e["valid_accuracy"] for e in listed[1:])

    assert main(["runs", str(root)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == [
        "run",
        "model",
        "epochs",
        "test",
        "acc",
        "(95%",
        "CI)",
        "valid",
        "acc",
        "finished",
    ]
    assert table[2].split()[:4] == [str(root / "unfinished"), "mlp", "0", "unfinished"]
    lo, hi = metrics["test_ci95"]
    assert f"{metrics['test_accuracy']:.2%} ({lo:.1%}-{hi:.1%})" in table[4]


def test_an_unfinished_run_with_a_malformed_config_is_an_error_row(tmp_path, capsys):
    root = tmp_path / "runs"
    runs.start(root / "odd", {"model": "cnn", "engine": "tensorflow"})
    assert main(["runs", str(root), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["runs"]
    assert entry["run"] == str(root / "odd")
    assert entry["error"] == f"{root / 'odd' / 'config.json'}: 'model' and 'data': expected objects"


def test_not_a_folder_is_one_line(tmp_path, capsys):
    assert main(["runs", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: FOLDER: {tmp_path / 'nope'} is not a folder; "
        "expected one holding run folders\n"
    )
