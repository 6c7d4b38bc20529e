"""What the checks of katas 7-14 share: the variables of a network found and named, their
initial values checked by their statistics, and the causes of checks/common.py's helpers.

A truncated normal of parameter ``stddev`` (tf.random.stateless_truncated_normal draws
again any value beyond two stddevs) has a standard deviation of ``TRUNCATED * stddev``
and no value beyond ``2 * stddev``: the checks recover the ``stddev`` asked from a
tensor's statistics, before any output check sets the biases to other values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.causes import networks as causes
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.common import expect_variables, trainable

TRUNCATED = 0.8796256610342398
"""The standard deviation of a normal truncated at two standard deviations, in stddevs."""

COMMON_CAUSES = [
    ("wrap the weights in tf.Variable", causes.NOT_A_VARIABLE),
    ("a weight matrix of shape", causes.TRANSPOSED),
    ("draw the weights from the seed", causes.NOT_SEEDED),
    ("use the seed argument", causes.SEED_IGNORED),
    ("the learning rate is too high", causes.LR_TOO_HIGH),
    ("train longer", causes.TOO_FEW_STEPS),
    ("the loss did not go down", causes.LOSS_FLAT),
    ("the kata asks for it within", causes.TOO_MANY_STEPS),
    ("return them", causes.NO_LOSSES),
    (".numpy() or NumPy in __call__", causes.NUMPY_IN_CALL),
    ("the number of images comes from x", causes.BATCH_FROM_X),
    ("hold the weights in tf.Variables", causes.NOT_A_VARIABLE),
    ("use each tf.Variable in __call__", causes.VARIABLE_UNUSED),
]
"""checks/common.py's causes (sentences), and the model contract's
(:func:`tfdojo.models.learner.contract_breach`), and the stable causes they are."""

UNNAMED = [
    ("with variables of shapes", causes.VARIABLE_SHAPES),
    ("a model that runs in a tf.function", causes.NOT_IN_GRAPH),
]
"""What a Failure without a cause expected, and the stable cause it is."""


def with_causes(check: Callable[[Checker], str]) -> Callable[[Checker], str]:
    """``check``, with the sentences of checks/common.py's helpers given their stable cause."""

    @functools.wraps(check)
    def checked(ck: Checker) -> str:
        try:
            return check(ck)
        except Failure as f:
            if isinstance(f.cause, str) and f.cause:
                f.cause = next((c for s, c in COMMON_CAUSES if f.cause.startswith(s)), f.cause)
            elif not f.cause:
                f.cause = next((c for s, c in UNNAMED if s in f.expected), f.cause)
            raise

    return checked


def expect_names(built: str, variables: list[tf.Variable], cause: Cause) -> None:
    """Fail unless every weight (rank >= 2) is named W... and every bias (rank 1) b...:
    ``tf.Variable(..., name="W1")``, as the exercise asks (kata 8's penalty may pick the
    weights by name)."""
    wrong = []
    for v in variables:
        name = v.name.split("/")[-1].split(":")[0]
        if not name.startswith("W" if len(v.shape) >= 2 else "b"):
            wrong.append(f"{name} {tuple(v.shape)}")
    if wrong:
        raise Failure(f"{built}'s weights named W..., its biases b...", ", ".join(wrong[:4]), cause)


def mlp_variables(model, built: str, hidden: int = 1024) -> dict[str, tf.Variable]:
    """``{"W1", "b1", "W2", "b2"}`` of a 784-hidden-10 network, found by their shapes."""
    variables = trainable(model, built)
    shapes = [(784, hidden), (hidden,), (hidden, 10), (10,)]
    expect_variables(built, variables, shapes)
    by_shape = {tuple(v.shape): v for v in variables}
    return dict(zip(("W1", "b1", "W2", "b2"), (by_shape[s] for s in shapes)))


def spread_biases(v: dict[str, tf.Variable]) -> None:
    """Biases (``b1``, ``b2``, ...) from -1 to 1 instead of zeros, so that a missing or
    penalised one shows."""
    for name in [n for n in v if n.startswith("b")]:
        v[name].assign(tf.linspace(-1.0, 1.0, v[name].shape[0]))


def expect_zeros(what: str, value, cause: Cause) -> None:
    """Fail unless the initial ``value`` (a bias) is all zeros."""
    a = np.asarray(value)
    if np.any(a != 0):
        raise Failure(f"{what} of zeros", f"values from {a.min():.3g} to {a.max():.3g}", cause)


def expect_he(
    what: str,
    value,
    stddev: float,
    wrong: list[tuple[Cause, float]],
    cause: Cause,
    not_truncated: Cause,
    off_centre: Cause | None = None,
) -> None:
    """Fail unless ``value`` looks drawn from a truncated normal of mean 0 and ``stddev``.

    A mean more than 5 standard errors from 0 is ``off_centre`` (a stddev passed as the
    mean); a value beyond 2.6 standard deviations of the sample (a truncated normal stops
    at 2 / 0.88 = 2.27) is a normal not truncated; then the stddev is recovered as
    std / :data:`TRUNCATED` and compared within 10% with ``stddev`` (or the standard deviation
    itself, as Keras' HeNormal draws), then with each
    ``(cause, stddev)`` of ``wrong``: the first it matches names the mistake, else ``cause``.
    """
    a = np.asarray(value, np.float64).ravel()
    seen = a.std() / TRUNCATED
    if off_centre is not None and abs(a.mean()) > 5 * a.std() / np.sqrt(a.size):
        raise Failure(f"{what} of mean 0", f"mean {a.mean():.3g}, stddev {a.std():.3g}", off_centre)
    if np.abs(a - a.mean()).max() > 2.6 * a.std():
        far = np.abs(a - a.mean()).max() / seen
        raise Failure(
            f"{what} within two stddevs (a truncated normal)",
            f"values {far:.1f} stddevs from the mean",
            not_truncated,
        )
    # the stddev as the truncated normal's parameter (TensorFlow's), or as the standard
    # deviation of the values drawn (Keras' HeNormal): both are He's initialisation
    if abs(seen / stddev - 1) > 0.1 and abs(a.std() / stddev - 1) > 0.1:
        named = next((c for c, s in wrong if abs(seen / s - 1) <= 0.1), cause)
        raise Failure(
            f"{what} drawn with stddev {stddev:.4g}", f"stddev {seen:.4g} (as drawn)", named
        )


# ------------------------------------------------------------------- kata 13's convnet

CONVNET_SHAPES = {
    "W1": (5, 5, 1, 16),
    "b1": (16,),
    "W2": (5, 5, 16, 16),
    "b2": (16,),
    "W3": (784, 64),
    "b3": (64,),
    "W4": (64, 10),
    "b4": (10,),
}
"""The variables of kata 13's convnet (and of kata 14's Keras twin, in this order)."""


def convnet_forward(
    v: dict, x, skip: tuple[str, ...] = (), flatten: str = "hwc", pools: tuple = (2, 2)
) -> np.ndarray:
    """Kata 13's convnet on images ``x`` (N, 28, 28) with the weights ``v`` (variables or
    arrays): logits (N, 10); or a usual mistake, every step named in ``skip`` left out
    (``"b1"`` .. ``"b4"``, ``"relu1"`` .. ``"relu3"``); ``flatten="chw"`` flattens channels
    first (an equivalent network, W3's rows in another order); ``pools`` gives each block's
    max-pool window (stride 2), 0 for a 2x2 average-pool instead.

    conv 5x5 SAME + b1, relu, max-pool 2  (N, 14, 14, 16)
    conv 5x5 SAME + b2, relu, max-pool 2  (N, 7, 7, 16)
    flatten (N, 784), relu(h W3 + b3) (N, 64), h W4 + b4 (N, 10)
    """
    h = tf.reshape(tf.cast(x, tf.float32), [-1, 28, 28, 1])  # (N, 28, 28, 1)
    for i in (1, 2):
        h = tf.nn.conv2d(h, v[f"W{i}"], strides=1, padding="SAME")
        h = h if f"b{i}" in skip else h + v[f"b{i}"]
        h = h if f"relu{i}" in skip else tf.nn.relu(h)
        if pools[i - 1]:
            h = tf.nn.max_pool2d(h, ksize=pools[i - 1], strides=2, padding="SAME")
        else:
            h = tf.nn.avg_pool2d(h, ksize=2, strides=2, padding="SAME")
    if flatten == "chw":
        h = tf.transpose(h, [0, 3, 1, 2])  # (N, 16, 7, 7)
    h = tf.matmul(tf.reshape(h, [-1, 784]), v["W3"])  # (N, 784) @ (784, 64)
    h = h if "b3" in skip else h + v["b3"]
    h = h if "relu3" in skip else tf.nn.relu(h)
    out = tf.matmul(h, v["W4"])  # (N, 64) @ (64, 10)
    return (out if "b4" in skip else out + v["b4"]).numpy()


def expect_own_seeds(what: str, weights: dict[str, np.ndarray], cause: Cause) -> None:
    """Fail when two of ``weights`` (name -> array) were drawn from the same seed.

    A stateless draw (``tf.random.stateless_truncated_normal(shape, seed, stddev=s)``) is
    ``s`` times a stream fixed by the seed alone, whatever the shape: two weights drawn from
    one seed start with the same numbers scaled, ``a[:8] / b[:8]`` one constant.
    """
    flat = {name: np.asarray(w, np.float64).ravel()[:8] for name, w in weights.items()}
    names = sorted(flat)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            x, y = flat[a], flat[b]
            if len(x) < 8 or len(y) < 8 or not np.all(np.abs(y) > 1e-12):
                continue
            ratio = x / y
            if np.allclose(ratio, ratio[0], rtol=1e-4):
                raise Failure(
                    f"{a} and {b} of {what} drawn from seeds of their own",
                    f"{b} starts with {a}'s numbers times {1 / ratio[0]:.3g}",
                    cause,
                )
