"""What a training run depends on, and the schedule both engines follow.

::

    from tfdojo.training.settings import make_config
    cfg = make_config("mlp", sets=["epochs=3", "lr=0.1"])

:class:`TrainConfig` is the one typed config of a run (saved as ``RUN/config.json``);
its defaults are the default model's (``cnn``) and every other preset states only what
differs (:mod:`tfdojo.models.registry`). The schedule below is engine-neutral: the loop
(:func:`tfdojo.training.loop.fit`) draws every engine's batches and learning rates from it,
so the engines (:mod:`tfdojo.engines`) see the same run step for step.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tfdojo import models
from tfdojo.core import typed_config as config_lib
from tfdojo.core.errors import TfdojoError
from tfdojo.models import ModelConfig
from tfdojo.models.spec import config_for, is_reference

DEFAULT_MODEL = "cnn"
MAX_SEED = 2**63 - 1
"""Seeds are int64 in TensorFlow's stateless random ops (dropout masks)."""


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on; saved as ``RUN/config.json``.

    The defaults are the default model's (``cnn``) tuned settings: ``TrainConfig()``
    equals ``default_config("cnn")``.

    Attributes:
        model: the architecture (see :class:`tfdojo.models.ModelConfig`).
        engine: ``"tensorflow"`` (:mod:`tfdojo.engines.tensorflow_engine`) or ``"numpy"``
            (:mod:`tfdojo.engines.numpy_engine`: every gradient by hand).
        seed: seeds the initial weights, the shuffles and the dropout masks.
        epochs: passes over the training set.
        batch_size: images per step ``B``.
        optimizer: ``"sgd"`` (with ``momentum``; 0 is plain SGD) or ``"adam"``.
        lr: the learning rate at the start (> 0).
        momentum: SGD's momentum ``mu`` in [0, 1).
        lr_schedule: ``constant``; ``exponential``: ``lr * lr_decay ** (epoch / lr_decay_epochs)``
            (smooth, per step); ``step``: ``lr * lr_decay ** floor(epoch / lr_decay_epochs)``;
            ``cosine``: ``lr * (1 + cos(pi * t / T)) / 2`` over the whole run.
        lr_decay: the factor of ``exponential`` and ``step`` schedules, in (0, 1].
        lr_decay_epochs: epochs per decay factor.
        weight_decay: L2 coefficient ``lambda`` (on weights, not biases).
        dropout: probability of dropping each hidden dense unit while training.
        patience: early stopping: stop after this many epochs without a better
            validation accuracy (0: never stop early).
        restore_best: export the weights of the epoch with the best validation accuracy.
        steps_per_call: training steps per compiled call; 0 picks from the model's size.
        eval_batch_size: images per step when evaluating.
        deterministic: ``tf.config.experimental.enable_op_determinism()``.
        precision: ``float32``; ``bfloat16``: mixed precision, the forward and backward
            passes in bfloat16 with float32 weights, loss and optimiser state (the
            TensorFlow engine only); ``auto``: bfloat16 where the hardware computes it
            natively (AMX or AVX512-BF16, a recent GPU), float32 elsewhere. A run saves
            the precision ``auto`` chose.
    """

    model: ModelConfig = dataclasses.field(default_factory=lambda: models.get(DEFAULT_MODEL).model)
    engine: Literal["tensorflow", "numpy"] = "tensorflow"
    seed: int = 0
    epochs: int = 8
    batch_size: int = 128
    optimizer: Literal["sgd", "adam"] = "sgd"
    lr: float = 0.05
    momentum: float = 0.9
    lr_schedule: Literal["constant", "exponential", "step", "cosine"] = "cosine"
    lr_decay: float = 0.5
    lr_decay_epochs: float = 1.0
    weight_decay: float = 0.0
    dropout: float = 0.3
    patience: int = 0
    restore_best: bool = True
    steps_per_call: int = 0
    eval_batch_size: int = 1000
    deterministic: bool = True
    precision: Literal["auto", "float32", "bfloat16"] = "auto"

    def validate(self) -> None:
        """Refuse values no run can use (called on every override)."""
        checks = [
            (0 <= self.seed <= MAX_SEED, "seed", f"a whole number in 0..{MAX_SEED}", self.seed),
            (self.lr > 0 and math.isfinite(self.lr), "lr", "a number > 0", self.lr),
            (self.epochs >= 1, "epochs", "a whole number >= 1", self.epochs),
            (self.batch_size >= 1, "batch_size", "a whole number >= 1", self.batch_size),
            (0 <= self.momentum < 1, "momentum", "a number in [0, 1)", self.momentum),
            (0 < self.lr_decay <= 1, "lr_decay", "a number in (0, 1]", self.lr_decay),
            (self.lr_decay_epochs > 0, "lr_decay_epochs", "a number > 0", self.lr_decay_epochs),
            (self.weight_decay >= 0, "weight_decay", "a number >= 0", self.weight_decay),
            (0 <= self.dropout < 1, "dropout", "a number in [0, 1)", self.dropout),
            (self.patience >= 0, "patience", "a whole number >= 0", self.patience),
            (
                self.steps_per_call >= 0,
                "steps_per_call",
                "a whole number >= 0",
                self.steps_per_call,
            ),
            (
                self.eval_batch_size >= 1,
                "eval_batch_size",
                "a whole number >= 1",
                self.eval_batch_size,
            ),
        ]
        for ok, key, expected, value in checks:
            if not ok:
                raise TfdojoError(f"{key}: expected {expected}, received {value!r}")


def default_config(model: str = DEFAULT_MODEL) -> TrainConfig:
    """The preset's architecture with the training settings it changes from the defaults;
    for a learner's model (``PATH.py:NAME``), the defaults with its source recorded."""

    if is_reference(model):
        return TrainConfig(model=config_for(model))
    preset = models.get(model)
    return config_lib.replace(
        TrainConfig(model=preset.model), preset.train, where=f"preset {preset.name}"
    )


def make_config(
    model: str | None = None,
    toml_path: str | Path | None = None,
    sets: list[str] | None = None,
    **overrides: Any,
) -> TrainConfig:
    """Defaults of the chosen model, then the TOML file, then ``--set``, then ``overrides``.

    The model is ``model`` if given, else ``model.name`` from ``--set`` or the TOML
    file, else ``cnn``. ``overrides`` with value ``None`` are ignored (unset CLI flags).
    """
    name = model
    if name is None:
        name = config_lib.parse_sets(sets).get("model.name")
    if name is None and toml_path:
        name = config_lib.read_toml(toml_path).get("model", {}).get("name")
    cfg = config_lib.layered(default_config(name or DEFAULT_MODEL), toml_path, sets)
    given = {k: v for k, v in overrides.items() if v is not None}
    return config_lib.replace(cfg, given, where="option") if given else cfg


def from_saved(saved: dict[str, Any], where: str = "config.json") -> TrainConfig:
    """The :class:`TrainConfig` of a run's saved ``config.json`` (checked like any override;
    the record of the data it trained on, ``"data"``, is not part of it)."""
    model = saved.get("model")
    name = model.get("name") if isinstance(model, dict) else None
    if not isinstance(name, str):
        raise TfdojoError(f"{where}: expected model.name, a model name, received {name!r}")
    source = model.get("source")
    base = default_config(source) if isinstance(source, str) and source else default_config(name)
    settings = {k: v for k, v in saved.items() if k != "data"}  # the data is not a setting
    return config_lib.replace(base, settings, where=where)


# -- the schedule -----------------------------------------------------------------------------


def learning_rates(cfg: TrainConfig, steps: np.ndarray, steps_per_epoch: int) -> np.ndarray:
    """The learning rate at each global step in ``steps`` (float32), per ``cfg.lr_schedule``.

    With ``e = step / steps_per_epoch`` (epochs done, fractional) and ``E = cfg.epochs``::

        constant:     lr
        exponential:  lr * decay ** (e / decay_epochs)
        step:         lr * decay ** floor(e / decay_epochs)
        cosine:       lr * (1 + cos(pi * e / E)) / 2
    """
    e = np.asarray(steps, np.float64) / steps_per_epoch
    if cfg.lr_schedule == "exponential":
        rate = cfg.lr * cfg.lr_decay ** (e / cfg.lr_decay_epochs)
    elif cfg.lr_schedule == "step":
        rate = cfg.lr * cfg.lr_decay ** np.floor(e / cfg.lr_decay_epochs)
    elif cfg.lr_schedule == "cosine":
        rate = cfg.lr * 0.5 * (1 + np.cos(np.pi * np.minimum(e, cfg.epochs) / cfg.epochs))
    else:
        rate = np.full_like(e, cfg.lr)
    return rate.astype(np.float32)


def epoch_batches(seed: int, epoch: int, n: int, batch_size: int) -> np.ndarray:
    """Indices int32 (steps, B) of epoch ``epoch``'s batches: a fresh shuffle, last partial dropped.

    The shuffle depends only on ``(seed, epoch)``, so resuming at any epoch repeats it.
    """
    steps = n // batch_size
    if steps == 0:
        raise TfdojoError(
            f"batch_size: expected at most the {n} training images, received {batch_size}"
        )
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return order[: steps * batch_size].reshape(steps, batch_size).astype(np.int32)


def patience_exhausted(cfg: TrainConfig, epoch: int, best_epoch: int) -> bool:
    """Early stopping: ``cfg.patience`` epochs have passed since the best one."""
    return bool(cfg.patience) and epoch - best_epoch >= cfg.patience
