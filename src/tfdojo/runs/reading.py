"""Reading a finished run folder: the one place that opens and checks it.

Every reader goes through :func:`open_run`: it checks the folder once, and :meth:`Run.model`
rebuilds the model from ``config.json`` with tfdojo's own code and loads ``weights.npz``
(arrays only, no pickle). A run folder carries data, never code: the SavedModel is an
export for serving and is never loaded to score.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import models
from tfdojo.core import typed_config as config_lib
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import Headers, load_npz
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.data import dataset
from tfdojo.models import ModelConfig
from tfdojo.models.shapes import weight_shapes
from tfdojo.runs.files import WEIGHTS, check_metrics, read_history, read_json


@dataclasses.dataclass
class Run:
    """A finished run folder, read and checked once by :func:`open_run`.

    Attributes:
        path: the folder.
        config: ``config.json`` (the resolved TrainConfig as a dict).
        metrics: ``metrics.json``.
        history: ``history.json``'s rows, one per epoch.
        model_class: a learner's model class (the run's ``model.source``), loaded from
            a path the user gave; ``None`` for tfdojo's models.
    """

    path: Path
    config: dict[str, Any]
    metrics: dict[str, Any]
    history: list[dict[str, Any]]
    model_class: Any = None
    _model: Any = dataclasses.field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The model's name (``cnn``, ``mlp``, ...)."""
        return self.metrics.get("model") or str(self.config["model"].get("name"))

    @property
    def kind(self) -> str:
        """``"logistic"``, ``"mlp"`` or ``"cnn"``."""
        return self.model_config().kind

    def model_config(self):
        """The architecture, from ``config.json``, checked like any config (within
        :class:`ModelConfig`'s bounds) before anything is built or read."""
        where = str(self.path / "config.json")
        try:
            return config_lib.replace(ModelConfig(), self.config["model"], where=where)
        except TfdojoError as exc:
            raise TfdojoError(str(exc) if where in str(exc) else f"{where}: {exc}") from None

    def model(self):
        """The trained model: rebuilt by tfdojo from ``config.json``, weights from
        ``weights.npz``; a :class:`tfdojo.models.base.Model` (``predict_proba``, ...)."""
        if self._model is None:
            self._model = _rebuild(self.path, self.model_config(), self.model_class)
        return self._model

    def test_set(self) -> tuple[np.ndarray, np.ndarray, Path]:
        """The test images the run was scored on: the test split of its recorded dataset.

        Returns:
            ``(images uint8 (N, 28, 28), labels (N,), dataset folder)``.

        Raises:
            TfdojoError: no dataset recorded, or it no longer holds ``test_n`` test images
                (changed since the run); pass ``--data`` to score on chosen images.
        """

        value = self.metrics.get("data")
        if not value:
            raise TfdojoError(
                f"{self.path}/metrics.json: records no dataset path; pass --data PATH "
                "to choose the test images"
            )
        folder = dataset.resolve(value)
        split = dataset.load(folder).test
        if len(split) != self.metrics["test_n"]:
            raise TfdojoError(
                f"{self.path}/metrics.json: test_n={self.metrics['test_n']} but {folder} now "
                f"has {len(split):,} test images (the dataset changed since this run); "
                "pass --data PATH to score it on chosen images"
            )
        return split.images, split.labels, folder

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities float32 (N, 10) of uint8 ``images`` (N, 28, 28)."""
        return self.model().predict_proba(images)


def open_run(run_dir: str | os.PathLike, model_class=None, model=None) -> Run:
    """Read and check a finished run folder (the one place that does).

    ``model_class``: for a run of a learner's own model, its class, loaded from the
    path the user gave (``--model-code``); a run folder never names code to import.
    ``model``: the trained model, when the caller holds it (nothing is rebuilt).

    Every file is read through :mod:`tfdojo.core.safe_read`: regular files only, within
    :data:`tfdojo.runs.files.MAX_JSON_BYTES`.

    Raises:
        TfdojoError: not a folder, no tfdojo ``config.json``, an unfinished run (no
            ``metrics.json``), a file that is not a regular file (a FIFO, a device), too
            large, or of the wrong shape or types.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise TfdojoError(f"RUN: {run_dir} is not a folder; expected a run made by `tfdojo train`")
    no_config = TfdojoError(
        f"RUN: {run_dir} has no tfdojo config.json; expected a run made by `tfdojo train`"
    )
    if not (run_dir / "config.json").exists():
        raise no_config
    config = read_json(run_dir / "config.json", "config")
    if "model" not in config or "engine" not in config:
        raise no_config
    if not isinstance(config.get("model"), dict):
        received = config.get("model")
        raise TfdojoError(f"{run_dir}/config.json: expected a model section, received {received!r}")
    if not (run_dir / "metrics.json").exists():
        raise TfdojoError(
            f"RUN: {run_dir} has no metrics.json: the run has not finished "
            "(continue it with `tfdojo train --resume --out RUN`)"
        )
    metrics = read_json(run_dir / "metrics.json", "metrics")
    check_metrics(run_dir / "metrics.json", metrics)
    run = Run(run_dir, config, metrics, read_history(run_dir), model_class, model)
    run.model_config()  # within ModelConfig's bounds, checked before anything is built
    return run


def _rebuild(run_dir: Path, model_cfg, model_class=None):
    """The model of ``model_cfg``, built by tfdojo, with the weights of ``RUN/weights.npz``.

    Before any array is read, every name, shape and dtype ``weights.npz`` declares is
    checked against the model: tfdojo's from :func:`tfdojo.models.shapes.weight_shapes`
    (no TensorFlow, nothing built), a learner's from the model built from its class. So
    a small file that would inflate to GBs, or a config that asks for more, costs nothing.
    The arrays must be floats, and finite.
    """
    path = run_dir / WEIGHTS
    if not path.exists():
        raise TfdojoError(
            f"RUN: {path} is missing; the run was made by an older tfdojo or is incomplete "
            "(train it again)"
        )
    model = None
    if model_cfg.source:  # a learner's model: its variables say what it needs
        configure_tensorflow()
        model = models.build(model_cfg, 0, model_class)
        expected = {k: tuple(v.shape) for k, v in model.named_variables().items()}
    else:
        expected = weight_shapes(model_cfg)
    cap = 8 * sum(math.prod(shape) for shape in expected.values()) + (64 << 10) * len(expected)
    weights = load_npz(path, cap, check=lambda headers: _check_fits(path, headers, expected))
    for name, value in weights.items():
        if not np.isfinite(value).all():
            bad = int(value.size - np.isfinite(value).sum())
            raise TfdojoError(
                f"{path}: {name} holds {bad:,} NaN or infinite values of {value.size:,}; "
                "refused (the model's answers would be NaN)"
            )
    if model is None:
        configure_tensorflow()
        model = models.build(model_cfg, 0, model_class)
    try:
        model.set_weights(weights)
    except TfdojoError as exc:
        raise TfdojoError(f"RUN: {path} does not fit the model of config.json ({exc})") from None
    return model


def _check_fits(path: Path, headers: Headers, expected: dict[str, tuple[int, ...]]) -> None:
    """Refuse ``weights.npz`` headers that are not the model's weights (names, shapes), or
    not floats."""
    missing = [k for k in expected if k not in headers]
    extra = [k for k in headers if k not in expected]
    if missing or extra:
        raise TfdojoError(
            f"RUN: {path} does not fit the model of config.json (weights: expected names "
            f"{', '.join(expected)}; missing {missing or 'none'}, unexpected "
            f"{_short(extra) if extra else 'none'})"
        )
    for name, shape in expected.items():
        got, dtype = headers[name]
        if tuple(got) != shape:
            raise TfdojoError(
                f"RUN: {path} does not fit the model of config.json ({name} expects shape "
                f"{shape}, received {tuple(got)})"
            )
        if dtype.kind != "f":
            raise TfdojoError(f"{path}: {name} expects floats, received dtype {dtype}")


def _short(names: list[str]) -> str:
    text = str(names)
    return text if len(text) <= 120 else text[:117] + "..."
