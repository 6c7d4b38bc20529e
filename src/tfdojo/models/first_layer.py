"""The first layer of a model, the one worth drawing: one rule for the report, TensorBoard
and ``tfdojo play``.

A model's first weight tensor tells what its first layer looks for:

- ``templates``: the logistic model's ``W`` (784, 10); the logit of letter ``k`` is
  ``z_k = sum_p x_p W[p, k] + b_k``, so column ``k`` is a 28x28 template of the letter;
- ``hidden_units``: an MLP's ``W1`` (784, H); unit ``j`` computes ``relu(x . W1[:, j] + b1_j)``;
- ``filters``: a convnet's first kernel (k, k, 1, depth); each filter slides over the image.

The rule reads shapes, so a learner's own model (:mod:`tfdojo.models.learner`) gets the
same pictures when its first weights have one of these shapes. Its biases are the tensor
right after those weights when it has their last size, or else the one named like them
(``W1`` / ``b1``, ``conv_w`` / ``conv_b``, ``conv1.kernel`` / ``conv1.bias``): a learner's
variables come in the order of their names, where ``W1, W2, b1`` puts ``b1`` last.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class FirstLayer:
    """The first layer's weights and what they are.

    Attributes:
        kind: ``"templates"``, ``"hidden_units"`` or ``"filters"``.
        w: its weights: (784, 10), (784, H) or (k, k, 1, depth).
        b: its biases (10,), (H,) or (depth,), or ``None`` when the model has none of that
            size right after ``w``.
        name, describe: the layer's name and what it does (tfdojo's models say; a
            learner's model gets generic words).
        stride, padding: a convolution's (a learner's model: 1 and SAME, the katas').
    """

    kind: str
    w: np.ndarray
    b: np.ndarray | None = None
    name: str = "first layer"
    describe: str = ""
    stride: int = 1
    padding: str = "SAME"


def first_layer(weights: Mapping[str, Any]) -> FirstLayer | None:
    """The first layer of a model, from its weights in layer order (``model.get_weights()``).

    Returns:
        :class:`FirstLayer`, or ``None`` when the first weight tensor is none of the three
        shapes (a learner's model of another shape).
    """
    names = list(weights)
    arrays = [np.asarray(v) for v in weights.values()]
    i = next((i for i, a in enumerate(arrays) if a.ndim >= 2), None)
    if i is None:
        return None
    w = arrays[i]
    if w.shape == (784, 10):
        kind = "templates"
    elif w.ndim == 2 and w.shape[0] == 784:
        kind = "hidden_units"
    elif w.ndim == 4 and w.shape[2] == 1:
        kind = "filters"
    else:
        return None
    after = arrays[i + 1] if i + 1 < len(arrays) else None
    if after is None or after.shape != (w.shape[-1],):
        paired = [weights[k] for k in bias_names(names[i]) if k in weights]
        after = np.asarray(paired[0]) if paired else None
    b = after if after is not None and after.shape == (w.shape[-1],) else None
    return FirstLayer(kind, w, b)


_WEIGHT_NAME = re.compile(r"^(.*?)(W|w|weights?|kernel)(\d*)$")


def bias_names(name: str) -> list[str]:
    """The names a bias paired with the weights ``name`` may have: ``W1`` -> ``b1``,
    ``conv_w`` -> ``conv_b``, ``conv1.kernel`` -> ``conv1.bias``; none for another name."""
    found = _WEIGHT_NAME.match(name)
    if not found:
        return []
    head, _, digits = found.groups()
    return [f"{head}{b}{digits}" for b in ("b", "bias", "B")]
