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
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tfdojo import models, runs
from tfdojo.core import bounds
from tfdojo.core import typed_config as config_lib
from tfdojo.core.errors import TfdojoError
from tfdojo.models import ModelConfig
from tfdojo.models.spec import config_for, is_reference

DEFAULT_MODEL = "cnn"
MAX_SEED = bounds.MAX_SEED
"""Seeds are int64 in TensorFlow's stateless random ops (dropout masks)."""
MAX_EPOCHS = 10_000
"""Most epochs (and ``patience``, ``lr_decay_epochs``): the presets train 8 to 20; ten
thousand passes over the default dataset are days of a laptop's time."""
MAX_BATCH = 65_536
"""Largest ``batch_size`` and ``eval_batch_size``: 205 MB of float32 images a batch; the
full-batch gradient descent of lesson 2 takes 10,000."""
MAX_LR = 1e38
"""Largest ``lr``: the steps are taken in float32, whose largest number is 3.4e38. Far
beyond any rate that learns, on purpose: lr=100 shows training diverge, and the loop stops
with one line naming the rate."""
MAX_JITTER = 4.0
"""Strongest ``jitter``: letters turned by up to 20 degrees, sides scaled by 32%, moved by 6
pixels of 28; beyond that a letter leaves its frame."""
MAX_STEPS_PER_CALL = 1_000
"""Most steps per compiled call (``0`` picks 1 to 200 from the model's size)."""


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on; saved as ``RUN/config.json``.

    The defaults are the default model's (``cnn``) tuned settings: ``TrainConfig()``
    equals ``default_config("cnn")``. They are tuned for time to accuracy in float32 on a
    laptop CPU: 3 epochs of the 16/32-channel convnet, whose real notMNIST accuracy matched
    8 epochs of the former 32/64-channel one's for a third of the work an image and 3/8 of
    the epochs (docs/results/time-to-accuracy.md).

    Every number has a range (below); :meth:`validate` refuses one outside it, NaN or
    infinity, in one line naming the key.

    Attributes:
        model: the architecture (see :class:`tfdojo.models.ModelConfig`).
        engine: ``"tensorflow"`` (:mod:`tfdojo.engines.tensorflow_engine`) or ``"numpy"``
            (:mod:`tfdojo.engines.numpy_engine`: every gradient by hand).
        seed: seeds the initial weights, the shuffles and the dropout masks; 0..2**63-1.
        epochs: passes over the training set; 1..10000.
        batch_size: images per step ``B``; 1..65536.
        optimizer: ``"sgd"`` (with ``momentum``; 0 is plain SGD) or ``"adam"``.
        lr: the learning rate at the start, in (0, 1e38] (:data:`MAX_LR`).
        momentum: SGD's momentum ``mu`` in [0, 1).
        lr_schedule: ``constant``; ``exponential``: ``lr * lr_decay ** (epoch / lr_decay_epochs)``
            (smooth, per step); ``step``: ``lr * lr_decay ** floor(epoch / lr_decay_epochs)``;
            ``cosine``: ``lr * (1 + cos(pi * t / T)) / 2`` over the whole run: it decays
            to 0 by the last step (the last epoch's ``lr`` is about 0, whatever the epochs).
        lr_decay: the factor of ``exponential`` and ``step`` schedules, in (0, 1].
        lr_decay_epochs: epochs per decay factor, in (0, 10000].
        weight_decay: L2 coefficient ``lambda`` (on weights, not biases), in [0, 1].
        dropout: probability of dropping each hidden dense unit while training, in [0, 1).
        jitter: strength of the fresh distortion of every training image at every step
            (:mod:`tfdojo.engines.jitter`): at 1, turned by up to 5 degrees, each side
            scaled by up to 8%, moved by up to 1.5 pixels; 0 is off; in [0, 4]. On for the
            default cnn, off for the course's models.
        patience: early stopping: stop after this many epochs without a better
            validation accuracy (0: never stop early); 0..10000.
        restore_best: export the weights of the epoch with the best validation accuracy
            instead of the last epoch's. Off by default: the cosine schedule anneals the
            rate to 0, so the last weights are the trained model, and choosing among a few
            epochs by 1,530 validation images mostly follows their noise (one default cnn
            run kept its first epoch of three: 92.35% on real notMNIST against 93.05% for
            its last). Turn it on with ``patience`` or a schedule that does not decay.
        steps_per_call: training steps per compiled call; 0 picks from the model's size;
            0..1000.
        eval_batch_size: images per step when evaluating; 1..65536.
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
    epochs: int = 3
    batch_size: int = 128
    optimizer: Literal["sgd", "adam"] = "sgd"
    lr: float = 0.05
    momentum: float = 0.9
    lr_schedule: Literal["constant", "exponential", "step", "cosine"] = "cosine"
    lr_decay: float = 0.5
    lr_decay_epochs: float = 1.0
    weight_decay: float = 0.0
    dropout: float = 0.5
    jitter: float = 1.0
    patience: int = 0
    restore_best: bool = False
    steps_per_call: int = 0
    eval_batch_size: int = 1000
    deterministic: bool = True
    precision: Literal["auto", "float32", "bfloat16"] = "auto"

    def validate(self) -> None:
        """Refuse values no run can use (called on every override).

        Raises:
            TfdojoError: ``KEY: expected ... in RANGE, received VALUE`` (see the attributes).
        """
        whole, number = bounds.whole, bounds.number
        whole("seed", self.seed, 0, MAX_SEED)
        whole("epochs", self.epochs, 1, MAX_EPOCHS)
        whole("batch_size", self.batch_size, 1, MAX_BATCH)
        number("lr", self.lr, 0, MAX_LR, low_open=True)
        number("momentum", self.momentum, 0, 1, high_open=True)
        number("lr_decay", self.lr_decay, 0, 1, low_open=True)
        number("lr_decay_epochs", self.lr_decay_epochs, 0, MAX_EPOCHS, low_open=True)
        number("weight_decay", self.weight_decay, 0, 1)
        number("dropout", self.dropout, 0, 1, high_open=True)
        number("jitter", self.jitter, 0, MAX_JITTER)
        whole("patience", self.patience, 0, MAX_EPOCHS)
        whole("steps_per_call", self.steps_per_call, 0, MAX_STEPS_PER_CALL)
        whole("eval_batch_size", self.eval_batch_size, 1, MAX_BATCH)


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

    Raises:
        TfdojoError: a bad setting; a TOML file whose ``model`` is not a table.
    """
    name = model
    if name is None:
        name = config_lib.parse_sets(sets).get("model.name")
    if name is None and toml_path:
        name = _toml_model_name(toml_path)
    cfg = config_lib.layered(default_config(name or DEFAULT_MODEL), toml_path, sets)
    given = {k: v for k, v in overrides.items() if v is not None}
    return config_lib.replace(cfg, given, where="option") if given else cfg


def _toml_model_name(toml_path: str | Path) -> Any:
    """``model.name`` of a TOML config file (None when it names none).

    Raises:
        TfdojoError: its ``model`` is not a table (``model = "cnn"``, ``model = 5``), or
            its name not a string.
    """
    section = config_lib.read_toml(toml_path).get("model", {})
    if not isinstance(section, dict):
        raise TfdojoError(
            f'{toml_path}: model expects a table ([model] with name = "cnn" and the '
            f"architecture's keys below it), received {section!r}"
        )
    name = section.get("name")
    if name is not None and not isinstance(name, str):
        raise TfdojoError(f"{toml_path}: model.name expects a string, received {name!r}")
    return name


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
    settings = {**runs.ADDED_KEYS, **settings}  # saved before a key existed: its old value
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
