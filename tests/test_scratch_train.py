"""The NumPy engine: update rules, overfitting, run outputs, parity with the TF engine.

Data: small synthetic letters (class k = a bright bar at rows 2k..2k+3, plus noise), so a run
takes a second and every number below is deterministic.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfdojo.core.errors import TfdojoError
from tfdojo.data.dataset import make_split
from tfdojo.engines.numpy_engine import CHECKPOINT
from tfdojo.models import ModelConfig
from tfdojo.scratch import optim
from tfdojo.scratch.models import Model, normalize
from tfdojo.training import train


def synthetic_split(n: int, seed: int):
    r = np.random.default_rng(seed)
    y = np.arange(n) % 10
    images = r.integers(0, 60, (n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(y):
        images[i, 2 * k + 4 : 2 * k + 8, 4:24] = 200 + r.integers(0, 55)
    return make_split(images, y.astype(np.uint8))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A dataset folder on disk (reports read the test split back from it)."""
    from tfdojo.data import dataset

    splits = {"train": synthetic_split(320, 0), "valid": synthetic_split(100, 1)}
    splits["test"] = synthetic_split(100, 2)
    folder = tmp_path_factory.mktemp("synthetic")
    dataset.save(folder, splits, {"source": "synthetic bars"})
    return dataset.load(folder)


@pytest.fixture(scope="module")
def tf():
    from tfdojo.core.tf_setup import configure_tensorflow

    return configure_tensorflow(1)


def config(model: ModelConfig, **kw):
    from tfdojo.training.settings import TrainConfig

    # no jitter: each engine draws its own, and these tests follow them step for step
    base = dict(epochs=2, batch_size=32, lr=0.1, momentum=0.9, dropout=0.0, jitter=0.0)
    base["engine"] = "numpy"
    base.update(kw)
    return TrainConfig(model=model, **base)


MLP = ModelConfig(name="mlp", hidden=(16,))
LOGISTIC = ModelConfig(name="logistic")


# ----------------------------------------------------------------------------- optimisers
def test_sgd_momentum_follows_its_update_rule():
    params = {"w": np.array([1.0, -2.0])}
    opt = optim.SGD(params, momentum=0.5)
    g = {"w": np.array([0.2, 0.4])}
    opt.step(params, g, lr=0.1)  # v = -0.1 g = [-0.02, -0.04]
    np.testing.assert_allclose(params["w"], [0.98, -2.04])
    opt.step(params, g, lr=0.1)  # v = 0.5 v - 0.1 g = [-0.03, -0.06]
    np.testing.assert_allclose(params["w"], [0.95, -2.10])


@pytest.mark.parametrize(
    "name, momentum, fused",
    [("sgd", 0.9, True), ("sgd", 0.9, False), ("sgd", 0.0, True), ("adam", 0.0, True)],
)
def test_optimisers_match_the_tensorflow_ones(tf, name, momentum, fused):
    from tfdojo.engines import optimizers

    r = np.random.default_rng(0)
    start = {"a": r.standard_normal((3, 2)).astype(np.float32), "b": np.ones(2, np.float32)}
    grads = [{k: r.standard_normal(v.shape).astype(np.float32) for k, v in start.items()}]
    grads = grads * 3 + [{k: -g for k, g in grads[0].items()}]

    mine = {k: v.copy() for k, v in start.items()}
    opt = optim.make_optimizer(name, mine, momentum)
    variables = {k: tf.Variable(v) for k, v in start.items()}
    theirs = optimizers.make_optimizer(name, variables, momentum, fused)  # same step()
    for i, g in enumerate(grads):
        lr = 0.1 / (i + 1)
        opt.step(mine, g, lr)
        theirs.step(variables, {k: tf.constant(v) for k, v in g.items()}, tf.constant(lr))
    # Adam: TF computes 1 - 0.999**t in float32 (relative error ~6e-5 at t = 1), we in float64.
    tol = 1e-4 if name == "adam" else 1e-6
    for k, v in mine.items():
        np.testing.assert_allclose(v, variables[k].numpy(), rtol=tol, atol=tol, err_msg=k)


# ----------------------------------------------------------------------------- learning
def test_overfits_one_small_batch(data):
    model = Model(ModelConfig(name="mlp", hidden=(32,)), seed=0)
    opt = optim.SGD(model.params, momentum=0.9)
    X = normalize(data.train.images[:20])
    y = data.train.labels[:20].astype(np.int64)
    y = np.roll(y, 3)  # arbitrary labels: only memorising can fit them
    for _ in range(150):
        loss, grads, _ = model.loss_and_grads(X, y)
        opt.step(model.params, grads, 0.1)
    logits, _ = model.forward(X)
    assert (logits.argmax(1) == y).all()
    assert loss < 0.05


def test_diverging_loss_names_the_learning_rate(data, tmp_path):
    cfg = config(MLP, lr=1e30, lr_schedule="constant", epochs=1)
    with pytest.raises(TfdojoError, match=r"diverged.*lr=1e\+30"):
        train.train(cfg, data, tmp_path / "run", progress=False)


# ----------------------------------------------------------------------------- run outputs
def test_run_outputs_load_and_agree_with_the_numpy_model(data, tmp_path, tf):
    from tfdojo import runs

    cfg = config(MLP, dropout=0.2, weight_decay=1e-4, epochs=3, restore_best=True)
    metrics = train.train(cfg, data, tmp_path / "run", progress=False).metrics
    run = tmp_path / "run"
    for name in ("config.json", "history.json", "metrics.json", "weights.npz"):
        assert (run / name).is_file(), name
    assert json.loads((run / "config.json").read_text())["engine"] == "numpy"
    assert len(runs.read_history(run)) == 3
    assert metrics["engine"] == "numpy" and metrics["params"] == 784 * 16 + 16 + 16 * 10 + 10
    assert metrics["test_accuracy"] > 0.9  # the bars are easy to tell apart

    # The run's model gives the probabilities of the NumPy weights it was saved from.
    numpy_model = Model(cfg.model)
    with np.load(run / "ckpt" / CHECKPOINT) as z:
        numpy_model.set_weights({k: z[f"best/{k}"] for k in numpy_model.params})
    loaded = runs.load_model(run)
    np.testing.assert_allclose(
        loaded.predict_proba(data.test.images),
        numpy_model.predict_proba(data.test.images),
        atol=1e-5,
    )
    acc = (numpy_model.predict_proba(data.test.images).argmax(1) == data.test.labels).mean()
    assert metrics["test_accuracy"] == pytest.approx(acc)


def test_same_outputs_and_trajectory_as_the_tensorflow_engine(data, tmp_path, tf):
    """Same config, both engines: same files and keys, and nearly the same numbers.

    Logistic, no dropout: both start from the same weights and see the same batches and
    learning rates, so only float32 rounding separates them (measured: losses within 1e-5).
    """
    cfg = config(LOGISTIC, lr=0.5, momentum=0.0, epochs=2)
    mine = train.train(cfg, data, tmp_path / "np", progress=False).metrics
    theirs = train.train(
        config(LOGISTIC, lr=0.5, momentum=0.0, epochs=2, engine="tensorflow", precision="float32"),
        data,
        tmp_path / "tf",
        progress=False,
    ).metrics
    assert set(mine) == set(theirs)
    h_np = json.loads((tmp_path / "np" / "history.json").read_text())["epochs"]
    h_tf = json.loads((tmp_path / "tf" / "history.json").read_text())["epochs"]
    assert [set(r) for r in h_np] == [set(r) for r in h_tf]
    for a, b in zip(h_np, h_tf):
        assert a["train_loss"] == pytest.approx(b["train_loss"], abs=1e-4)
        assert a["valid_loss"] == pytest.approx(b["valid_loss"], abs=1e-4)
        assert a["lr"] == b["lr"]
    assert mine["test_accuracy"] == pytest.approx(theirs["test_accuracy"], abs=0.02)
    assert {p.name for p in (tmp_path / "np").iterdir()} >= {
        "config.json",
        "history.json",
        "metrics.json",
        "weights.npz",
        "tensorboard",
    }


def test_resume_gives_the_uninterrupted_result(data, tmp_path):
    # exponential decay does not depend on the number of epochs, so 1 + 1 epochs = 2 epochs
    kw = dict(dropout=0.3, lr_schedule="exponential")
    cfg = config(MLP, epochs=2, **kw)
    whole = train.train(cfg, data, tmp_path / "whole", progress=False).metrics
    train.train(config(MLP, epochs=1, **kw), data, tmp_path / "cut", progress=False)
    resumed = train.train(cfg, data, tmp_path / "cut", resume=True, progress=False).metrics
    assert resumed["epochs"] == 2
    h1 = json.loads((tmp_path / "whole" / "history.json").read_text())["epochs"]
    h2 = json.loads((tmp_path / "cut" / "history.json").read_text())["epochs"]
    assert [r["train_loss"] for r in h1] == [r["train_loss"] for r in h2]
    assert resumed["test_accuracy"] == whole["test_accuracy"]


def test_corrupt_checkpoint_is_a_clear_error(data, tmp_path):
    cfg = config(MLP, epochs=1)
    train.train(cfg, data, tmp_path / "run", progress=False)
    (tmp_path / "run" / "ckpt" / CHECKPOINT).write_bytes(b"not a zip")
    with pytest.raises(TfdojoError, match="checkpoint is corrupt"):
        train.train(config(MLP, epochs=2), data, tmp_path / "run", resume=True)


def test_refuses_a_distribution_strategy(data, tmp_path):
    from tfdojo.engines.replicated import StrategyConfig

    with pytest.raises(TfdojoError, match="--strategy mirrored: only with --engine tensorflow"):
        train.train(config(MLP), data, tmp_path / "run", strategy=StrategyConfig("mirrored"))
    assert not (tmp_path / "run").exists()


def test_cli_train_engine_numpy_then_evaluate(tiny_dataset, tmp_path, capsys):
    """End to end on real letters: `tfdojo train --engine numpy`, then `tfdojo evaluate`."""
    from tfdojo.cli import main
    from tfdojo.data import dataset

    run = tmp_path / "run"
    argv = ["train", "--engine", "numpy", "--model", "mlp", "--data", str(tiny_dataset)]
    argv += ["--set", "model.hidden=16", "--set", "batch_size=32"]
    argv += ["--epochs", "2", "--out", str(run), "--no-progress"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["engine"] == "numpy" and metrics["epochs"] == 2
    assert json.loads((run / "config.json").read_text())["dropout"] == 0.3  # the mlp preset's
    assert f"test accuracy {metrics['test_accuracy']:.2%}" in out
    assert main(["evaluate", str(run), "--data", str(tiny_dataset), "--json"]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["accuracy"] == metrics["test_accuracy"]
    assert evaluated["n"] == metrics["test_n"] == len(dataset.load(tiny_dataset).test)


def test_a_small_cnn_learns(data, tmp_path):
    cnn = ModelConfig(name="cnn", conv_depths=(4,), conv_patches=(3,), pools=(2,), hidden=(16,))
    metrics = train.train(
        config(cnn, epochs=3, lr=0.05), data, tmp_path / "run", progress=False
    ).metrics
    losses = [
        r["train_loss"]
        for r in json.loads((tmp_path / "run" / "history.json").read_text())["epochs"]
    ]
    assert losses[-1] < losses[0] < 2.4  # below log(10) = 2.30 + noise from the start, and falling
    assert metrics["test_accuracy"] > 0.8
