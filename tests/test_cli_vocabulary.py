"""One vocabulary across commands: --json, --quiet, --data defaults, messages that read well."""

from __future__ import annotations

import json

import pytest

from tfdojo.cli.main import build_parser, main


def out_of(capsys, argv: list[str], code: int = 0) -> str:
    assert main(argv) == code
    captured = capsys.readouterr()
    return captured.out if code == 0 else captured.err


def test_train_json_quiet_and_plural_words(tiny_dataset, tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["train", "--data", str(tiny_dataset), "--model", "LOGISTIC", "--out", str(run)]
    metrics = json.loads(out_of(capsys, [*argv, "--epochs", "1", "--json"]))
    assert metrics["run"] == str(run) and metrics["model"] == "logistic"  # any case
    assert metrics == {**json.loads((run / "metrics.json").read_text()), "run": str(run)}
    assert not (run / "report").exists() and not (run / "model").exists()  # made when asked
    text = out_of(capsys, [*argv, "--epochs", "1", "--quiet", "--overwrite"])
    assert "1 epoch in" in text and "1 thread)" in text and "epoch 1/1" not in text
    assert text.splitlines()[-1] == (
        f"report: tfdojo report {run}  (draws the page and its figures, about 5 s)"
    )
    assert not (run / "report").exists()
    text = out_of(capsys, [*argv, "--epochs", "1", "--quiet", "--overwrite", "--report"])
    assert text.splitlines()[-1] == f"report: {(run / 'report' / 'report.html').resolve().as_uri()}"
    assert (run / "report" / "report.html").is_file() and not (run / "model").exists()


def test_evaluate_defaults_to_the_runs_test_split(tiny_dataset, tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["train", "--data", str(tiny_dataset), "--model", "logistic", "--out", str(run)]
    out_of(capsys, [*argv, "--epochs", "1", "--quiet"])
    result = json.loads(out_of(capsys, ["evaluate", str(run), "--json"]))
    metrics = json.loads((run / "metrics.json").read_text())
    assert (result["accuracy"], result["n"]) == (metrics["test_accuracy"], metrics["test_n"])
    assert result["data"] == f"{tiny_dataset} (test split)"


def test_unknown_nested_key_names_the_whole_key(capsys):
    err = out_of(capsys, ["params", "--model", "mlp", "--set", "model.hiden=12"], code=2)
    assert err.startswith(
        "tfdojo: error: --set: unknown config key 'model.hiden' (did you mean 'model.hidden'?)"
    )
    err = out_of(capsys, ["params", "--model", "cnnn"], code=2)
    assert "unknown model 'cnnn' (did you mean 'cnn'?)" in err


def test_json_of_the_teaching_commands(capsys):
    softmax = json.loads(out_of(capsys, ["explain", "softmax", "--json"]))
    assert softmax["scores"] == [-1.0, 1.0, 2.0]
    assert [round(p, 4) for p in softmax["probabilities"]] == [0.0351, 0.2595, 0.7054]
    ce = json.loads(out_of(capsys, ["explain", "cross-entropy", "--json"]))
    assert (ce["right"], round(ce["loss"], 4)) == (2, 0.3490)  # -log 0.7054
    table = json.loads(out_of(capsys, ["shapes", "--table", "--json"]))["convolutions"]
    assert [(c["padding"], c["stride"], c["output"]) for c in table] == [
        ("SAME", 1, [28, 28, 8]),
        ("VALID", 1, [26, 26, 8]),
        ("VALID", 2, [13, 13, 8]),
    ]
    model = json.loads(out_of(capsys, ["shapes", "--model", "logistic", "--json"]))
    assert model == json.loads(out_of(capsys, ["params", "--model", "logistic", "--json"]))
    assert model["params"] == 7850
    backprop = json.loads(out_of(capsys, ["explain", "backprop", "--json"]))
    assert backprop["max_difference"] < 1e-12


def test_threads_only_where_something_computes(capsys):
    with pytest.raises(SystemExit) as info:
        main(["explain", "softmax", "--threads", "2"])
    assert info.value.code == 2
    assert "unrecognized arguments: --threads" in capsys.readouterr().err
    parsers = dict(subcommands(build_parser()))
    helps = {name: sub.format_help() for name, sub in parsers.items()}
    assert "--threads" not in helps["lessons"] and "--threads" in helps["train"]
    assert "%%" not in helps["evaluate"] and "95% Wilson" in helps["evaluate"]
    outs = {
        name: action.help
        for name, sub in parsers.items()
        for action in sub._actions
        if "--out" in action.option_strings
    }
    # every --out says what it writes, and where by default when it has a default
    assert outs == {
        "data build": "output folder (default: the tfdojo cache)",
        "data show": "the image to write, .png, .pdf or .svg (default: notmnist-grid.png here)",
        "data download": "folder for the archive (default: the cache's)",
        "data fetch": "dataset folder to write (default: the cache's)",
        "data import": "dataset folder to write",
        "data export": "where to write (default: DIR/idx)",
        "train": "the run folder to create (default: runs/<model>-<date>-<time>); with "
        "--resume, the run to continue",
        "export": "the file (folder) to write (default: RUN/export/model.tflite, "
        "RUN/export/model.keras or RUN/export/savedmodel)",
        "report": "where to write the page (default: RUN/report/report.html)",
        "lesson": "lessons folder (default: runs/lessons); writes DIR/lessonN",
        "dojo export": "folder to write (default: room-export here)",
        "docs": "the site's folder (default: <cache>/docs-site); only a new or empty folder, "
        "or one tfdojo docs built",
    }
    overwrites = {
        name: action.help
        for name, sub in parsers.items()
        for action in sub._actions
        if "--overwrite" in action.option_strings
    }
    # every --overwrite replaces only what tfdojo wrote, and says so the same way
    assert overwrites == {
        "data build": "replace an existing dataset folder that tfdojo wrote (never anything else)",
        "data show": "replace an existing figure that tfdojo wrote (never anything else)",
        "data fetch": "replace an existing dataset folder that tfdojo wrote (never anything else)",
        "data import": "replace an existing dataset folder that tfdojo wrote (never anything else)",
        "data export": "replace an existing folder of IDX files that tfdojo wrote (never "
        "anything else)",
        "train": "replace an existing run folder that tfdojo wrote (never anything else)",
        "export": "replace an existing export that tfdojo wrote (never anything else)",
        "report": "replace an existing page (and its _files folder) that tfdojo wrote (never "
        "anything else)",
        "compare": "replace an existing --report page (and its _files folder) that tfdojo "
        "wrote (never anything else)",
    }


def subcommands(parser, prefix=""):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield prefix + name, sub
                yield from subcommands(sub, prefix + name + " ")


def test_data_commands_take_data_and_json(tiny_dataset, tmp_path, capsys):
    info = out_of(capsys, ["data", "info", "--data", str(tiny_dataset)])
    assert info.splitlines()[0] == f"dataset: {tiny_dataset}"
    assert out_of(capsys, ["data", "info", str(tiny_dataset)]) == info  # the folder alone too
    manifest = json.loads(out_of(capsys, ["data", "info", "--data", str(tiny_dataset), "--json"]))
    assert manifest["dataset"] == str(tiny_dataset)
    on_disk = json.loads((tiny_dataset / "manifest.json").read_text())
    assert manifest["counts"] == on_disk["counts"] and manifest["sha256"] == on_disk["sha256"]
    grid = tmp_path / "grid.png"
    argv = ["data", "show", "--data", str(tiny_dataset), "--per-class", "5", "--out", str(grid)]
    assert out_of(capsys, argv) == f"wrote {grid}\n"
    err = out_of(capsys, ["data", "info", str(tmp_path), "--data", str(tiny_dataset)], code=2)
    assert "--data: given twice" in err
    help_text = dict(subcommands(build_parser()))["data build"].format_help()
    assert "--quiet, --no-progress" in help_text


def test_the_last_epoch_line_says_the_cosine_rate_decays_to_0():
    from tfdojo.training.callbacks import epoch_line  # imports TensorFlow: this test only

    row = {"epoch": 1, "train_loss": 1.0, "train_accuracy": 0.7, "valid_loss": 0.5}
    row |= {"valid_accuracy": 0.87, "lr": 7.45e-08, "examples_per_second": 900, "seconds": 1.0}
    line = epoch_line(row, 1, "cosine")
    assert "| lr 7.45e-08 (cosine schedule: the rate decays to 0 by the last step) |" in line
    assert "cosine" not in epoch_line({**row, "epoch": 1}, 2, "cosine")  # not the last epoch
    assert "cosine" not in epoch_line(row, 1, "constant")
