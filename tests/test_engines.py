"""The engines' contract, one suite for the three (in the spirit of scikit-learn's
``check_estimator``): TensorFlow on one device, NumPy by hand, and replicated on
``tf.distribute`` with one replica (R = 1).

Same seed, same batches, same rates: the same first steps; a resumed run equals an
uninterrupted one bit for bit; the best epoch's weights come back; what an engine reports
of a batch is what its trained model says of it.
"""

from __future__ import annotations

import numpy as np
import pytest

from tfdojo import engines
from tfdojo.core.typed_config import replace
from tfdojo.engines import TrainState
from tfdojo.engines.replicated import StrategyConfig
from tfdojo.training.settings import epoch_batches, learning_rates, make_config

ENGINES = ("tensorflow", "numpy", "replicated")
N, B = 256, 32  # training images, batch


@pytest.fixture(scope="module")
def images_labels():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (N, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, N).astype(np.uint8)
    return images, labels


@pytest.fixture(scope="module")
def mirrored():
    """One replica of a MirroredStrategy on this machine's CPU (R = 1)."""
    from tfdojo.core.tf_setup import configure_tensorflow
    from tfdojo.engines.replicated import strategy

    configure_tensorflow()
    dist = strategy.start(StrategyConfig("mirrored", devices=1))
    yield dist
    dist.close()


def config(**changes):
    sets = ["model.hidden=16", f"batch_size={B}", "dropout=0", "weight_decay=0.001", "lr=0.1"]
    cfg = make_config("mlp", sets=sets)
    return replace(cfg, {"precision": "float32", **changes})


def make(kind: str, images_labels, mirrored, **changes):
    cfg = config(engine="numpy" if kind == "numpy" else "tensorflow", **changes)
    images, labels = images_labels
    return engines.make(cfg, images, labels, mirrored if kind == "replicated" else None)


def steps(engine, epoch: int = 0):
    """One epoch's batches and rates, as the loop draws them."""
    cfg = engine.cfg
    batches = epoch_batches(cfg.seed, epoch, N, B)
    per_epoch = len(batches)
    rates = learning_rates(cfg, np.arange(epoch * per_epoch, (epoch + 1) * per_epoch), per_epoch)
    return batches, rates


def run_epoch(engine, epoch: int = 0) -> tuple[float, int]:
    batches, rates = steps(engine, epoch)
    k = engine.steps_per_call
    total, correct = 0.0, 0
    for i in range(0, len(batches), k):
        l, c = engine.train_steps(batches[i : i + k], rates[i : i + k])
        total, correct = total + l, correct + c
    return total, correct


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("kind", ENGINES)
def test_the_same_first_steps_as_the_tensorflow_engine(kind, images_labels, mirrored):
    """From one seed, every engine starts from the same weights and takes the same steps."""
    reference = make("tensorflow", images_labels, mirrored)
    engine = make(kind, images_labels, mirrored)
    assert same(engine.get_weights(), reference.get_weights())
    batches, rates = steps(engine)
    for i in range(3):
        mine = engine.train_steps(batches[i : i + 1], rates[i : i + 1])
        theirs = reference.train_steps(batches[i : i + 1], rates[i : i + 1])
        assert mine[1] == theirs[1]
        assert mine[0] == pytest.approx(theirs[0], rel=1e-5)
    for name, w in reference.get_weights().items():
        np.testing.assert_allclose(engine.get_weights()[name], w, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ENGINES)
def test_reported_loss_and_evaluation_agree_with_the_model(kind, images_labels, mirrored):
    """train_steps reports the batch's summed cross-entropy before the step; evaluate and the
    final model's predictions say the same of the same images."""
    engine = make(kind, images_labels, mirrored, weight_decay=0.0, lr=1e-9)
    images, labels = images_labels
    batches, rates = steps(engine)
    before_loss, _ = engine.evaluate(images[batches[0]], labels[batches[0]])
    loss_sum, correct = engine.train_steps(batches[:1], np.zeros(1, np.float32))
    assert loss_sum == pytest.approx(before_loss * B, rel=1e-5)
    model = engine.final_model()
    assert same(model.get_weights(), engine.get_weights())
    predicted = model.predict(images[batches[0]])
    assert correct == int((predicted == labels[batches[0]]).sum())
    _, accuracy = engine.evaluate(images, labels)
    assert accuracy == pytest.approx((model.predict(images) == labels).mean(), abs=1 / N)


@pytest.mark.parametrize("kind", ENGINES)
def test_resume_equals_uninterrupted(kind, images_labels, mirrored, tmp_path):
    """Two epochs in one go, or one, a checkpoint, a new engine restored, then the second:
    the same weights, bit for bit."""
    whole = make(kind, images_labels, mirrored)
    run_epoch(whole, 0)
    run_epoch(whole, 1)

    first = make(kind, images_labels, mirrored)
    run_epoch(first, 0)
    first.take_best()
    first.save(tmp_path, TrainState(epoch=1, best_accuracy=0.5, best_epoch=1))
    second = make(kind, images_labels, mirrored)
    assert second.restore(tmp_path / "none") is None
    assert second.restore(tmp_path) == TrainState(epoch=1, best_accuracy=0.5, best_epoch=1)
    run_epoch(second, 1)
    assert same(second.get_weights(), whole.get_weights())


@pytest.mark.parametrize("kind", ENGINES)
def test_the_best_epoch_comes_back(kind, images_labels, mirrored):
    engine = make(kind, images_labels, mirrored)
    run_epoch(engine, 0)
    engine.take_best()
    best = engine.get_weights()
    run_epoch(engine, 1)
    assert not same(engine.get_weights(), best)
    engine.restore_best()
    assert same(engine.get_weights(), best)
    assert same(engine.final_model().get_weights(), best)


@pytest.mark.parametrize("kind", ENGINES)
def test_describe_names_the_engine_as_metrics_record_it(kind, images_labels, mirrored):
    described = make(kind, images_labels, mirrored).describe()
    assert described["engine"] == ("numpy" if kind == "numpy" else "tensorflow")
    assert described["steps_per_call"] >= 1
    if kind == "replicated":
        assert (described["strategy"], described["replicas"]) == ("mirrored", 1)
