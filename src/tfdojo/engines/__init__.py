"""The engines: what computes a training step, behind one contract.

::

    from tfdojo import engines
    engine = engines.make(cfg, data.train.images, data.train.labels)
    loss_sum, correct = engine.train_steps(batches, rates)   # (k, B) indices, (k,) rates

:func:`make` picks the engine of ``cfg.engine`` and the placement ``dist``:
:class:`TensorFlowEngine` on one device, :class:`NumpyEngine` (every gradient by hand),
or :class:`ReplicatedEngine` on a started ``tf.distribute`` strategy. All three implement
:class:`Engine` (:mod:`tfdojo.engines.contract`) and minimise one objective
(:mod:`tfdojo.engines.objective`). Importing this package does not import TensorFlow
(``tfdojo train --help`` reads :mod:`tfdojo.engines.replicated.cluster`); :func:`make` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tfdojo import models
from tfdojo.core.errors import TfdojoError
from tfdojo.engines.contract import Engine, TrainState
from tfdojo.engines.numpy_engine import NumpyEngine

if TYPE_CHECKING:
    from tfdojo.engines.replicated.strategy import Distribution


def make(
    cfg,
    images: np.ndarray,
    labels: np.ndarray,
    dist: Distribution | None = None,
    model_class=None,
) -> Engine:
    """A new engine for ``cfg``, its model's weights drawn from ``cfg.seed``.

    Args:
        cfg: the run's :class:`tfdojo.training.settings.TrainConfig`; ``cfg.engine``
            picks TensorFlow or NumPy.
        images: uint8 (N, 28, 28) training images; labels: (N,) 0..9.
        dist: where to train (:func:`tfdojo.engines.replicated.strategy.start`); ``None``
            or ``--strategy none`` is one device.
        model_class: for a learner's model (``cfg.model.source``), its class, loaded from
            the path the user gave (:func:`tfdojo.models.learner.load_class`).

    Raises:
        TfdojoError: what :func:`check` refuses.
    """
    # The engines import TensorFlow: here, not at the top, for the commands that need none.
    from tfdojo.engines.replicated.engine import ReplicatedEngine
    from tfdojo.engines.tensorflow_engine import TensorFlowEngine

    replicated = dist is not None and dist.strategy is not None
    check(cfg, dist.spec.kind if replicated else "none")
    if cfg.engine == "numpy":
        return NumpyEngine(cfg, images, labels)
    if not replicated:
        return TensorFlowEngine(cfg, models.build(cfg.model, cfg.seed, model_class), images, labels)
    with dist.scope():
        model = models.build(cfg.model, cfg.seed, model_class)
    return ReplicatedEngine(cfg, model, images, labels, dist)


def check(cfg, strategy: str = "none") -> None:
    """Refuse what no engine does, before anything starts: the NumPy engine replicated
    (``strategy`` other than ``"none"``), or training a learner's model.

    Raises:
        TfdojoError: naming the option to change.
    """
    if cfg.engine != "numpy":
        return
    if strategy != "none":
        raise TfdojoError(f"--strategy {strategy}: only with --engine tensorflow")
    if cfg.model.source:
        raise TfdojoError("--engine numpy: trains tfdojo's own models, not a model of your file")


__all__ = [
    "Engine",
    "TrainState",
    "check",
    "make",
]
