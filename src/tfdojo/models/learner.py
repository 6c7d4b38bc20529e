"""Your own model, trained by tfdojo: ``tfdojo train --model dojo/13_convnet.py:ConvNet``.

The contract a model class must follow (the katas' models do)::

    class ConvNet(tf.Module):
        def __init__(self, seed=0): ...                  # draws its weights from seed
        def __call__(self, x, dropout_rate=0.0, seed=None):
            ...                                          # x float32 (N, 28, 28) in [-0.5, 0.5]
            return logits                                # (N, 10), before softmax

``seed`` is an int tensor (2,) for stateless dropout (``tf.random.stateless_uniform``);
a model may ignore ``dropout_rate``. Its trainable variables are what tfdojo trains;
L2 decay (``--set weight_decay=...``) applies to the variables of rank 2 or more (the
weights), not to the biases. With that, the run folder, the report, ``evaluate``,
``predict`` and ``compare`` work as for tfdojo's own models.

Safety: code is imported only from a path given on the command line (``--model`` to
train, ``--model-code`` to use the run afterwards), never from a path a run folder
names: ``config.json`` records where the model came from, for people to read.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from pathlib import Path

import tensorflow as tf

from tfdojo.core.errors import TfdojoError
from tfdojo.models.base import Model
from tfdojo.models.spec import ModelConfig, is_reference, parse_reference


def load_class(text: str, option: str = "--model"):
    """Import the class ``NAME`` from ``PATH.py`` as the user named them on the command line.

    Raises:
        TfdojoError: a missing file or class, or an error while importing the file (the
            message names the line of the learner's file).
    """
    path, name = parse_reference(text, option)
    if path.suffix != ".py":
        raise TfdojoError(
            f"{option}: {path} is a notebook; put the class in a .py file to use it from the "
            "command line, or pass the class itself from the notebook (model_class=...)"
        )
    if not path.is_file():
        raise TfdojoError(f"{option}: {path} does not exist")
    module_name = f"tfdojo_learner_{abs(hash(path.resolve())):x}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
        raise TfdojoError(f"{option}: {where(exc, path)}") from None
    cls = getattr(module, name, None)
    if cls is None:
        found = sorted(k for k, v in vars(module).items() if isinstance(v, type))
        raise TfdojoError(
            f"{option}: {path} defines no {name!r}; classes in it: {', '.join(found) or 'none'}"
        )
    return cls


def where(exc: BaseException, path: Path) -> str:
    """``"path:LINE: Type: message"`` for an exception raised in the learner's ``path``."""
    line = exc.lineno if isinstance(exc, SyntaxError) else None
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    at = f"{path}:{line}" if line else str(path)
    return f"{at}: {type(exc).__name__}{': ' + text if text else ''}"


class LearnerModel(Model):
    """A learner's ``tf.Module`` with the interface of tfdojo's models.

    ``named_variables`` are its trainable variables named by attribute path
    (``conv1.w``, ``layers.0.kernel``, ...); everything else (weights in and out, L2,
    probabilities) is :class:`~tfdojo.models.base.Model`'s.
    """

    def __init__(self, cls, cfg: ModelConfig, seed: int = 0):
        tf.Module.__init__(self, name="learner")
        self.cfg = cfg
        self.specs = []  # its layers are its own: tfdojo's calculator does not know them
        try:
            self.module = cls(seed=seed)
        except Exception as exc:  # noqa: BLE001
            raise TfdojoError(f"{cfg.source}: could not build the model ({exc})") from None
        if not isinstance(self.module, tf.Module):
            raise TfdojoError(
                f"{cfg.source}: expected a tf.Module subclass, received "
                f"{type(self.module).__name__}"
            )
        self._check_call()

    def _check_call(self) -> None:
        logits = self(tf.zeros([2, 28, 28]))
        if tuple(logits.shape) != (2, 10):
            raise TfdojoError(
                f"{self.cfg.source}: the model gave shape {tuple(logits.shape)} for 2 images; "
                "expected (2, 10) logits"
            )
        if not self.named_variables():
            raise TfdojoError(f"{self.cfg.source}: the model has no trainable tf.Variable")

    def __call__(self, x, dropout_rate: float = 0.0, seed=None):
        try:
            return self.module(x, dropout_rate=dropout_rate, seed=seed)
        except TfdojoError:
            raise
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            path, _ = parse_reference(self.cfg.source)
            raise TfdojoError(f"{self.cfg.source}: calling the model: {where(exc, path)}") from None

    def named_variables(self) -> dict[str, tf.Variable]:
        found = self.module._flatten(  # (path, variable) pairs, in attribute order
            predicate=lambda v: isinstance(v, tf.Variable) and v.trainable, with_path=True
        )
        return {".".join(map(str, path)): v for path, v in found}

    def decayed_variables(self) -> list[tf.Variable]:
        return [v for v in self.named_variables().values() if v.shape.rank >= 2]


__all__ = [
    "LearnerModel",
    "is_reference",
    "load_class",
    "parse_reference",
    "where",
]
