"""Shapes and parameter counts of every layer, computed from a model config alone.

This is the one shape calculator of tfdojo: the TensorFlow models
(:mod:`tfdojo.models`) build their variables from :func:`layers`, ``tfdojo params``
prints it, and the NumPy engine uses it too, so all of them agree by construction.

Conventions (TensorFlow's): images are NHWC, one grey channel; a conv kernel is
``(k, k, C_in, C_out)``; a dense weight is ``(fan_in, fan_out)``; flattening is
row-major over ``(H, W, C)``.

Output size of a convolution or pooling window ``k`` with stride ``s`` on ``n`` pixels::

    SAME:  ceil(n / s)              (zero-padded so every stride position fits)
    VALID: ceil((n - k + 1) / s)    (the window stays inside the image)

Example::

    >>> from tfdojo.models import ModelConfig
    >>> [(l.name, l.output_shape, l.params) for l in layers(ModelConfig())][:1]  # logistic
    [('logits', (10,), 7850)]
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

IMAGE_SIZE = 28
NUM_CLASSES = 10
PADDINGS = ("SAME", "VALID")


def check_conv(n: int, k: int, s: int, padding: str) -> None:
    """The one check of a convolution's or pooling window's arguments.

    Raises:
        ValueError: unknown padding, a patch or stride below 1, or a VALID window larger
            than the input; the message names the argument and echoes the value.
    """
    if padding not in PADDINGS:
        raise ValueError(f"padding: expected one of {', '.join(PADDINGS)}, received {padding!r}")
    if k < 1:
        raise ValueError(f"patch: expected a whole number >= 1, received {k}")
    if s < 1:
        raise ValueError(f"stride: expected a whole number >= 1, received {s}")
    if padding == "VALID" and k > n:
        raise ValueError(
            f"patch: with 'VALID' padding the patch must fit in the input (patch <= {n}), "
            f"received {k}"
        )


def conv_output_size(n: int, k: int, s: int = 1, padding: str = "SAME") -> int:
    """Output length of a window ``k`` with stride ``s`` over ``n`` positions.

    Args:
        n: input height (or width).
        k: window (patch) size.
        s: stride.
        padding: ``"SAME"`` (output ``ceil(n/s)``) or ``"VALID"`` (``ceil((n-k+1)/s)``).

    Raises:
        ValueError: arguments :func:`check_conv` refuses.
    """
    check_conv(n, k, s, padding)
    if padding == "SAME":
        return math.ceil(n / s)
    return math.ceil((n - k + 1) / s)


def pool_output_size(n: int, k: int, s: int | None = None, padding: str = "SAME") -> int:
    """Output length of a max-pool of size ``k`` and stride ``s`` (default ``k``)."""
    return conv_output_size(n, k, k if s is None else s, padding)


def same_padding(n: int, k: int, s: int) -> tuple[int, int]:
    """Zeros added (before, after) by SAME padding, TensorFlow's way (extra one after).

    ``total = max((ceil(n/s) - 1) * s + k - n, 0)``; ``before = total // 2``.
    """
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


@dataclasses.dataclass(frozen=True)
class Layer:
    """One layer of a model, as the shape calculator sees it.

    Attributes:
        name: ``conv1``, ``pool1``, ``flatten``, ``dense1``, ... and ``logits`` (last).
        kind: ``"conv"``, ``"pool"``, ``"flatten"``, ``"dense"`` or ``"logits"``.
        input_shape: per-example input shape, e.g. ``(28, 28, 1)`` or ``(784,)``.
        output_shape: per-example output shape, e.g. ``(14, 14, 16)``.
        weights: parameter name -> shape, e.g. ``{"w": (5, 5, 1, 16), "b": (16,)}``;
            the model's variables are named ``f"{name}.{key}"`` (``conv1.w``).
        size: window size (conv patch or pool size); 0 for other kinds.
        stride: window stride; 0 for other kinds.
        padding: ``"SAME"``/``"VALID"`` for windows, ``""`` otherwise.
        relu: whether a ReLU follows (hidden conv and dense layers).
        macs: multiply-adds per example in the forward pass.
    """

    name: str
    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    weights: dict[str, tuple[int, ...]]
    size: int = 0
    stride: int = 0
    padding: str = ""
    relu: bool = False
    macs: int = 0

    @property
    def params(self) -> int:
        """Number of trainable numbers in this layer."""
        return sum(math.prod(shape) for shape in self.weights.values())

    def describe(self) -> str:
        """A short human description, e.g. ``5x5 conv, stride 2, SAME, depth 16, ReLU``."""
        relu = ", ReLU" if self.relu else ""
        if self.kind == "conv":
            depth = self.output_shape[-1]
            return (
                f"{self.size}x{self.size} conv, stride {self.stride}, {self.padding}, "
                f"depth {depth}{relu}"
            )
        if self.kind == "pool":
            return f"{self.size}x{self.size} max-pool, stride {self.stride}, {self.padding}"
        if self.kind == "flatten":
            return "flatten (H, W, C) row-major"
        return f"dense {self.input_shape[0]} -> {self.output_shape[0]}{relu}"


def _per_conv(values: tuple, i: int) -> Any:
    """A per-conv setting: one value for all layers, or one per layer."""
    return values[0] if len(values) == 1 else values[i]


def layers(cfg: Any) -> list[Layer]:
    """Every layer of the model ``cfg`` describes, in order, with shapes and weights.

    Args:
        cfg: a :class:`tfdojo.models.ModelConfig` (or anything with the same fields:
            ``conv_depths``, ``conv_patches``, ``conv_strides``, ``conv_padding``,
            ``pools``, ``hidden``). No convolutions and no hidden layers is the
            logistic classifier; no convolutions is an MLP.

    Returns:
        The layers from the first to ``logits`` (output ``(10,)``). The input is
        ``(28, 28, 1)`` for a convnet, ``(784,)`` otherwise.

    Raises:
        ValueError: a setting that gives no valid shape (e.g. a window too big).
    """
    out: list[Layer] = []
    depths = tuple(cfg.conv_depths)
    if depths:
        h, c = IMAGE_SIZE, 1
        for i, depth in enumerate(depths):
            k = _per_conv(cfg.conv_patches, i)
            s = _per_conv(cfg.conv_strides, i)
            pad = _per_conv(cfg.conv_padding, i)
            try:
                n = conv_output_size(h, k, s, pad)
            except ValueError as exc:
                raise ValueError(f"conv{i + 1}: {exc}") from None
            out.append(
                Layer(
                    name=f"conv{i + 1}",
                    kind="conv",
                    input_shape=(h, h, c),
                    output_shape=(n, n, depth),
                    weights={"w": (k, k, c, depth), "b": (depth,)},
                    size=k,
                    stride=s,
                    padding=pad,
                    relu=True,
                    macs=n * n * depth * k * k * c,
                )
            )
            h, c = n, depth
            pool = _per_conv(cfg.pools, i) if cfg.pools else 1
            if pool > 1:
                n = pool_output_size(h, pool, pool, "SAME")
                out.append(
                    Layer(
                        name=f"pool{i + 1}",
                        kind="pool",
                        input_shape=(h, h, c),
                        output_shape=(n, n, c),
                        weights={},
                        size=pool,
                        stride=pool,
                        padding="SAME",
                    )
                )
                h = n
        out.append(Layer("flatten", "flatten", (h, h, c), (h * h * c,), {}))
        width = h * h * c
    else:
        width = IMAGE_SIZE * IMAGE_SIZE
    for i, units in enumerate(cfg.hidden):
        out.append(
            Layer(
                name=f"dense{i + 1}",
                kind="dense",
                input_shape=(width,),
                output_shape=(units,),
                weights={"w": (width, units), "b": (units,)},
                relu=True,
                macs=width * units,
            )
        )
        width = units
    out.append(
        Layer(
            name="logits",
            kind="logits",
            input_shape=(width,),
            output_shape=(NUM_CLASSES,),
            weights={"w": (width, NUM_CLASSES), "b": (NUM_CLASSES,)},
            macs=width * NUM_CLASSES,
        )
    )
    return out


def weight_shapes(cfg: Any) -> dict[str, tuple[int, ...]]:
    """Every weight of the model ``cfg`` describes, by the name models give it (``conv1.w``,
    ``conv1.b``, ..., ``logits.b``), in layer order: what ``weights.npz`` must hold."""
    return {f"{l.name}.{key}": shape for l in layers(cfg) for key, shape in l.weights.items()}


def count_params(cfg: Any) -> int:
    """Total trainable numbers of the model ``cfg`` describes (logistic: 7,850)."""
    return sum(layer.params for layer in layers(cfg))


def forward_flops(cfg: Any) -> int:
    """Floating-point operations of one example's forward pass (2 per multiply-add).

    A training step costs about three times this (forward, and backward to both the
    inputs and the weights).
    """
    return 2 * sum(layer.macs for layer in layers(cfg))


def format_table(cfg: Any) -> str:
    """The layers as a text table: name, what it does, output shape, weight shapes, params."""
    rows = [("layer", "does", "output", "weights", "params")]
    in_shape = (IMAGE_SIZE, IMAGE_SIZE, 1) if tuple(cfg.conv_depths) else (IMAGE_SIZE**2,)
    rows.append(("input", "images, scaled to [-0.5, 0.5]", _shape(in_shape), "", ""))
    for l in layers(cfg):
        weights = " + ".join("x".join(map(str, s)) for s in l.weights.values())
        rows.append((l.name, l.describe(), _shape(l.output_shape), weights, f"{l.params:,}"))
    rows.append(("total", "", "", "", f"{count_params(cfg):,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for j, r in enumerate(rows):
        cells = [r[i].ljust(widths[i]) if i < 4 else r[i].rjust(widths[i]) for i in range(5)]
        lines.append("  ".join(cells).rstrip())
        if j == 0 or j == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def describe_model(cfg: Any) -> str:
    """``tfdojo params`` / ``tfdojo shapes --model``: the totals, then :func:`format_table`."""
    return (
        f"{cfg.name}: {count_params(cfg):,} parameters, "
        f"{forward_flops(cfg) / 1e6:.2f} MFLOP per image (forward)\n\n" + format_table(cfg)
    )


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
