"""A training kata's figures, and its reference solution trained alike for the comparison.

A training check records on ``ck.figures`` the steps the learner's training ran, its wall
time, the learner model's trainable parameters and its test accuracy. For the katas whose
model the learner wrote (5 trains kata 2's logistic, 7 the MLP, 13 the convnet) the kata's
reference solution is trained with kata 5's loop on the same data, from the same seed,
for the same number of steps (the reference's own batch size and learning rate), and both
models' predictions on the kata test set are compared by McNemar's exact test
(:func:`tfdojo.results.compare.compare_predictions`, as ``tfdojo compare`` does).

The reference's predictions are cached per (model, data fingerprint, steps, seed, the
reference's sources) in memory and in ``<cache>/kata-references``, so a second check does
not train it again. The comparison is information: nothing here raises a Failure, and a
cache that cannot be read or written only costs a training.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo.core.atomic import ensure_dir, write_json
from tfdojo.core.errors import TfdojoError
from tfdojo.core.paths import cache_dir
from tfdojo.core.safe_read import read_json
from tfdojo.results.compare import compare_predictions
from tfdojo.teaching.kata import sources
from tfdojo.teaching.kata.checking import Checker
from tfdojo.teaching.kata.figures import verdict

SEED = 0
"""The seed both models are built from: ``Model(seed=0)``, as the checks build the learner's."""

MAX_CACHE_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True)
class Reference:
    """A kata's reference model: its class in ``model_stem``'s source, trained by kata 5's
    loop with the batch size and learning rate of ``settings_stem``'s source."""

    model_stem: str
    model_name: str
    settings_stem: str

    def predictions(self, X_train, y_train, X_test, steps: int) -> np.ndarray:
        """The reference's predicted classes (N_test,) after ``steps`` steps from seed 0."""
        settings = sources.reference(self.settings_stem)
        model = getattr(sources.reference(self.model_stem), self.model_name)(seed=SEED)
        train = sources.reference("05_minibatch_loop").train
        train(model, X_train, y_train, steps, settings.BATCH_SIZE, settings.LR)
        return np.asarray(model(X_test)).argmax(axis=1).astype(np.int64)

    def fingerprint(self) -> str:
        """The hash of the sources the reference's training reads."""
        stems = sorted(
            {self.model_stem, self.settings_stem, "05_minibatch_loop", "04_training_step"}
        )
        return hashlib.sha256("\0".join(sources.read(s) for s in stems).encode()).hexdigest()


LOGISTIC = Reference("02_logistic", "Logistic", "05_minibatch_loop")
MLP = Reference("07_relu_network", "MLP", "07_relu_network")
CONVNET = Reference("13_convnet", "ConvNet", "13_convnet")

_MEMORY: dict[str, np.ndarray] = {}


def parameters(model) -> int:
    """The number of the model's trainable parameters (the sum of its variables' sizes)."""
    return int(sum(int(np.prod(v.shape)) for v in model.trainable_variables))


def timed_training(ck: Checker, model, steps: int, train: Callable, *args: Any) -> Any:
    """``train(*args)``, its wall time, ``steps`` and ``model``'s parameters recorded on
    ``ck.figures``; what ``train`` returned."""
    t0 = time.perf_counter()
    out = train(*args)
    ck.figures.update(steps=int(steps), seconds=round(time.perf_counter() - t0, 3))
    if hasattr(model, "trainable_variables"):  # a tf.Module or a Keras model
        ck.figures["parameters"] = parameters(model)
    return out


def data_fingerprint(ck: Checker) -> str:
    """The hash of the kata set's images and labels."""
    d = ck.data()
    h = hashlib.sha256()
    for a in (d.train_images, d.train_labels, d.test_images, d.test_labels):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def cache_path(key: str) -> Path:
    return cache_dir() / "kata-references" / f"{key}.json"


def reference_predictions(ck: Checker, reference: Reference, steps: int) -> np.ndarray:
    """The reference's test predictions after ``steps`` steps: from memory, from the cache
    folder, or trained (then cached in both)."""
    parts = [reference.model_name, reference.fingerprint(), data_fingerprint(ck), steps, SEED]
    key = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    if key in _MEMORY:
        return _MEMORY[key]
    n = len(ck.data().test_labels)
    try:
        stored = read_json(cache_path(key), MAX_CACHE_BYTES, "a kata reference's predictions")
        predictions = np.asarray(stored.get("predictions"), dtype=np.int64)
        if predictions.shape != (n,):
            raise TfdojoError("predictions of another test set")
    except (TfdojoError, OSError, ValueError, TypeError):  # absent or unreadable: trained
        X_train, y_train, X_test, _ = ck.data().arrays()
        predictions = reference.predictions(X_train, y_train, X_test, steps)
        try:
            ensure_dir(cache_path(key).parent)
            write_json(cache_path(key), {"predictions": predictions.tolist(), "steps": steps})
        except (TfdojoError, OSError):  # a cache that cannot be written costs a training
            pass
    _MEMORY[key] = predictions
    return predictions


def compare_with_reference(ck: Checker, model, reference: Reference, steps: int) -> None:
    """Record on ``ck.figures`` the learner's trained ``model`` against ``reference``
    trained alike: ``test_accuracy`` and ``reference`` = ``{"test_accuracy",
    "mcnemar_p", "only_yours", "only_reference", "verdict"}``. Never fails the check."""
    _, _, X_test, y_test = ck.data().arrays()
    yours = np.asarray(model(X_test))
    theirs = reference_predictions(ck, reference, steps)
    c = compare_predictions(y_test, theirs, yours, names=("the reference", "yours"))
    p = float(c.p_value)
    ck.figures["test_accuracy"] = float(c.b_accuracy)
    ck.figures["reference"] = {
        "test_accuracy": float(c.a_accuracy),
        "mcnemar_p": p,
        "only_yours": int(c.b_only),
        "only_reference": int(c.a_only),
        "verdict": verdict(c.b_accuracy, c.a_accuracy, c.n, c.b_only, c.a_only, p),
    }
