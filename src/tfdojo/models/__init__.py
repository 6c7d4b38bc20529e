"""The lesson models in readable TensorFlow: logistic classifier, MLP, convnet.

::

    from tfdojo import models
    preset = models.get("cnn")               # architecture + training defaults
    model = models.build(preset.model, seed=0)
    logits = model(x)                        # x float32 (N, 28, 28) in [-0.5, 0.5]
    probs = model.predict_proba(images)      # images uint8 (N, 28, 28) -> (N, 10)

Only :func:`build` imports TensorFlow, so configs and the registry load instantly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tfdojo.core.errors import TfdojoError
from tfdojo.models.registry import PRESETS, Preset, get, names
from tfdojo.models.spec import ModelConfig

if TYPE_CHECKING:
    from tfdojo.models.base import Model


def build(cfg: ModelConfig, seed: int = 0, model_class=None) -> Model:
    """The TensorFlow model ``cfg`` describes, its weights drawn from ``seed``.

    The class follows from the layers: :class:`~tfdojo.models.logistic.Logistic`
    (no conv, no hidden), :class:`~tfdojo.models.mlp.MLP` (hidden only) or
    :class:`~tfdojo.models.cnn.CNN`; a learner's model (``cfg.source``) is
    ``model_class``, which the caller loaded from a path the user gave
    (:func:`tfdojo.models.learner.load_class`).

    Raises:
        TfdojoError: a learner's model without its class.
    """
    # The model classes import TensorFlow: here, so that configs and presets load without it.
    from tfdojo.models.cnn import CNN
    from tfdojo.models.learner import LearnerModel
    from tfdojo.models.logistic import Logistic
    from tfdojo.models.mlp import MLP

    if cfg.source:
        if model_class is None:
            raise TfdojoError(
                f"model: this run trained the model of {cfg.source}; tfdojo never imports "
                f"code a run folder names: pass --model-code {cfg.source}"
            )
        return LearnerModel(model_class, cfg, seed)
    if cfg.kind == "logistic":
        return Logistic(cfg, seed)
    if cfg.kind == "mlp":
        return MLP(cfg, seed)
    return CNN(cfg, seed)


__all__ = ["PRESETS", "ModelConfig", "Preset", "build", "get", "names"]
