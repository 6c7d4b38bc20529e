"""The deck's concepts, computed and printed: softmax, cross-entropy, back-propagation.

Each ``explain_*`` function returns the text that ``tfdojo explain ...`` prints; the
numbers come from the NumPy engine (:mod:`tfdojo.scratch.layers`) and TensorFlow, never
typed in by hand. Shapes of convolutions are :mod:`tfdojo.models.shapes`' (``tfdojo shapes``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tfdojo.core.errors import TfdojoError
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.scratch import layers as L

DECK_SCORES = (-1.0, 1.0, 2.0)
"""The scores of the deck's softmax slide."""


def _num(x: float) -> str:
    """A score as the user would type it: 2 not 2.0, 0.5 as 0.5."""
    return f"{x:g}"


def _check_scores(scores: Sequence[float], what: str = "scores") -> np.ndarray:
    if len(scores) < 2:
        raise TfdojoError(f"{what}: expected at least 2 scores, received {len(scores)}")
    z = np.asarray(scores, dtype=np.float64)
    if not np.all(np.isfinite(z)):
        raise TfdojoError(f"{what}: expected finite numbers, received {list(scores)}")
    return z


# ----------------------------------------------------------------------------- softmax
def _right_class(z: np.ndarray, right: int | None) -> int:
    """The right class's index among the scores ``z``: ``right``, or the last by default."""
    right = len(z) - 1 if right is None else right
    if not 0 <= right < len(z):
        raise TfdojoError(f"--right: expected a class index 0..{len(z) - 1}, received {right}")
    return right


def explain_softmax(scores: Sequence[float] = DECK_SCORES, decimals: int = 2) -> str:
    """The deck's softmax table for ``scores``: score, exp(score), exp/Σexp, and checks.

    S_i = exp(z_i) / Σ_j exp(z_j). Rows are computed with the max subtracted first
    (stable); the exp column is shown as is when it fits in a float.
    """
    z = _check_scores(scores)
    if not 0 <= decimals <= 10:
        raise TfdojoError(f"--decimals: expected 0..10, received {decimals}")
    probs = L.softmax(z)
    with np.errstate(over="ignore"):
        exps = np.exp(z)
    d = decimals
    lines = ["softmax: S_i = exp(z_i) / Σ_j exp(z_j)", ""]
    rows = [("score z", "exp(z)", "exp(z)/Σexp")]
    for zi, ei, pi in zip(z, exps, probs):
        rows.append((_num(zi), f"{ei:.{d}f}" if np.isfinite(ei) else "overflow", f"{pi:.{d}f}"))
    total = f"{exps.sum():.{d}f}" if np.all(np.isfinite(exps)) else "overflow"
    rows.append(("Σ", total, f"{probs.sum():.{d}f}"))
    lines += _table(rows, sep_before_last=True, left=False)
    lines.append("")
    lines.append("exp() makes every score positive and keeps their order; dividing by Σexp")
    lines.append("makes them probabilities:")
    between = bool(np.all((probs > 0) & (probs < 1)))
    lines.append(
        f"  [{'ok' if between else 'NO'}] each between 0 and 1 "
        f"(min {probs.min():.4f}, max {probs.max():.4f})"
    )
    lines.append(f"  [{'ok' if abs(probs.sum() - 1) < 1e-12 else 'NO'}] sum = {probs.sum():.12f}")
    if tuple(z.tolist()) == DECK_SCORES and decimals == 2:
        lines.append("")
        lines.append(
            f"The deck shows 0,36 2,71 7,38 and 0,03 0,26 0,70: it cut the digits off\n"
            f"(e = {math.e:.4f}..., S = {probs[0]:.4f}, {probs[1]:.4f}, {probs[2]:.4f}); "
            f"rounded, they are\n{exps[0]:.2f} {exps[1]:.2f} {exps[2]:.2f} and "
            f"{probs[0]:.2f} {probs[1]:.2f} {probs[2]:.2f}."
        )
    lines.append("")
    lines.append("Scaling the scores changes how sure the classifier is, not the order:")
    for factor, note in (
        (10, "nearer one-hot: very sure"),
        (1, ""),
        (0.1, "nearer uniform: unsure"),
    ):
        p = L.softmax(z * factor)
        shown = ", ".join(f"{v:.{d}f}" for v in p)
        label = f"  ×{_num(factor):<4} ({', '.join(_num(v) for v in z * factor)})"
        lines.append(f"{label}: {shown}" + (f"  <- {note}" if note else ""))
    return "\n".join(lines)


def softmax_values(scores: Sequence[float] = DECK_SCORES) -> dict[str, list[float] | None]:
    """``{"scores", "exp", "probabilities"}`` of the softmax table (``exp`` is ``None``
    where it overflows a float; the probabilities are computed stably)."""
    z = _check_scores(scores)
    with np.errstate(over="ignore"):
        exps = np.exp(z)
    return {
        "scores": z.tolist(),
        "exp": [float(e) if np.isfinite(e) else None for e in exps],
        "probabilities": L.softmax(z).tolist(),
    }


# ----------------------------------------------------------------------------- cross-entropy
def explain_cross_entropy(
    scores: Sequence[float] = DECK_SCORES, right: int | None = None, decimals: int = 4
) -> str:
    """D(S, L) = -Σ_i L_i log S_i on a worked example; for one-hot L it is -log S_right.

    Args:
        scores: the classifier's scores (logits) z.
        right: index of the right class (default: the last, i.e. the deck's 2).
    """
    z = _check_scores(scores)
    k = len(z)
    right = _right_class(z, right)
    probs = L.softmax(z)
    labels = np.zeros(k)
    labels[right] = 1
    d = decimals
    lines = ["cross-entropy: D(S, L) = -Σ_i L_i log(S_i)   (log: natural logarithm)", ""]
    lines.append(f"scores z = {', '.join(_num(v) for v in z)}; right class: {right}")
    lines.append("S = softmax(z); L = one-hot label (1 for the right class, 0 elsewhere)")
    lines.append("")
    rows = [("class", "S_i", "L_i", "-L_i log(S_i)")]
    terms = -labels * np.log(probs)
    for i in range(k):
        rows.append((str(i), f"{probs[i]:.{d}f}", f"{labels[i]:g}", f"{terms[i]:.{d}f}"))
    rows.append(("Σ", "", "", f"{terms.sum():.{d}f}"))
    lines += _table(rows, sep_before_last=True)
    loss, _ = L.softmax_cross_entropy_forward(z[None, :], np.array([right]))
    lines.append("")
    lines.append("Only the right class counts (the other L_i are 0), so")
    lines.append(f"  D(S, L) = -log(S_{right}) = -log({probs[right]:.{d}f}) = {loss:.{d}f}")
    wrong = int(np.argmin(probs))
    if wrong != right:
        other = -math.log(probs[wrong])
        lines.append("")
        lines.append(
            f"Had the right class been {wrong} (S_{wrong} = {probs[wrong]:.{d}f}), D would be "
            f"{other:.{d}f}:"
        )
        lines.append("the loss grows without bound as the right class's probability goes to 0.")
    return "\n".join(lines)


def cross_entropy_values(
    scores: Sequence[float] = DECK_SCORES, right: int | None = None
) -> dict[str, object]:
    """``{"scores", "probabilities", "right", "loss"}``: ``loss = -log S_right``."""
    z = _check_scores(scores)
    right = _right_class(z, right)
    loss, _ = L.softmax_cross_entropy_forward(z[None, :], np.array([right]))
    return {
        "scores": z.tolist(),
        "probabilities": L.softmax(z).tolist(),
        "right": right,
        "loss": float(loss),
    }


# ----------------------------------------------------------------------------- backprop
BACKPROP_NET = {
    "x": [[1.0, 2.0]],
    "W1": [[0.5, -0.4, 0.3], [0.1, 0.2, -0.6]],
    "b1": [0.0, 0.1, 0.2],
    "W2": [[0.7, -0.3], [-0.2, 0.5], [0.4, 0.6]],
    "b2": [0.1, -0.1],
    "y": [1],
}
"""The tiny network of ``tfdojo explain backprop``: 2 inputs, 3 ReLU units, 2 classes.

The third hidden unit is negative before the ReLU, so its gradient is cut to 0.
"""


def backprop_by_hand(net: dict | None = None) -> dict[str, np.ndarray]:
    """Forward and backward pass of the tiny network with the engine's layers (float64).

    z1 = x W1 + b1, h = relu(z1), z2 = h W2 + b2, S = softmax(z2), loss = -log S_y.

    Returns:
        Every intermediate value (``z1``, ``h``, ``z2``, ``S``, ``loss``) and gradient
        (``dz2``, ``dW2``, ``db2``, ``dh``, ``dz1``, ``dW1``, ``db1``).
    """
    net = {
        k: np.asarray(v, dtype=np.int64 if k == "y" else np.float64)
        for k, v in (net or BACKPROP_NET).items()
    }
    z1, c1 = L.affine_forward(net["x"], {"W": net["W1"], "b": net["b1"]})  # (1, 3)
    h, cr = L.relu_forward(z1)  # (1, 3)
    z2, c2 = L.affine_forward(h, {"W": net["W2"], "b": net["b2"]})  # (1, 2)
    loss, cl = L.softmax_cross_entropy_forward(z2, net["y"])
    dz2 = L.softmax_cross_entropy_backward(1.0, cl)["x"]  # (1, 2): S - onehot(y)
    g2 = L.affine_backward(dz2, c2)  # dh, dW2, db2
    dz1 = L.relu_backward(g2["x"], cr)["x"]  # (1, 3)
    g1 = L.affine_backward(dz1, c1)  # dx, dW1, db1
    return {
        **net,
        "z1": z1,
        "h": h,
        "z2": z2,
        "S": L.softmax(z2),
        "loss": np.array(loss),
        "dz2": dz2,
        "dW2": g2["W"],
        "db2": g2["b"],
        "dh": g2["x"],
        "dz1": dz1,
        "dW1": g1["W"],
        "db1": g1["b"],
    }


def backprop_with_tensorflow(net: dict | None = None) -> dict[str, np.ndarray]:
    """The same loss's gradients from ``tf.GradientTape`` (float64): dW1, db1, dW2, db2."""

    tf = configure_tensorflow()
    net = net or BACKPROP_NET
    x = tf.constant(net["x"], tf.float64)
    params = {k: tf.Variable(tf.constant(net[k], tf.float64)) for k in ("W1", "b1", "W2", "b2")}
    with tf.GradientTape() as tape:
        h = tf.nn.relu(x @ params["W1"] + params["b1"])
        logits = h @ params["W2"] + params["b2"]
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=net["y"], logits=logits)
        )
    grads = tape.gradient(loss, params)
    return {"loss": loss.numpy(), **{f"d{k}": g.numpy() for k, g in grads.items()}}


def backprop_values(with_tensorflow: bool = True) -> dict[str, object]:
    """The tiny network's values and gradients by hand (and TF's), as plain lists."""
    mine = backprop_by_hand()
    out: dict[str, object] = {"by_hand": {k: np.asarray(v).tolist() for k, v in mine.items()}}
    if with_tensorflow:
        tf_grads = backprop_with_tensorflow()
        out["tensorflow"] = {k: np.asarray(v).tolist() for k, v in tf_grads.items()}
        out["max_difference"] = max(
            float(np.max(np.abs(np.asarray(mine[k]) - np.asarray(v)))) for k, v in tf_grads.items()
        )
    return out


def _vec(a: np.ndarray, d: int = 4) -> str:
    a = np.atleast_1d(np.asarray(a)) + 0.0  # + 0.0 turns -0.0 into 0.0
    if a.ndim == 2 and a.shape[0] > 1:
        return "[" + ", ".join(_vec(row, d) for row in a) + "]"
    return "[" + ", ".join(f"{v:.{d}f}" for v in a.ravel()) + "]"


def explain_backprop(with_tensorflow: bool = True) -> str:
    """The tiny network's forward values, its gradients by the chain rule, and TF's."""
    v = backprop_by_hand()
    y = int(v["y"][0])
    lines = [
        "A tiny network: 2 inputs -> 3 ReLU units -> 2 classes, right class y = " + str(y),
        "",
        "forward",
        f"  x                = {_vec(v['x'])}",
        f"  z1 = x W1 + b1   = {_vec(v['z1'])}",
        f"  h = relu(z1)     = {_vec(v['h'])}",
        f"  z2 = h W2 + b2   = {_vec(v['z2'])}",
        f"  S = softmax(z2)  = {_vec(v['S'])}",
        f"  loss = -log S_{y}  = {float(v['loss']):.4f}",
        "",
        "backward: the chain rule [g(f(x))]' = g'(f(x)) · f'(x), from the loss down",
        f"  dL/dz2 = S - onehot(y)          = {_vec(v['dz2'])}",
        f"  dL/dW2 = h^T · dL/dz2           = {_vec(v['dW2'])}",
        f"  dL/db2 = dL/dz2                 = {_vec(v['db2'])}",
        f"  dL/dh  = dL/dz2 · W2^T          = {_vec(v['dh'])}",
        f"  dL/dz1 = dL/dh · [z1 > 0]       = {_vec(v['dz1'])}",
        f"  dL/dW1 = x^T · dL/dz1           = {_vec(v['dW1'])}",
        f"  dL/db1 = dL/dz1                 = {_vec(v['db1'])}",
    ]
    dead = [i for i, zi in enumerate(v["z1"][0]) if zi <= 0]
    if dead:
        units = ", ".join(str(i) for i in dead)
        lines.append(
            f"  (hidden unit {units} is negative before the ReLU: h = 0 there, so its "
            "row of dW2\n  and its column of dW1 are 0)"
        )
    if not with_tensorflow:
        return "\n".join(lines)
    t = backprop_with_tensorflow()
    lines += ["", "the same gradients from tf.GradientTape", ""]
    rows = [("gradient", "entry", "by hand", "GradientTape", "|difference|")]
    worst = abs(float(v["loss"]) - float(t["loss"]))
    for name in ("dW1", "db1", "dW2", "db2"):
        mine, theirs = np.asarray(v[name]) + 0.0, np.asarray(t[name]) + 0.0  # no -0.0
        for idx in np.ndindex(mine.shape):
            diff = abs(float(mine[idx]) - float(theirs[idx]))
            worst = max(worst, diff)
            entry = "[" + ",".join(str(i) for i in idx) + "]"
            rows.append((name, entry, f"{mine[idx]:+.6f}", f"{theirs[idx]:+.6f}", f"{diff:.1e}"))
    lines += _table(rows)
    lines.append("")
    lines.append(
        f"loss: {float(v['loss']):.6f} by hand, {float(t['loss']):.6f} from TensorFlow; "
        f"max difference over loss and gradients: {worst:.1e} (float64)"
    )
    return "\n".join(lines)


# ----------------------------------------------------------------------------- helpers
def _table(
    rows: list[tuple[str, ...]], sep_before_last: bool = False, left: bool = True
) -> list[str]:
    """Right-aligned columns (the first left-aligned if ``left``), a rule under the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def fmt(r: tuple[str, ...]) -> str:
        first = r[0].ljust(widths[0]) if left else r[0].rjust(widths[0])
        cells = [first] + [r[i].rjust(widths[i]) for i in range(1, len(r))]
        return "  " + "  ".join(cells).rstrip()

    rule = "  " + "  ".join("-" * w for w in widths)
    out = [fmt(rows[0]), rule] + [fmt(r) for r in rows[1:]]
    if sep_before_last:
        out.insert(len(out) - 1, rule)
    return out
