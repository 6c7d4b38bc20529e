"""Run folders from someone else, and faults while training: each refused in one line or
handled right, never code run from a run folder and never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tfdojo import runs
from tfdojo.cli import main
from tfdojo.data import dataset
from tfdojo.training import train


@pytest.fixture(scope="module")
def data(tiny_dataset):
    return dataset.load(tiny_dataset)


@pytest.fixture(scope="module")
def run(data, tmp_path_factory):
    """A finished logistic run (1 epoch) on the tiny dataset."""
    out = tmp_path_factory.mktemp("hostile") / "run"
    train.train(train.make_config("logistic", sets=["epochs=1"]), data, out, progress=False)
    return out


def copy_run(run: Path, to: Path) -> Path:
    shutil.copytree(run, to)
    return to


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tfdojo: error: ") and err.count("\n") == 1, err
    return err


# -- a run folder carries data, never code ----------------------------------------------------


def write_hostile_saved_model(folder: Path, marker: Path) -> None:
    """A SavedModel whose serving signature reads /etc/hostname and writes ``marker``."""
    import tensorflow as tf

    module = tf.Module()

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.uint8, name="images")])
    def serve(images):
        tf.io.write_file(str(marker), tf.io.read_file("/etc/hostname"))
        return {"probabilities": tf.ones([tf.shape(images)[0], 10]) / 10}

    module.serve = serve
    shutil.rmtree(folder, ignore_errors=True)
    tf.saved_model.save(module, str(folder), signatures={"serving_default": serve})


def test_no_command_runs_the_saved_model_of_a_run(run, tiny_dataset, tmp_path, capsys):
    hostile = copy_run(run, tmp_path / "hostile")
    marker = tmp_path / "pwned"
    write_hostile_saved_model(hostile / "model", marker)
    expected = json.loads((run / "metrics.json").read_text())["test_accuracy"]

    assert main(["evaluate", str(hostile), "--data", str(tiny_dataset), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == expected
    png = tmp_path / "letter.png"
    from PIL import Image

    Image.fromarray(dataset.load(tiny_dataset).test.images[0]).save(png)
    assert main(["predict", str(hostile), str(png), "--json"]) == 0
    assert main(["predict", str(run), str(png), "--json"]) == 0
    a, b = capsys.readouterr().out.strip().splitlines()
    assert json.loads(a)[0]["probabilities"] == json.loads(b)[0]["probabilities"]
    assert main(["compare", str(run), str(hostile), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["a_only"] == 0
    assert main(["report", str(hostile), "--out", str(tmp_path / "r" / "r.html")]) == 0
    capsys.readouterr()
    assert not marker.exists()  # the signature never ran

    shutil.rmtree(hostile / "model")  # the SavedModel is an export: nothing needs it
    assert main(["evaluate", str(hostile), "--data", str(tiny_dataset), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == expected


def test_weights_that_are_not_plain_arrays_are_refused(run, tiny_dataset, tmp_path, capsys):
    bad = copy_run(run, tmp_path / "pickled")
    np.savez(bad / "weights.npz", **{"logits.w": np.array([{"x": 1}], dtype=object)})
    err = one_line_error(capsys, ["evaluate", str(bad), "--data", str(tiny_dataset)])
    assert err == (
        f"tfdojo: error: {bad / 'weights.npz'}: logits.w: holds pickled Python objects "
        "(dtype object); refused, only numeric arrays are loaded\n"
    )
    np.savez(bad / "weights.npz", **{"logits.w": np.zeros((3, 3), np.float32)})
    err = one_line_error(capsys, ["evaluate", str(bad), "--data", str(tiny_dataset)])
    assert "does not fit the model of config.json" in err and "missing ['logits.b']" in err


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("epochs", "<script>", "epochs expects a whole number, received '<script>'"),
        ("test_n", "3080", "test_n expects a whole number, received '3080'"),
        ("test_accuracy", [1], "test_accuracy expects a number, received [1]"),
        ("threads", True, "threads expects a whole number, received True"),
        ("created_by", "me", "was not written by tfdojo; refused"),
    ],
)
def test_metrics_of_the_wrong_types_are_refused(run, tmp_path, capsys, key, value, message):
    bad = copy_run(run, tmp_path / "bad")
    metrics = json.loads((bad / "metrics.json").read_text())
    metrics[key] = value
    (bad / "metrics.json").write_text(json.dumps(metrics))
    for argv in (["report", str(bad)], ["compare", str(run), str(bad)]):
        assert message in one_line_error(capsys, argv)


def test_report_escapes_every_string_of_a_run_folder(run, tiny_dataset, tmp_path, capsys):
    evil = "<script>alert(1)</script>"
    bad = copy_run(run, tmp_path / "evil")
    config = json.loads((bad / "config.json").read_text())
    config["optimizer"] = evil
    config["model"]["name"] = "<img src=x onerror=alert(1)>"  # a name has no "/": one path part
    (bad / "config.json").write_text(json.dumps(config))
    metrics = json.loads((bad / "metrics.json").read_text())
    metrics.update(model=evil, engine=evil, model_kind=evil)
    (bad / "metrics.json").write_text(json.dumps(metrics))
    out = tmp_path / "page" / "report.html"
    argv = ["report", str(bad), "--data", str(tiny_dataset), "--out", str(out)]
    assert main(argv) == 0
    page = out.read_text()
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# -- resuming on the data the run started on --------------------------------------------------


def test_resume_uses_the_recorded_dataset_and_refuses_another(
    tiny_dataset, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "run"
    base = ["train", "--model", "logistic", "--out", str(out), "--no-progress"]
    assert main([*base, "--data", str(tiny_dataset), "--epochs", "1"]) == 0
    recorded = json.loads((out / "config.json").read_text())["data"]
    manifest = dataset.load(tiny_dataset).manifest
    assert recorded["path"] == str(tiny_dataset)
    assert recorded["sha256"] == {k: v for k, v in manifest["sha256"].items() if "font" not in k}

    # another dataset in the default cache: resume without --data must not pick it up
    ds = dataset.load(tiny_dataset)
    other = {"train": dataset.make_split(ds.train.images[:500], ds.train.labels[:500])}
    other.update(valid=ds.valid, test=ds.test)
    cache = tmp_path / "cache"
    dataset.save(cache / "fonts", other, {"source": "other"})
    monkeypatch.setenv("TFDOJO_DATA", str(cache))
    resume = ["train", "--out", str(out), "--resume", "--no-progress"]
    assert main([*resume, "--epochs", "2"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["epochs"], metrics["train_n"]) == (2, len(ds.train))
    capsys.readouterr()
    err = one_line_error(capsys, [*resume, "--epochs", "3", "--data", str(cache / "fonts")])
    assert f"was trained on {tiny_dataset}" in err and "(train_images, train_labels)" in err
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 2  # untouched


# -- one process per run folder ---------------------------------------------------------------


def tfdojo(*argv: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tfdojo", "--threads", "1", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_trainings_into_one_folder_cannot_both_write_it(tiny_dataset, tmp_path):
    out = tmp_path / "run"
    argv = ["train", "--data", str(tiny_dataset), "--model", "mlp", "--out", str(out)]
    argv += ["--set", "model.hidden=32", "--epochs", "3", "--no-progress"]
    procs = [tfdojo(*argv), tfdojo(*argv)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    (loser,) = [err for code, _, err in results if code == 2]
    assert loser.count("\n") == 1 and (
        "is being trained into by another process" in loser
        or "already exists; add --overwrite" in loser
        or "already holds a run" in loser
    ), loser
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 3
    assert sorted(p.name for p in (out / "ckpt").glob("*.index")) == [
        "ckpt-2.index",
        "ckpt-3.index",
    ]
    assert not (out / runs.LOCK).exists()


def test_overwriting_a_run_being_trained_is_refused(tiny_dataset, tmp_path):
    out = tmp_path / "run"
    argv = ["train", "--data", str(tiny_dataset), "--model", "mlp", "--out", str(out)]
    first = tfdojo(*argv, "--epochs", "1000", "--no-progress")
    deadline = time.monotonic() + 120
    while not (out / "history.json").exists():  # training has started
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.2)
    second = tfdojo(*argv, "--epochs", "1", "--overwrite", "--no-progress")
    code, (_, err) = second.wait(timeout=120), second.communicate()
    first.kill()
    first.wait()
    assert code == 2 and err.count("\n") == 1
    assert f"--out: {out} is being trained into by another process (pid {first.pid})" in err
    assert (out / "config.json").exists()  # nothing was deleted


# -- faults while training --------------------------------------------------------------------


def test_bad_seeds_are_refused_before_anything_is_written(tiny_dataset, tmp_path, capsys):
    for seed in ("-1", str(2**66)):
        out = tmp_path / f"run{seed}"
        argv = ["train", "--data", str(tiny_dataset), "--model", "logistic", "--out", str(out)]
        err = one_line_error(capsys, [*argv, "--seed", seed])
        assert f"seed: expected a whole number in 0..{2**63 - 1}, received {seed}" in err
        assert not out.exists()


def test_divergence_names_the_steps_of_a_short_epoch(data, tmp_path):
    from tfdojo.core.errors import TfdojoError

    small = dataset.make_split(data.train.images[:64], data.train.labels[:64])
    tiny = dataset.Dataset(small, data.valid, data.test, {})
    cfg = train.make_config("logistic", sets=["batch_size=32", "lr=1e38", "lr_schedule=constant"])
    with pytest.raises(
        TfdojoError, match=r"in epoch 1 \(steps 1\.\.2\) at learning rate lr=1e\+38"
    ):
        train.train(cfg, tiny, tmp_path / "run", progress=False)


def test_a_nan_validation_loss_stops_the_run(data, tmp_path, monkeypatch):
    from tfdojo.core.errors import TfdojoError
    from tfdojo.engines import tensorflow_engine as step

    monkeypatch.setattr(
        step.TensorFlowEngine, "evaluate", lambda self, images, labels: (float("nan"), 0)
    )
    cfg = train.make_config("logistic", sets=["epochs=2"])
    with pytest.raises(TfdojoError, match=r"the validation loss became nan after epoch 1"):
        train.train(cfg, data, tmp_path / "run", progress=False)
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_disk_full_while_saving_is_one_line(data, tmp_path, monkeypatch, capsys):
    import errno

    import tensorflow as tf

    from tfdojo.core.errors import TfdojoError

    def full(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "No space left on device\nmore")

    monkeypatch.setattr(tf.train.CheckpointManager, "save", full)
    cfg = train.make_config("logistic", sets=["epochs=1"])
    with pytest.raises(TfdojoError, match=r"ckpt: could not write the checkpoint \(No space left"):
        train.train(cfg, data, tmp_path / "a", progress=False)
    monkeypatch.undo()

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    train.train(cfg, data, tmp_path / "b", progress=False)
    monkeypatch.setattr(tf.saved_model, "save", no_space)
    assert main(["export", str(tmp_path / "b"), "--format", "savedmodel"]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: {tmp_path / 'b' / 'export' / 'savedmodel'}: could not write the "
        "SavedModel ([Errno 28] No space left on device)\n"
    )
    assert not (tmp_path / "b" / "export" / "savedmodel").exists()
    assert not list((tmp_path / "b" / "export").glob(".savedmodel.*"))  # the temporary one gone


def test_the_exported_model_has_the_usual_permissions(run, tmp_path, capsys):
    from tfdojo.core.atomic import umask

    assert not (run / "model").exists()  # training writes no SavedModel: export makes one
    out = tmp_path / "served"
    assert main(["export", str(run), "--format", "savedmodel", "--out", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask()
    assert (run / "weights.npz").stat().st_mode & 0o777 == 0o666 & ~umask()
    assert os.access(out / "saved_model.pb", os.R_OK)
