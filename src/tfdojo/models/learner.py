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
``predict``, ``compare`` and ``play`` work as for tfdojo's own models.

Before training, the model is tried as training uses it (:func:`contract_breach`, which
the katas' model checks run too): the logits must be a tf.Tensor (not NumPy) of shape
(N, 10) for any N, a gradient must reach every trainable variable, and the call must run
in a tf.function. A model that breaks it is refused in one line naming the file.

Safety: code is imported only from a path given on the command line (``--model`` to
train, ``--model-code`` to use the run afterwards), never from a path a run folder
names: ``config.json`` records where the model came from, for people to read.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
import traceback
from pathlib import Path

import tensorflow as tf

from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.models.base import Model
from tfdojo.models.spec import ModelConfig, is_reference, parse_reference, source_file


class LearnerCodeError(TfdojoError):
    """An exception of the learner's model while it is called, as one line: raised as it is
    through a tf.function.

    Attributes:
        where: ``"path:LINE: Type: message"`` (:func:`where`).
    """

    ag_pass_through = True  # autograph re-raises it unchanged (not as pages "in user code:")

    def __init__(self, source: str, where: str):
        super().__init__(f"{source}: calling the model: {where}")
        self.where = where


@dataclasses.dataclass(frozen=True)
class Breach:
    """How a model breaks the contract: what was expected, what it gave, the likely cause."""

    expected: str
    received: str
    cause: str = ""

    def __str__(self) -> str:
        text = f"expected {self.expected}, received {self.received}"
        return f"{text}: {self.cause}" if self.cause else text


def variables_by_name(module: tf.Module) -> dict[str, tf.Variable]:
    """The trainable variables of ``module`` named by attribute path: ``conv1.w``,
    ``layers.0.kernel``, ..., in attribute order."""
    found = module._flatten(  # (path, variable) pairs
        predicate=lambda v: isinstance(v, tf.Variable) and v.trainable, with_path=True
    )
    return {".".join(map(str, path)): v for path, v in found}


GRAPH_ONLY = "TensorFlow operations only: no .numpy(), no NumPy on tensors"


def contract_breach(call, variables: dict[str, tf.Variable], path=None) -> Breach | None:
    """How the model ``call`` breaks the contract (this module's docstring), or None.

    It is called as training calls it: eagerly on 2 images, then 5 (a tf.Tensor of (N, 10)
    float logits each time); under a gradient tape (a gradient must reach each of
    ``variables``, its trainable variables by name); traced in a tf.function for any
    number of images. An exception of the model's code in an eager call propagates (the
    caller names the learner's line); one while tracing is a breach, at the line of
    ``path`` (the learner's file) when known.
    """
    for n in (2, 5):
        logits = call(tf.zeros([n, 28, 28]))
        if not tf.is_tensor(logits):
            kind = f"{type(logits).__module__}.{type(logits).__name__}"
            cause = (
                f".numpy() or NumPy in __call__? {GRAPH_ONLY}" if hasattr(logits, "shape") else ""
            )
            return Breach(f"a tf.Tensor of ({n}, 10) logits", kind, cause)
        if tuple(logits.shape) != (n, 10) or not logits.dtype.is_floating:
            return Breach(
                f"({n}, 10) float logits for {n} images",
                f"{logits.dtype.name} of shape {tuple(logits.shape)}",
                "the number of images comes from x (tf.shape(x)[0], or -1 in tf.reshape)"
                if n > 2
                else "",
            )
    if not variables:
        return Breach("a trainable tf.Variable", "none", "hold the weights in tf.Variables")
    unused = _without_gradient(call, variables)
    if unused:
        return Breach(
            "a gradient from the logits to every trainable variable",
            f"none for {', '.join(unused)}",
            "use each tf.Variable in __call__ (or make it trainable=False), with "
            "TensorFlow operations: the tape does not see NumPy",
        )
    traced = tf.function(lambda x: call(x, dropout_rate=0.0, seed=None))
    try:  # training runs in a tf.function: what runs eagerly only fails there
        traced.get_concrete_function(tf.TensorSpec([None, 28, 28], tf.float32))
    except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
        return Breach(
            "a model that runs in a tf.function, as tfdojo trains it",
            getattr(exc, "where", None) or where(exc, path),
            GRAPH_ONLY,
        )
    return None


def _without_gradient(call, variables: dict[str, tf.Variable]) -> list[str]:
    """The names of ``variables`` no gradient of the logits reaches (one replica's view of a
    model built for several: their variables are read in a replica only)."""

    def missing() -> tf.Tensor:
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(tf.cast(call(tf.zeros([2, 28, 28])), tf.float32))
        grads = tape.gradient(total, list(variables.values()))
        return tf.constant([g is None for g in grads])

    if tf.distribute.in_cross_replica_context():
        strategy = tf.distribute.get_strategy()
        run = tf.function(lambda: strategy.run(missing))  # traced: eagerly, it warns
        found = strategy.experimental_local_results(run())[0]
    else:
        found = missing()
    return [name for name, none in zip(variables, found.numpy()) if none]


def load_class(text: str, option: str = "--model"):
    """Import the class ``NAME`` from ``PATH.py`` as the user named them on the command line.

    Raises:
        TfdojoError: a missing file, a folder or a class missing; an error while importing
            the file, or the file ending the program (the message names the learner's line).
    """
    path, name = source_file(text, option)
    module_name = f"tfdojo_learner_{abs(hash(path.resolve())):x}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:
        raise TfdojoError(
            f"{option}: {where(exc, path)}: importing the file ended the program; expected a "
            f"file that defines {name} (put the rest under `if __name__ == '__main__':`)"
        ) from None
    except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
        raise TfdojoError(f"{option}: {where(exc, path)}") from None
    cls = getattr(module, name, None)
    if cls is None:
        found = sorted(k for k, v in vars(module).items() if isinstance(v, type))
        raise TfdojoError(
            f"{option}: {path} defines no {name!r}; classes in it: {', '.join(found) or 'none'}"
        )
    return cls


def where(exc: BaseException, path: Path | None) -> str:
    """``"path:LINE: Type: message"`` for an exception raised in the learner's ``path``.

    In a tf.function the learner's code runs converted by autograph, whose map back to the
    source (``ag_error_metadata``) gives the line when the traceback cannot.
    """
    line = exc.lineno if isinstance(exc, SyntaxError) else None
    mine = os.path.abspath(path) if path is not None else None
    autograph = getattr(exc, "ag_error_metadata", None)
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in frames + list(getattr(autograph, "translated_stack", ()) if line is None else ()):
        if os.path.abspath(getattr(frame, "filename", "") or "") == mine:
            line = frame.lineno
    cause = getattr(autograph, "cause_message", None)  # "Type: message" of what autograph wraps
    if isinstance(cause, str) and cause.strip():
        what = cause.strip().splitlines()[0][:300]
    else:
        text = first_line(exc, 300) if str(exc).strip() else ""
        what = f"{type(exc).__name__}{': ' + text if text else ''}"
    at = f"{path}:{line}" if line else (str(path) if path is not None else "")
    return f"{at}: {what}" if at else what


class LearnerModel(Model):
    """A learner's ``tf.Module`` with the interface of tfdojo's models.

    ``named_variables`` are its trainable variables named by attribute path
    (``conv1.w``, ``layers.0.kernel``, ...); everything else (weights in and out, L2,
    probabilities) is :class:`~tfdojo.models.base.Model`'s. Built, it is tried as
    training will use it (:meth:`_check_call`), so that a model breaking the contract is
    refused in one line before anything is trained or written.
    """

    def __init__(self, cls, cfg: ModelConfig, seed: int = 0):
        tf.Module.__init__(self, name="learner")
        self.cfg = cfg
        self.path = parse_reference(cfg.source)[0]
        self.specs = []  # its layers are its own: tfdojo's calculator does not know them
        try:
            self.module = cls(seed=seed)
        except (Exception, SystemExit) as exc:  # noqa: BLE001
            raise TfdojoError(
                f"{cfg.source}: could not build the model: {where(exc, self.path)}"
            ) from None
        if not isinstance(self.module, tf.Module):
            raise TfdojoError(
                f"{cfg.source}: expected a tf.Module subclass, received "
                f"{type(self.module).__name__}"
            )
        self._check_call()

    def _check_call(self) -> None:
        """Refuse in one line a model that training could not use (:func:`contract_breach`)."""
        breach = contract_breach(self, self.named_variables(), self.path)
        if breach is not None:
            raise TfdojoError(f"{self.cfg.source}: {breach}")

    def __call__(self, x, dropout_rate: float = 0.0, seed=None):
        try:
            return self.module(x, dropout_rate=dropout_rate, seed=seed)
        except TfdojoError:
            raise
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the learner's code: anything
            raise LearnerCodeError(self.cfg.source, where(exc, self.path)) from None

    def named_variables(self) -> dict[str, tf.Variable]:
        return variables_by_name(self.module)

    def decayed_variables(self) -> list[tf.Variable]:
        return [v for v in self.named_variables().values() if v.shape.rank >= 2]


__all__ = [
    "Breach",
    "LearnerCodeError",
    "LearnerModel",
    "is_reference",
    "load_class",
    "parse_reference",
    "contract_breach",
    "where",
]
