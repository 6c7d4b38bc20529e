"""Named models: ``get("mlp")`` gives its architecture and the training defaults that suit it.

Adding a model is adding one :class:`Preset` to :data:`PRESETS`. An unknown name is
refused with the list of valid ones.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any

from tfdojo.core.errors import TfdojoError
from tfdojo.models.spec import ModelConfig


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named model: its architecture and the training settings it is tuned with.

    Attributes:
        name: the name users type (``--model NAME``).
        summary: one line for ``tfdojo params`` and ``--help``.
        model: the architecture: only what differs from :class:`ModelConfig`'s defaults
            (5x5 patches, stride 1, SAME padding, no pooling) is stated.
        train: only the training settings that differ from the defaults of
            :class:`tfdojo.training.settings.TrainConfig` (which are the default model's),
            so a changed default applies to every preset that does not override it.
    """

    name: str
    summary: str
    model: ModelConfig
    train: dict[str, Any] = dataclasses.field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "logistic",
            "the deck's logistic classifier: logits = XW + b, 7,850 parameters",
            ModelConfig(name="logistic"),
            {"epochs": 10, "lr": 0.5, "momentum": 0.0, "dropout": 0.0, "jitter": 0.0},
        ),
        Preset(
            "mlp",
            "the course's ReLU network: one hidden layer of 1,024 units",
            ModelConfig(name="mlp", hidden=(1024,)),
            {"epochs": 10, "dropout": 0.3, "jitter": 0.0},
        ),
        Preset(
            "cnn_course",
            "the course's convnet: two 5x5 stride-2 SAME convs of depth 16, 64 hidden units",
            ModelConfig(name="cnn_course", conv_depths=(16, 16), conv_strides=(2,), hidden=(64,)),
            {"epochs": 10, "dropout": 0.0, "jitter": 0.0},
        ),
        Preset(
            "lenet5",
            "LeNet-5 sized: 5x5 convs of depth 6 and 16 with 2x2 max-pools, 120 and 84 hidden",
            ModelConfig(
                name="lenet5",
                conv_depths=(6, 16),
                conv_padding=("SAME", "VALID"),
                pools=(2,),
                hidden=(120, 84),
            ),
            {"epochs": 10, "dropout": 0.0, "jitter": 0.0},
        ),
        Preset(
            "cnn",
            "the default convnet, chosen for time to accuracy: 3x3 convs of depth 16 and 32 "
            "with 2x2 max-pools, 128 hidden units, dropout, jittered images",
            ModelConfig(
                name="cnn", conv_depths=(16, 32), conv_patches=(3,), pools=(2,), hidden=(128,)
            ),
            {},  # the defaults of TrainConfig are this model's
        ),
    ]
}


def names() -> list[str]:
    """Every model name, in the order they are listed."""
    return list(PRESETS)


def get(name: str) -> Preset:
    """The preset called ``name``.

    Raises:
        TfdojoError: unknown name; the message lists the valid ones.
    """
    name = name.lower() if name.lower() in PRESETS else name  # --model CNN is cnn
    if name not in PRESETS:
        close = difflib.get_close_matches(name.lower(), names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TfdojoError(
            f"--model: unknown model {name!r}{hint}; valid models: {', '.join(names())}"
        )
    return PRESETS[name]
