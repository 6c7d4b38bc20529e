"""The deck's slide on convolutions as text: one convolution's output size and parameters.

"Strides, depth & padding": on a 28x28x3 input, a 3x3 patch of output depth 8 gives
28x28x8 with SAME padding and stride 1, 26x26x8 with VALID and stride 1, 13x13x8 with
VALID and stride 2. ``tfdojo shapes`` prints these from :mod:`tfdojo.models.shapes`,
the same calculator the models are built from.
"""

from __future__ import annotations

import re

from tfdojo.models.shapes import conv_output_size


def parse_input_shape(text: str) -> tuple[int, int, int]:
    """``"28x28x3"`` -> (28, 28, 3) (height, width, depth); ``"28x28"`` means depth 1.

    ``x``, ``X``, ``×`` and ``,`` separate the numbers; each must be a whole number >= 1.

    Raises:
        ValueError: anything else, echoing the text received.
    """
    parts = [p.strip() for p in re.split(r"[xX×,]", str(text).strip())]
    rule = "expected HEIGHTxWIDTH or HEIGHTxWIDTHxDEPTH, whole numbers >= 1 (e.g. 28x28x3)"
    if len(parts) not in (2, 3) or not all(re.fullmatch(r"[0-9]+", p) for p in parts):
        raise ValueError(f"input: {rule}, received {text!r}")
    dims = [int(p) for p in parts]
    if min(dims) < 1:
        raise ValueError(f"input: {rule}, received {text!r}")
    if len(dims) == 2:
        dims.append(1)
    return dims[0], dims[1], dims[2]


def conv_shape(
    input_shape: tuple[int, int, int], patch: int, depth: int, stride: int, padding: str
) -> dict:
    """Output shape and parameter count of one convolution on ``input_shape`` (H, W, C).

    Returns:
        ``output`` (H', W', depth), ``params``, ``weights`` k*k*C*depth, ``biases`` depth.

    Raises:
        ValueError: a depth below 1, or arguments :func:`check_conv` refuses.
    """
    h, w, c = input_shape
    if depth < 1:
        raise ValueError(f"depth: expected a whole number >= 1, received {depth}")
    ho = conv_output_size(h, patch, stride, padding)
    wo = conv_output_size(w, patch, stride, padding)
    weights = patch * patch * c * depth
    return {
        "output": (ho, wo, depth),
        "weights": weights,
        "biases": depth,
        "params": weights + depth,
    }


def _formula(n: int, k: int, s: int, padding: str) -> str:
    out = conv_output_size(n, k, s, padding)
    if padding == "SAME":
        return f"ceil({n} / {s}) = {out}"
    return f"ceil(({n} - {k} + 1) / {s}) = {out}"


def describe_conv(
    input_shape: tuple[int, int, int], patch: int, depth: int, stride: int, padding: str
) -> str:
    """``tfdojo shapes --input ...``: one convolution's output size and parameters."""
    r = conv_shape(input_shape, patch, depth, stride, padding)
    h, w, c = input_shape
    ho, wo, _ = r["output"]
    rule = "ceil(n / s)" if padding == "SAME" else "ceil((n - k + 1) / s)"
    return "\n".join(
        [
            f"input {h}x{w}x{c}, patch {patch}x{patch}, depth {depth}, stride {stride}, "
            f"padding '{padding}'",
            f"output size with '{padding}': {rule}",
            f"  height: {_formula(h, patch, stride, padding)}",
            f"  width:  {_formula(w, patch, stride, padding)}",
            f"  depth:  {depth} (one per filter)",
            f"output: {ho}x{wo}x{depth}",
            f"parameters: {patch}x{patch}x{c}x{depth} weights + {depth} biases = {r['params']:,}",
        ]
    )


DECK_TABLE = (("SAME", 1), ("VALID", 1), ("VALID", 2))
"""The rows of the deck's "strides, depth & padding" slide (28x28x3 input, 3x3 patch, depth 8)."""


def deck_table(
    input_shape: tuple[int, int, int] = (28, 28, 3), patch: int = 3, depth: int = 8
) -> str:
    """The deck's table: for each (padding, stride), the output width, height and depth."""
    h, w, c = input_shape
    rows = [("padding", "stride", "width", "height", "depth", "params")]
    for padding, stride in DECK_TABLE:
        r = conv_shape(input_shape, patch, depth, stride, padding)
        ho, wo, d = r["output"]
        rows.append((f"'{padding}'", str(stride), str(wo), str(ho), str(d), f"{r['params']:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    table = [
        "  " + "  ".join([r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in range(1, 6)])
        for r in rows
    ]
    table.insert(1, "  " + "  ".join("-" * w for w in widths))
    return "\n".join(
        [f"input {h}x{w}x{c} (depth {c}), patch {patch}x{patch}, output depth {depth}", ""]
        + [line.rstrip() for line in table]
        + [
            "",
            "SAME: ceil(n / s); VALID: ceil((n - k + 1) / s)",
            f"params = {patch}x{patch}x{c}x{depth} weights + {depth} biases, whatever the "
            "padding and stride",
        ]
    )
