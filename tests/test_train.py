"""The trainer: configs, schedules, learning for real, resume, NaN, export, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfdojo import runs
from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.core.typed_config import to_dict
from tfdojo.data import dataset
from tfdojo.results.report import WriteReport
from tfdojo.training import settings, train

TIMING_KEYS = {"seconds", "examples_per_second", "train_step_seconds"}


@pytest.fixture(scope="module")
def data(tiny_dataset):
    return dataset.load(tiny_dataset)


def small(model: str, **changes):
    cfg = train.make_config(model, sets=["epochs=2", "batch_size=32", "eval_batch_size=64"])
    from tfdojo.core.typed_config import replace

    return replace(cfg, changes) if changes else cfg


# -- config ---------------------------------------------------------------------------------


def test_config_layers_presets_toml_sets_and_options(tmp_path):
    toml = tmp_path / "exp.toml"
    toml.write_text('lr = 0.2\nepochs = 7\n[model]\nname = "mlp"\nhidden = [64, 32]\n')
    cfg = train.make_config(None, toml, ["lr=0.3"], seed="5")
    assert cfg.model.hidden == (64, 32) and cfg.model.name == "mlp"
    assert (cfg.lr, cfg.epochs, cfg.seed) == (0.3, 7, 5)
    assert cfg.dropout == train.default_config("mlp").dropout  # the preset's own default
    assert train.make_config().model == train.default_config("cnn").model


def test_presets_state_only_what_differs_from_the_defaults():
    from tfdojo import models
    from tfdojo.training.settings import TrainConfig

    assert TrainConfig() == train.default_config("cnn") == train.make_config()
    defaults = to_dict(TrainConfig())
    for name in models.names():
        changes = models.get(name).train
        assert all(defaults[k] != v for k, v in changes.items()), (name, changes)
    assert train.default_config("logistic").dropout == 0.0  # stated: logistic has no dropout
    assert train.default_config("mlp").dropout == 0.3  # stated: the cnn's 0.5 is not the mlp's
    assert train.default_config("mlp").lr == TrainConfig().lr  # not stated: inherited


@pytest.mark.parametrize(
    "sets,message",
    [
        (["lr=0"], "lr: expected a number in \\(0, 1e\\+38\\], received 0.0"),
        (["lr=-1"], "lr: expected a number in \\(0, 1e\\+38\\]"),
        (["epochs=two"], "epochs expects a whole number, received 'two'"),
        (["optimiser=adam"], "unknown config key 'optimiser' \\(did you mean 'optimizer'\\?\\)"),
        (["lr_schedule=linear"], "lr_schedule expects one of 'constant', 'exponential'"),
        (["dropout=1"], "dropout: expected a number in \\[0, 1\\)"),
    ],
)
def test_bad_settings_are_one_line_errors(sets, message):
    with pytest.raises(TfdojoError, match=message):
        train.make_config("mlp", sets=sets)


def test_learning_rate_schedules():
    cfg = train.make_config("mlp", sets=["lr=1", "epochs=4", "lr_decay=0.5", "lr_decay_epochs=2"])
    steps = np.array([0, 5, 10, 20, 40])  # 10 steps an epoch
    from tfdojo.core.typed_config import replace

    rate = {
        s: settings.learning_rates(replace(cfg, {"lr_schedule": s}), steps, 10)
        for s in ("constant", "exponential", "step", "cosine")
    }
    np.testing.assert_allclose(rate["constant"], 1)
    np.testing.assert_allclose(rate["exponential"], 0.5 ** (steps / 20), rtol=1e-6)
    np.testing.assert_allclose(rate["step"], [1, 1, 1, 0.5, 0.25])
    np.testing.assert_allclose(
        rate["cosine"],
        [1, 0.5 * (1 + np.cos(np.pi / 8)), 0.5 * (1 + np.cos(np.pi / 4)), 0.5, 0],
        atol=1e-6,
    )


def test_epoch_batches_shuffle_per_epoch_and_drop_the_remainder():
    a = settings.epoch_batches(0, 0, 100, 32)
    assert a.shape == (3, 32) and len(set(a.ravel())) == 96
    assert np.array_equal(a, settings.epoch_batches(0, 0, 100, 32))
    assert not np.array_equal(a, settings.epoch_batches(0, 1, 100, 32))
    with pytest.raises(TfdojoError, match="batch_size: expected at most the 10"):
        settings.epoch_batches(0, 0, 10, 32)


# -- training for real ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model,optimizer", [("logistic", "sgd"), ("mlp", "adam"), ("cnn_course", "sgd")]
)
def test_overfits_one_small_batch(model, optimizer, data, tmp_path):
    """64 real images, many epochs: the model must memorise them (train accuracy 100%)."""
    sub = dataset.make_split(data.train.images[:64], data.train.labels[:64])
    dataset.save(tmp_path / "data", {"train": sub, "valid": sub, "test": sub}, {})
    tiny = dataset.load(tmp_path / "data")
    lr = {"logistic": 0.5, "mlp": 0.003, "cnn_course": 0.02}[model]
    cfg = small(
        model,
        epochs=40,
        batch_size=16,
        optimizer=optimizer,
        lr=lr,
        dropout=0.0,
        lr_schedule="constant",
    )
    metrics = train.train(cfg, tiny, tmp_path / "run", progress=False).metrics
    history = runs.read_history(tmp_path / "run")
    assert history[-1]["train_loss"] < 0.05 * history[0]["train_loss"]
    assert metrics["test_accuracy"] == 1.0  # "test" is the same 64 images here


def test_learns_letters_from_fonts(data, tmp_path):
    """On held-out font families, the course convnet beats chance (10%) by far in a few epochs."""
    cfg = small("cnn_course", epochs=8)
    metrics = train.train(cfg, data, tmp_path / "run", progress=False).metrics
    assert metrics["test_accuracy"] >= 0.6
    assert metrics["params"] == 57_722 and metrics["test_n"] == len(data.test)


def test_run_folder_contents(data, tmp_path):
    run = tmp_path / "run"
    cfg = small("logistic", weight_decay=1e-3, patience=5)
    metrics = train.train(cfg, data, run, progress=False).metrics
    saved = json.loads((run / "config.json").read_text())
    resolved = {**to_dict(cfg), "precision": metrics["precision"]}  # what auto chose
    assert saved == {**resolved, "data": runs.data_record(data)}
    assert saved["data"]["path"] == str(data.path) and len(saved["data"]["sha256"]) == 6
    saved = json.loads((run / "metrics.json").read_text())
    for key in (
        "model",
        "params",
        "epochs",
        "train_seconds",
        "examples_per_second",
        "valid_accuracy",
        "test_accuracy",
        "test_n",
        "engine",
        "threads",
        "seed",
    ):
        assert key in saved, key
    assert saved == json.loads(json.dumps(metrics))
    assert (saved["model"], saved["params"], saved["engine"], saved["threads"]) == (
        "logistic",
        7850,
        "tensorflow",
        1,
    )
    rows = runs.read_history(run)
    assert [r["epoch"] for r in rows] == [1, 2]
    assert {"train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "lr", "seconds"} <= set(
        rows[0]
    )
    assert not (run / "model").exists() and not (run / "report").exists()  # made when asked
    assert list((run / "ckpt").glob("ckpt-2.index"))
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))


def test_saved_model_gives_identical_probabilities(data, tmp_path):
    """The run folder's weights, rebuilt from the run: the probabilities of the trained model."""
    cfg = small("cnn_course", epochs=1)
    result = train.train(cfg, data, tmp_path / "run", progress=False)
    model, metrics = result.model, result.metrics
    loaded = runs.load_model(tmp_path / "run")
    images = data.test.images
    np.testing.assert_array_equal(loaded.predict_proba(images), model.predict_proba(images))
    assert metrics["test_accuracy"] == (loaded.predict(images) == data.test.labels).mean()
    with pytest.raises(
        TfdojoError, match=r"images: expected shape \(N, 28, 28\), received \(28, 28\)"
    ):
        loaded.predict_proba(images[0])


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_same_seed_same_run_and_resume_equals_uninterrupted(data, tmp_path, monkeypatch, precision):
    cfg = small("cnn_course", epochs=3, dropout=0.3, momentum=0.9, precision=precision, jitter=1.0)
    full = train.train(cfg, data, tmp_path / "full", progress=False).metrics
    again = train.train(cfg, data, tmp_path / "again", progress=False).metrics

    real_write = runs.write_history

    def crash_after_second_epoch(run_dir, history):
        real_write(run_dir, history)
        if len(history) == 2:
            raise KeyboardInterrupt  # before epoch 2's checkpoint: resume redoes epoch 2

    monkeypatch.setattr(runs, "write_history", crash_after_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        train.train(cfg, data, tmp_path / "resumed", progress=False)
    monkeypatch.setattr(runs, "write_history", real_write)
    assert len(runs.read_history(tmp_path / "resumed")) == 2
    resumed = train.train(cfg, data, tmp_path / "resumed", resume=True, progress=False).metrics

    def strip(rows):
        return [{k: v for k, v in r.items() if k not in TIMING_KEYS} for r in rows]

    full_rows = strip(runs.read_history(tmp_path / "full"))
    assert full_rows == strip(runs.read_history(tmp_path / "again"))
    assert full_rows == strip(runs.read_history(tmp_path / "resumed"))
    for key in ("test_accuracy", "valid_accuracy", "test_correct"):
        assert full[key] == again[key] == resumed[key]
    a = runs.load_model(tmp_path / "full").predict_proba(data.test.images)
    b = runs.load_model(tmp_path / "resumed").predict_proba(data.test.images)
    np.testing.assert_array_equal(a, b)


def test_a_run_saved_before_jitter_existed_resumes_without_it(data, tmp_path):
    cfg = small("cnn_course", epochs=1)
    run = tmp_path / "run"
    train.train(cfg, data, run, progress=False)
    saved = json.loads((run / "config.json").read_text())
    del saved["jitter"]  # as tfdojo wrote it before the key existed
    (run / "config.json").write_text(json.dumps(saved))
    resumed = train.resume(run, data=data, epochs=2, progress=False)
    assert resumed.metrics["epochs"] == 2
    assert json.loads((run / "config.json").read_text())["jitter"] == 0.0  # what it trained with


def test_resume_refuses_a_changed_config(data, tmp_path):
    cfg = small("logistic", epochs=1)
    train.train(cfg, data, tmp_path / "run", progress=False)
    from tfdojo.core.typed_config import replace

    with pytest.raises(TfdojoError, match="differs from .* in lr"):
        train.train(replace(cfg, {"lr": 0.01}), data, tmp_path / "run", resume=True, progress=False)
    (tmp_path / "run" / "model").mkdir()  # an older version's SavedModel, of the old weights
    (tmp_path / "run" / "model" / "saved_model.pb").write_bytes(b"old")
    more = train.train(
        replace(cfg, {"epochs": 2}), data, tmp_path / "run", resume=True, progress=False
    ).metrics
    assert more["epochs"] == 2
    assert not (tmp_path / "run" / "model").exists()  # stale: deleted, not left to be served


def test_nan_loss_stops_with_the_learning_rate(data, tmp_path):
    cfg = small("mlp", lr=1e6, lr_schedule="constant", momentum=0.0, dropout=0.0)
    with pytest.raises(TfdojoError, match=r"loss became (nan|inf).*lr=1e\+06"):
        train.train(cfg, data, tmp_path / "run", progress=False)


def test_early_stopping_keeps_the_best_epoch_with_restore_best(data, tmp_path):
    for restore in (True, False):
        run = tmp_path / f"run-{restore}"
        cfg = small(
            "logistic",
            epochs=30,
            patience=1,
            lr=3.0,
            lr_schedule="constant",
            momentum=0.9,
            restore_best=restore,
        )
        metrics = train.train(cfg, data, run, progress=False).metrics
        rows = runs.read_history(run)
        best = max(rows, key=lambda r: r["valid_accuracy"])
        assert metrics["stopped_early"] and metrics["epochs"] < 30
        assert metrics["best_epoch"] == best["epoch"]
        kept = best if restore else rows[-1]  # off (the default): the last epoch's weights
        assert metrics["valid_accuracy"] == pytest.approx(kept["valid_accuracy"])


# -- the command ------------------------------------------------------------------------------


def test_cli_train_overwrite_resume_and_errors(tiny_dataset, tmp_path, capsys):
    run = tmp_path / "run"
    args = [
        "train",
        "--data",
        str(tiny_dataset),
        "--model",
        "logistic",
        "--out",
        str(run),
        "--epochs",
        "1",
        "--no-progress",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "logistic: test accuracy" in out and "7,850 parameters" in out
    assert main(args) == 2
    assert "already exists; add --overwrite" in capsys.readouterr().err
    assert main(args + ["--overwrite"]) == 0
    capsys.readouterr()
    resume = [
        "train",
        "--data",
        str(tiny_dataset),
        "--out",
        str(run),
        "--resume",
        "--epochs",
        "2",
        "--no-progress",
    ]
    assert main(resume) == 0
    assert json.loads((run / "metrics.json").read_text())["epochs"] == 2
    capsys.readouterr()
    # A corrupt checkpoint is a one-line error, not a traceback.
    for f in (run / "ckpt").glob("ckpt-2.data-*"):
        f.write_bytes(b"garbage")
    assert main(resume[:-1] + ["--epochs", "3"]) == 2
    err = capsys.readouterr().err
    assert "checkpoint is corrupt" in err and len(err.strip().splitlines()) == 1
    # Never deletes a folder tfdojo did not make.
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"x")
    assert main(args[:5] + ["--out", str(other), "--overwrite"]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: --out: {other} already exists and is not a run folder written by "
        "tfdojo; refusing to replace it (name a new path)\n"
    )
    assert (other / "cat.jpg").exists()
    assert (
        main(
            [
                "train",
                "--data",
                str(tiny_dataset),
                "--model",
                "mlp",
                "--set",
                "lr=0",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    assert "lr: expected a number in (0, 1e+38], received 0.0" in capsys.readouterr().err


def test_default_out_folder(tiny_dataset, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert (
        main(
            [
                "train",
                "--data",
                str(tiny_dataset),
                "--model",
                "logistic",
                "--epochs",
                "1",
                "--no-progress",
            ]
        )
        == 0
    )
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("logistic-") and (run / "metrics.json").exists()


def test_in_memory_data_keeps_its_test_split_for_reports(data, tmp_path):
    """A run on data never saved (a subsample) records its test images in RUN/data/."""
    import dataclasses

    subset = dataclasses.replace(data, path=None)
    run = tmp_path / "run"
    metrics = train.train(
        small("logistic", epochs=1), subset, run, progress=False, callbacks=[WriteReport()]
    ).metrics
    assert metrics["data"] == str(run / "data")
    kept = dataset.load(run / "data").test
    assert np.array_equal(kept.images, data.test.images)
    assert (run / "report" / "report.html").is_file()


# -- precision --------------------------------------------------------------------------------


def test_bfloat16_learns_as_well_as_float32(data, tmp_path):
    """Mixed precision on real letters: not significantly worse than float32 on the images
    neither trained on (exact McNemar), and the weights still float32."""
    from tfdojo.results.compare import compare_predictions

    results = {}
    for precision in ("float32", "bfloat16"):
        cfg = small("cnn_course", epochs=6, precision=precision)
        results[precision] = train.train(cfg, data, tmp_path / precision, progress=False)
    f32, bf16 = results["float32"], results["bfloat16"]
    assert (f32.metrics["precision"], bf16.metrics["precision"]) == ("float32", "bfloat16")
    images = np.concatenate([data.valid.images, data.test.images])
    labels = np.concatenate([data.valid.labels, data.test.labels])
    c = compare_predictions(labels, f32.model.predict(images), bf16.model.predict(images))
    assert not (c.significant and c.moved < 0), c.verdicts()
    assert bf16.metrics["test_accuracy"] >= 0.6
    weights = runs.load_model(tmp_path / "bfloat16").get_weights()
    assert {w.dtype for w in weights.values()} == {np.dtype("float32")}
    loaded = runs.load_model(tmp_path / "bfloat16").predict_proba(data.test.images[:5])
    assert loaded.dtype == np.float32 and np.allclose(loaded.sum(1), 1, atol=1e-6)


def test_auto_precision_follows_the_cpu(data, tmp_path, monkeypatch, capsys):
    cfg = small("mlp", epochs=1, **{"model.hidden": (16,)})
    assert cfg.precision == "auto"
    monkeypatch.setenv("TFDOJO_CPU_FLAGS", "sse4_2 avx avx2 fma")  # no bfloat16 units
    metrics = train.train(cfg, data, tmp_path / "plain", progress=True).metrics
    assert metrics["precision"] == "float32"
    assert json.loads((tmp_path / "plain" / "config.json").read_text())["precision"] == "float32"
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "mlp: training in float32 (auto: no bfloat16 units on this CPU " + (
        "(AMX or AVX512-BF16)), 1 thread"
    )
    monkeypatch.setenv("TFDOJO_CPU_FLAGS", "avx2 avx512f avx512_bf16")
    metrics = train.train(cfg, data, tmp_path / "bf16", progress=False).metrics
    assert metrics["precision"] == "bfloat16"
    assert json.loads((tmp_path / "bf16" / "config.json").read_text())["precision"] == "bfloat16"
    logistic = train.train(
        small("logistic", epochs=1), data, tmp_path / "lr", progress=True
    ).metrics
    assert logistic["precision"] == "float32"  # too small to gain from bfloat16
    assert "auto: the logistic model is too small for bfloat16 to pay" in capsys.readouterr().out


def test_numpy_engine_stays_float32(data, tmp_path):
    from tfdojo.core.errors import TfdojoError

    metrics = train.train(small("logistic", epochs=1, engine="numpy"), data, tmp_path / "a").metrics
    assert metrics["precision"] == "float32"
    with pytest.raises(TfdojoError, match="precision: bfloat16 runs on --engine tensorflow only"):
        train.train(small("logistic", engine="numpy", precision="bfloat16"), data, tmp_path / "b")


def test_the_test_set_is_predicted_once_per_run(tiny_dataset, tmp_path, monkeypatch, capsys):
    """`tfdojo train` scores the test split once: the run folder, the report and the printed
    accuracy all take the loop's predictions (nothing is read back from disk and predicted
    again)."""
    from tfdojo.models.base import Model

    test = dataset.load(tiny_dataset).test.images
    seen = []
    predict_proba = Model.predict_proba

    def counting(self, images, *args, **kwargs):
        seen.append(np.array_equal(images, test) if len(images) == len(test) else False)
        return predict_proba(self, images, *args, **kwargs)

    monkeypatch.setattr(Model, "predict_proba", counting)
    argv = ["train", "--model", "logistic", "--epochs", "1", "--data", str(tiny_dataset)]
    assert main([*argv, "--out", str(tmp_path / "run"), "--quiet", "--report"]) == 0
    assert (tmp_path / "run" / "report" / "report.html").is_file()
    assert sum(seen) == 1, seen
