"""Checks of katas 1-4: tensors, the logistic classifier, softmax and cross-entropy, one step.

The oracles are TensorFlow's own ops (tf.reshape, tf.one_hot, tf.nn.softmax,
tf.nn.softmax_cross_entropy_with_logits), tfdojo's ``normalize`` and a reference
GradientTape; inputs are random with fixed seeds. Each function is called with several
shapes and settings (3 and 5 images, 3 and 26 classes, two learning rates), so that a
number written in place of an argument shows; the logistic model's initial weights are
checked by their spread before any output.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdojo.models.layers import normalize
from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.causes import basics as c
from tfdojo.teaching.kata.checking import Checker, Failure
from tfdojo.teaching.kata.checks.common import (
    cross_entropy,
    expect_contract,
    random_images,
    random_labels,
)
from tfdojo.teaching.kata.checks.probabilities import (
    CrossEntropyCauses,
    SoftmaxCauses,
    cross_entropy_mistakes,
    softmax_mistakes,
)
from tfdojo.teaching.kata.checks.updates import SEEDS, as_probabilities, step_mistakes
from tfdojo.teaching.kata.expect import brief, expect_close, expect_runs, to_array
from tfdojo.teaching.kata.sources import reference

RESHAPE_ERROR = r"Input to reshape is a tensor with|Cannot reshape a tensor with"
BROADCAST_ERROR = r"Incompatible shapes|must be broadcastable|could not be broadcast"

# ------------------------------------------------------------------------------ 1 tensors


def check_tensors(ck: Checker) -> str:
    flatten, scale, one_hot = ck.get("flatten"), ck.get("scale"), ck.get("one_hot")
    rng = np.random.default_rng(0)
    sizes = (3, 1, 5) + ((int(ck.rng.integers(2, 65)),) if ck.strict else ())
    for n in sizes:
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        rows = images.reshape(n, 784)
        ck.case = f"flatten(images), images uint8 ({n}, 28, 28)"
        got = expect_runs(
            ck.call,
            f"({n}, 784) rows",
            flatten,
            tf.constant(images),
            known=[(RESHAPE_ERROR, c.FLATTEN_FIXED_N)],
        )
        expect_close(
            "flatten(images)",
            got,
            rows,
            wrong=[
                (c.FLATTEN_ONE_ROW, images.reshape(-1)),
                (c.FLATTEN_TRANSPOSED, rows.T),
                (c.FLATTEN_ORDER, images.transpose(0, 2, 1).reshape(n, 784)),
                (c.FLATTEN_FIXED_N, np.zeros((3, 784))),  # 3 images, whatever the input
            ],
        )

    images = np.concatenate([[0, 255, 1, 254, 128, 127], rng.integers(0, 256, 2 * 784 - 6)])
    images = images.astype(np.uint8).reshape(2, 28, 28)
    ck.case = "scale(images), images uint8 (2, 28, 28), pixels 0 and 255 among them"
    x = to_array("scale(images)", ck.call(scale, tf.constant(images)))
    p = images.astype(np.float64)
    expect_close(
        "scale(images)",
        x,
        normalize(images).numpy(),
        wrong=[
            (c.SCALE_NOT_CENTRED, p / 255),
            (c.SCALE_MINUS_ONE, p / 127.5 - 1),
            (c.SCALE_MINUS_ONE, (p - 128) / 128),
            (c.SCALE_MINUS_ONE, (p - 127.5) / 127.5),
            (c.SCALE_256, p / 256 - 0.5),
            (c.SCALE_256, (p - 128) / 256),
            (c.SCALE_PRECEDENCE, p - 0.5 / 255),
            (c.SCALE_INTEGER, p // 255 - 0.5),
            (c.SCALE_INTEGER, p // 255),
        ],
    )
    if x.dtype != np.float32:
        raise Failure("float32 values", f"dtype {x.dtype}", c.SCALE_DTYPE)

    cases = [([2, 0, 9, 4], 10), ([2, 0, 1], 3), ([25, 0, 7, 12, 3], 26)]
    if ck.strict:  # a random number of classes and of labels
        k = int(ck.rng.integers(2, 41))
        cases.append((ck.rng.integers(0, k, int(ck.rng.integers(1, 50))).tolist(), k))
    for y, k in cases:
        y = np.array(y, np.int32)
        ck.case = f"one_hot(y, num_classes={k}), y = {y.tolist()}"
        want = np.eye(k)[y]
        got = expect_runs(
            ck.call,
            f"({len(y)}, {k}) one-hot rows",
            one_hot,
            tf.constant(y),
            k,
            known=[(r"are valid indices", c.ONE_HOT_INDEXING)],
        )
        got = expect_close(
            "one_hot(y)",
            got,
            want,
            wrong=[
                (c.ONE_HOT_INTEGER, y),
                (c.ONE_HOT_INTEGER, y[:, None]),
                (c.ONE_HOT_OFF_BY_ONE, (y[:, None] - 1 == np.arange(k)).astype(float)),
                (c.ONE_HOT_OFF_BY_ONE, (y[:, None] + 1 == np.arange(k)).astype(float)),
                (c.ONE_HOT_CLASSES, np.zeros((len(y), 10)) if k != 10 else want),
                (c.ONE_HOT_AXIS, want.T if len(y) != k else want),
            ],
        )
        if got.dtype != np.float32:
            raise Failure("float32 one-hot rows", f"dtype {got.dtype}", c.ONE_HOT_DTYPE)
    return (
        "images flatten to (N, 784) rows for any N, pixels scale to [-0.5, 0.5] in float32, "
        "labels one-hot for any number of classes."
    )


# ---------------------------------------------------------------------------- 2 logistic


def expect_logistic_variables(model: tf.Module) -> tuple[tf.Variable, tf.Variable]:
    """``(W, b)`` of a Logistic model: tf.Variables of shapes (784, 10) and (10,), named
    W... and b...; a Failure naming the likely cause otherwise."""
    others = [
        f"{k} is a {type(v).__name__}"
        for k, v in vars(model).items()
        if hasattr(v, "shape") and not isinstance(v, tf.Variable)
    ]
    found = list(model.trainable_variables)
    if others or not found:
        received = ", ".join(others) if others else "no variable"
        raise Failure("W and b as tf.Variables", received, c.NOT_VARIABLES)
    got = sorted((tuple(v.shape) for v in found), key=len, reverse=True)
    if got != [(784, 10), (10,)]:
        cause = c.VARIABLE_SHAPES
        if (10, 784) in got:
            cause = c.W_TRANSPOSED
        elif (784, 10) in got and len(got) == 2:
            cause = c.BIAS_SHAPE
        raise Failure("variables of shapes [(784, 10), (10,)] (7,850 parameters)", str(got), cause)
    W, b = sorted(found, key=lambda v: len(v.shape), reverse=True)
    names = [v.name.split("/")[-1].split(":")[0] for v in (W, b)]
    if not (names[0].startswith("W") and names[1].startswith("b")):
        raise Failure(
            "a weight named W... and a bias named b...", f"names {names}", c.VARIABLE_NAMES
        )
    return W, b


def expect_initial_spread(W: tf.Variable, b: tf.Variable) -> None:
    """Fail unless W looks drawn with stddev 0.1 (a truncated normal's spread is 0.088,
    a normal's 0.1) around 0, and b is zeros."""
    w = W.numpy().astype(np.float64)
    std, mean, top = float(w.std()), float(w.mean()), float(np.abs(w).max())
    if not (0.075 <= std <= 0.11 and abs(mean) < 0.01 and top < 0.6):
        raise Failure(
            "W drawn around 0 with stddev 0.1 (a truncated normal: std 0.088, |W| <= 0.2)",
            f"std {std:.3g}, mean {mean:.3g}, largest |W| {top:.3g}",
            c.INIT_STDDEV,
        )
    if np.any(b.numpy() != 0):
        raise Failure("b = zeros (10,)", brief(b.numpy()), c.BIAS_NOT_ZERO)


def expect_seeded_weights(Logistic: type) -> None:
    """Fail unless ``Logistic(seed=0)`` twice gives the same W, and seeds 1 and 7 others."""
    W = {}
    for i, seed in enumerate((0, 0, 1, 7)):
        W[i] = expect_logistic_variables(Logistic(seed=seed))[0].numpy()
    if not np.array_equal(W[0], W[1]):
        raise Failure(
            "the same initial W from Logistic(seed=0) twice", "different ones", c.UNSEEDED
        )
    if np.array_equal(W[0], W[2]) or np.array_equal(W[2], W[3]):
        raise Failure(
            "other initial weights for seeds 0, 1 and 7", "the same weights", c.SEED_IGNORED
        )


def check_logistic(ck: Checker) -> str:
    Logistic = ck.get("Logistic")

    ck.case = "model = Logistic(seed=0): its variables and their initial values"
    model = ck.call(Logistic, seed=0)
    W, b = expect_logistic_variables(model)
    expect_initial_spread(W, b)

    ck.case = "Logistic(seed=0) twice, then Logistic(seed=1) and Logistic(seed=7)"
    expect_seeded_weights(Logistic)

    b.assign(tf.linspace(-1.0, 1.0, 10))  # a bias that shows whether it is added
    for n in (5, 1, 13) + ((int(ck.rng.integers(2, 65)),) if ck.strict else ()):
        ck.case = f"model(x, dropout_rate=0.0, seed=None), x float32 ({n}, 28, 28), b = [-1 .. 1]"
        x = random_images(n, n)
        X = x.numpy().reshape(n, 784).astype(np.float64)
        want = X @ W.numpy() + b.numpy()
        logits = expect_runs(
            ck.call,
            f"({n}, 10) logits",
            model,
            x,
            dropout_rate=0.0,
            seed=None,
            known=[(RESHAPE_ERROR, c.FIXED_BATCH)],
        )
        expect_close(
            "the logits",
            logits,
            want,
            wrong=[
                (c.SOFTMAX_IN_MODEL, tf.nn.softmax(want).numpy()),
                (c.NO_BIAS, X @ W.numpy()),
                (c.ACTIVATION_ON_LOGITS, np.maximum(want, 0)),
                (c.ACTIVATION_ON_LOGITS, 1 / (1 + np.exp(-want))),
                (c.FIXED_BATCH, np.zeros((5, 10))),
            ],
        )
    try:
        expect_contract(ck, model, "Logistic(seed=0)")
    except Failure as f:  # the contract's reasons are sentences: its cause, by id
        if f.cause and not isinstance(f.cause, Cause):
            raise Failure(f.expected, f"{f.received} ({f.cause})", c.CONTRACT) from f
        raise
    return (
        "W (784, 10) and b (10,) are variables named W and b, drawn from the seed (W's "
        "spread 0.1, b zeros); logits = X W + b for 1, 5 and 13 images."
    )


# ----------------------------------------------------------------- 3 softmax, cross-entropy

SOFTMAX = SoftmaxCauses(
    c.SM_AXIS_0,
    c.SM_WHOLE_SUM,
    c.SM_NO_KEEPDIMS,
    c.SM_BATCH_MAX,
    c.SM_OVERFLOW,
    c.SM_NO_EXP,
    c.SM_REDUCED,
)
CROSS_ENTROPY = CrossEntropyCauses(
    c.CE_SUM_NOT_MEAN,
    c.CE_SOFTMAX_TWICE,
    c.CE_LOG_OF_LOGITS,
    c.CE_WRONG_SIGN,
    c.CE_LOG_UNDERFLOW,
    c.CE_BATCH_MAX,
    c.CE_AXIS_0,
    c.CE_NO_KEEPDIMS,
    c.CE_EVERY_CLASS,
    c.CE_NOT_ONE_NUMBER,
    c.CE_MEAN_OVER_CLASSES,
    c.CE_OVERFLOW,
)
MIXED_SCALES = [[1000.0, 1001.0, 1002.0], [0.0, 1.0, 2.0], [-1000.0, -999.0, -998.0]]
"""Rows of very different scale: a shift by the batch's maximum leaves two rows at 0 / 0."""


def strict_logits(ck: Checker) -> list[tuple[str, np.ndarray]]:
    """Under ``--strict``, one more case: logits of a random shape, each row of its own
    random scale and offset; none otherwise."""
    if not ck.strict:
        return []
    n, k = (int(v) for v in ck.rng.integers(1, 40, size=2))
    z = ck.rng.normal(0, 1, (n, k)) * ck.rng.uniform(0.1, 10, (n, 1))
    z += ck.rng.uniform(-300, 300, (n, 1))  # rows far apart from one another
    return [(f"random logits ({n}, {k}), rows of different scales", z)]


def check_softmax_cross_entropy(ck: Checker) -> str:
    softmax, cross_entropy_fn = ck.get("softmax"), ck.get("cross_entropy")
    rng = np.random.default_rng(3)
    for label, z in [
        ("a batch of 2 rows", [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),
        ("4 images, 10 classes", rng.normal(0, 3, size=(4, 10))),
        ("3 images, 3 classes", rng.normal(0, 2, size=(3, 3))),
        ("large logits", [[1000.0, 1001.0, 1002.0]]),
        ("very negative logits", [[-1000.0, -1001.0, -1002.0]]),
        ("rows of very different scale", MIXED_SCALES),
        *strict_logits(ck),
    ]:
        z = np.asarray(z, np.float32)
        ck.case = f"softmax(logits), {label}: {z.tolist() if z.size <= 9 else 'random'}"
        got = expect_runs(
            ck.call,
            f"probabilities of shape {z.shape}",
            softmax,
            tf.constant(z),
            known=[(BROADCAST_ERROR, c.SM_NO_KEEPDIMS)],
        )
        expect_close(
            "softmax(logits)", got, tf.nn.softmax(z).numpy(), wrong=softmax_mistakes(z, SOFTMAX)
        )

    for label, z, y in [
        ("the deck's logits [2.0, 1.0, 0.1], right class 0", [[2.0, 1.0, 0.1]], [0]),
        ("4 images, 10 classes", rng.normal(0, 3, size=(4, 10)), random_labels(4, 3)),
        ("3 images, 3 classes", rng.normal(0, 2, size=(3, 3)), [2, 0, 1]),
        ("large logits", [[1000.0, 1001.0, 1002.0]], [1]),
        ("rows of very different scale", MIXED_SCALES, [2, 0, 1]),
        ("logits far apart", [[0.0, 800.0], [5.0, -5.0]], [0, 0]),
        *[(label, z, ck.rng.integers(0, z.shape[1], len(z))) for label, z in strict_logits(ck)],
    ]:
        z, y = np.asarray(z, np.float32), np.asarray(y)
        y_onehot = np.eye(z.shape[1], dtype=np.float32)[y]
        ck.case = f"cross_entropy(logits, y_onehot), {label}"
        want = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y_onehot, z)).numpy()
        got = expect_runs(
            ck.call,
            "one number",
            cross_entropy_fn,
            tf.constant(z),
            tf.constant(y_onehot),
            known=[(BROADCAST_ERROR, c.CE_NO_KEEPDIMS)],
        )
        got = to_array("cross_entropy(...)", got)
        expect_close(
            "cross_entropy(...)",
            got.reshape(()) if got.size == 1 else got,  # one number, of whatever shape
            want,
            wrong=cross_entropy_mistakes(z, y, CROSS_ENTROPY),
        )

    ck.case = "the gradient of cross_entropy(logits, y_onehot) by tf.GradientTape, 4 images"
    z = tf.Variable(rng.normal(0, 3, size=(4, 10)).astype(np.float32))
    y_onehot = tf.one_hot(random_labels(4, 4), 10)
    with tf.GradientTape() as tape:
        loss = ck.call(cross_entropy_fn, z, y_onehot)
    if not tf.is_tensor(loss):
        raise Failure(
            "a tf.Tensor the tape can differentiate", type(loss).__name__, c.CE_NOT_DIFFERENTIABLE
        )
    gradient = tape.gradient(loss, z)
    want = (tf.nn.softmax(z) - y_onehot) / 4  # dD/dz = (S - L) / N
    if gradient is None:
        raise Failure(f"dloss/dlogits = {brief(want.numpy())}", "None", c.CE_NOT_DIFFERENTIABLE)
    expect_close("dloss/dlogits", gradient, want.numpy())
    return (
        "softmax and the mean cross-entropy match TensorFlow's row by row, stable at +-1000, "
        "800 apart and for rows of very different scale."
    )


# ------------------------------------------------------------------------ 4 training step


def check_training_step(ck: Checker) -> str:
    loss_fn, train_step = ck.get("loss_fn"), ck.get("train_step")
    Logistic = reference("02_logistic").Logistic
    for n in (32, 7) + ((int(ck.rng.integers(2, 65)),) if ck.strict else ()):
        X, y = random_images(n, SEEDS.get(n, n)), random_labels(n, SEEDS.get(n, n))
        ck.case = f"loss_fn(model, X, y), model = Logistic(seed=0), X ({n}, 28, 28), y int ({n},)"
        model = Logistic(seed=0)
        logits = model(X)
        want = cross_entropy(logits, y).numpy()
        per_image = tf.nn.softmax_cross_entropy_with_logits(tf.one_hot(y, 10), logits).numpy()
        expect_close(
            "loss_fn(...)",
            ck.call(loss_fn, model, X, tf.constant(y)),
            want,
            wrong=[
                (c.LOSS_SUM, want * n),
                (c.LOSS_SOFTMAX_TWICE, cross_entropy(tf.nn.softmax(logits), y).numpy()),
                (c.LOSS_NOT_ONE_NUMBER, per_image),
                *[(c.LOSS_LOGITS_AS_PROBABILITIES, v) for v in as_probabilities(logits, y)],
            ],
        )

    settings = [(32, 0.5), (7, 0.05)]
    if ck.strict:  # a random batch size and learning rate
        settings.append((int(ck.rng.integers(2, 65)), float(ck.rng.uniform(0.01, 1.0))))
    for n, lr in settings:
        X, y = random_images(n, SEEDS.get(n, n)), random_labels(n, SEEDS.get(n, n))
        ck.case = f"train_step(model, X, y, lr={lr}), model = Logistic(seed=0), {n} images"
        model = Logistic(seed=0)
        with tf.GradientTape() as tape:
            loss = cross_entropy(model(X), y)
        grads = [g.numpy() for g in tape.gradient(loss, [model.W, model.b])]
        before = [model.W.numpy(), model.b.numpy()]
        variables = [model.W, model.b]
        got_loss = ck.call(train_step, model, X, tf.constant(y), lr)
        replaced = [n for n, v in zip("Wb", variables) if getattr(model, n) is not v]
        if replaced:
            received = ", ".join(
                f"model.{n} is a {type(getattr(model, n)).__name__}" for n in replaced
            )
            raise Failure(
                "W and b changed in place, still the model's tf.Variables",
                received,
                c.VARIABLE_REPLACED,
            )
        for name, v, v0, g in zip("Wb", variables, before, grads):
            got = to_array(f"{name} after the step", v)
            expect_close(
                f"{name} after the step, {name} - lr * dloss/d{name}",
                got,
                v0 - lr * g,
                wrong=step_mistakes(v0, got, g, lr, n),
            )
        after = cross_entropy(model(X), y).numpy()
        if got_loss is None:
            raise Failure(f"the loss before the step, {loss.numpy():.4g}", "None", c.STEP_NO_RETURN)
        got_loss = to_array("the loss it returns", got_loss)
        expect_close(
            "the loss it returns",
            got_loss.reshape(()) if got_loss.size == 1 else got_loss,
            loss.numpy(),
            wrong=[(c.LOSS_AFTER_UPDATE, after), (c.LOSS_SUM, loss.numpy() * n)],
        )
    return (
        "the loss, the tape's gradients and W <- W - lr dL/dW match the reference step for "
        "32 and 7 images at lr 0.5 and 0.05; the loss returned is the one before the step."
    )
