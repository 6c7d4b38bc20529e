"""The model config: one frozen dataclass describes every model tfdojo trains.

No convolutions and no hidden layers is the logistic classifier; hidden layers
only is an MLP; convolutions (then hidden layers) is a convnet. Named presets
(:mod:`tfdojo.models.registry`) fill it in; ``--set model.hidden=512,256`` changes it.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Literal

from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_write import check_name
from tfdojo.models.shapes import IMAGE_SIZE, count_params, forward_flops, layers

Padding = Literal["SAME", "VALID"]

RANGES: dict[str, tuple[int, int]] = {
    "conv_depths": (1, 1024),
    "conv_patches": (1, IMAGE_SIZE),
    "conv_strides": (1, IMAGE_SIZE),
    "pools": (1, IMAGE_SIZE),
    "hidden": (1, 32_768),
}
"""The range of each value of the numeric settings. A patch, stride or pool larger than the
28 x 28 image does nothing a smaller one would not; 1,024 channels and 32,768 units are 16 and
32 times the largest the presets use."""

MAX_LAYERS = 16
"""Most convolutions, and most hidden layers, a model may have."""

MAX_PARAMS = 50_000_000
"""Most trainable numbers a model may have: 200 MB as float32, 60 times the MLP preset's
814,090. Two hidden layers of 4,096 units (20 million) fit; ``hidden=600000`` (470 million) not."""

MAX_FORWARD_FLOPS = 1_000_000_000
"""Most floating-point operations a model may take to answer one image: 1 GFLOP, 410 times
the default convnet's 2.44 MFLOP. Three such operations per image and step train an epoch of
180,000 images in well over an hour on a laptop; more is not an experiment on 28 x 28 images."""
_REF = re.compile(r"^(?P<path>.+\.(py|ipynb)):(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Architecture of a model; per-conv settings take one value for all or one per conv.

    Every numeric setting has a range (:data:`RANGES`), and the model a bound on its size
    (:data:`MAX_PARAMS`) and cost (:data:`MAX_FORWARD_FLOPS`), checked by :meth:`validate`.

    Attributes:
        name: the preset it came from (``logistic``, ``mlp``, ``cnn``, ...), for the record.
        conv_depths: output channels of each convolution, e.g. ``(16, 16)``.
        conv_patches: kernel size ``k`` (a ``k x k`` patch) of each convolution.
        conv_strides: stride of each convolution.
        conv_padding: ``"SAME"`` or ``"VALID"`` for each convolution.
        pools: max-pool size (= stride) after each convolution; 1 means no pooling.
        hidden: widths of the ReLU dense layers before the 10 logits.
        source: ``PATH.py:NAME`` of a learner's own model class
            (:mod:`tfdojo.models.learner`); empty for tfdojo's models. Recorded for
            people to read: tfdojo never imports it from a saved config.
    """

    name: str = "logistic"
    conv_depths: tuple[int, ...] = ()
    conv_patches: tuple[int, ...] = (5,)
    conv_strides: tuple[int, ...] = (1,)
    conv_padding: tuple[Padding, ...] = ("SAME",)
    pools: tuple[int, ...] = (1,)
    hidden: tuple[int, ...] = ()
    source: str = ""

    @property
    def kind(self) -> str:
        """``"logistic"``, ``"mlp"`` or ``"cnn"``, from the layers it has; ``"learner"``
        for a model of the learner's own (``source``)."""
        if self.source:
            return "learner"
        if self.conv_depths:
            return "cnn"
        return "mlp" if self.hidden else "logistic"

    def validate(self) -> None:
        """Refuse settings that give no model, or one beyond tfdojo's bounds: each value
        within :data:`RANGES`, at most :data:`MAX_LAYERS` convolutions and hidden layers,
        :data:`MAX_PARAMS` parameters and :data:`MAX_FORWARD_FLOPS` per image, and a name
        that is not one path component (it names the run folder,
        ``runs/<name>-<date>-<time>``). Called by :func:`tfdojo.core.typed_config.replace`:
        every ``--set``, TOML file and saved ``config.json`` goes through it, before
        anything is built or read."""
        check_name(self.name, "model.name")
        n = len(self.conv_depths)
        for key in (
            "conv_depths",
            "hidden",
            "conv_patches",
            "conv_strides",
            "conv_padding",
            "pools",
        ):
            if len(getattr(self, key)) > MAX_LAYERS:
                raise TfdojoError(
                    f"model.{key}: expected at most {MAX_LAYERS} values (one per layer), "
                    f"received {len(getattr(self, key)):,}"
                )
        for key in ("conv_patches", "conv_strides", "conv_padding", "pools"):
            values = getattr(self, key)
            if n and len(values) not in (1, n):
                raise TfdojoError(
                    f"model.{key}: expected 1 value or {n} (one per conv), received {values}"
                )
        for key, (low, high) in RANGES.items():
            values = getattr(self, key)
            if any(not low <= v <= high for v in values):
                raise TfdojoError(
                    f"model.{key}: expected whole numbers from {low} to {high:,}, "
                    f"received {_short(values)}"
                )
        try:
            layers(self)
        except ValueError as exc:
            raise TfdojoError(f"model: {exc}") from None
        params, flops = count_params(self), forward_flops(self)
        if params > MAX_PARAMS or flops > MAX_FORWARD_FLOPS:
            raise TfdojoError(
                f"model: {params:,} parameters and {flops:,} FLOPs per image; expected at most "
                f"{MAX_PARAMS:,} and {MAX_FORWARD_FLOPS:,}, received conv_depths="
                f"{self.conv_depths}, conv_patches={self.conv_patches}, conv_strides="
                f"{self.conv_strides}, pools={self.pools}, hidden={self.hidden}"
            )


def _short(values: tuple) -> str:
    text = str(values)
    return text if len(text) <= 80 else text[:77] + "..."


def is_reference(text: str | None) -> bool:
    """Whether ``text`` names a model in a file (``PATH.py:NAME``), not a tfdojo preset."""
    return bool(text) and _REF.match(str(text)) is not None


def parse_reference(text: str, option: str = "--model") -> tuple[Path, str]:
    """``"dojo/13_convnet.py:ConvNet"`` -> (Path("dojo/13_convnet.py"), "ConvNet").

    A notebook's class is recorded as ``NOTEBOOK.ipynb:NAME`` (trained from the notebook,
    with the class in hand; it cannot be imported from the command line).

    Raises:
        TfdojoError: not ``PATH.py:NAME`` or ``PATH.ipynb:NAME``.
    """
    m = _REF.match(str(text))
    if not m:
        raise TfdojoError(
            f"{option}: expected PATH.py:NAME (a model class in a Python file), received {text!r}"
        )
    return Path(m["path"]), m["name"]


def source_file(text: str, option: str = "--model") -> tuple[Path, str]:
    """``(path, class name)`` of ``PATH.py:NAME`` once ``PATH.py`` is a file to import.

    Raises:
        TfdojoError: not ``PATH.py:NAME``; a notebook; a missing file; a folder or
            anything else that is no regular file.
    """
    path, name = parse_reference(text, option)
    if path.suffix != ".py":
        raise TfdojoError(
            f"{option}: {path} is a notebook; put the class in a .py file to use it from the "
            "command line, or pass the class itself from the notebook (model_class=...)"
        )
    if path.is_dir():
        raise TfdojoError(f"{option}: {path} is a folder; expected a Python file PATH.py:{name}")
    if not path.exists():
        raise TfdojoError(f"{option}: {path} does not exist")
    if not path.is_file():
        raise TfdojoError(f"{option}: {path} is not a regular file; expected a Python file")
    return path, name


def config_for(text: str) -> ModelConfig:
    """The :class:`ModelConfig` that records a learner's model (its source, for reading)."""
    _, name = parse_reference(text)
    return ModelConfig(name=name, source=text)
