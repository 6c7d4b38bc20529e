"""The TensorFlow katas, in the course's order: one :class:`Kata` record each.

Adding a kata is adding its source ``sources/NN_name.py`` (the reference solution with
the learner's part marked), a check ``check_<name>(ck)`` in a module of
:mod:`tfdojo.teaching.kata.checks`, and one record here. Nothing here imports TensorFlow, so
``tfdojo kata list`` stays instant.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from collections.abc import Callable

from tfdojo.core.errors import TfdojoError
from tfdojo.teaching.kata import sources


@dataclasses.dataclass(frozen=True)
class Kata:
    """One kata.

    Attributes:
        number: its place in the progression, 1..
        name: what learners type (``tfdojo kata check training_step``).
        title: one line for ``tfdojo kata list``.
        checks: the module of :mod:`tfdojo.teaching.kata.checks` holding ``check_<name>``.
        hints: shown one at a time by ``tfdojo kata hint``, vaguest first.
    """

    number: int
    name: str
    title: str
    checks: str
    hints: tuple[str, ...]

    @property
    def stem(self) -> str:
        """``"04_training_step"``: the file's name without ``.py``."""
        return f"{self.number:02d}_{self.name}"

    @property
    def filename(self) -> str:
        return f"{self.stem}.py"

    def exercise(self) -> str:
        """The file the learner edits: the source with ``raise NotImplementedError`` TODOs."""
        return sources.exercise(sources.read(self.stem)) + "\n"

    def solution(self) -> str:
        """The reference solution's text."""
        return sources.solution(sources.read(self.stem)) + "\n"

    def check_function(self) -> Callable:
        """``check_<name>`` of its checks module (imports TensorFlow)."""
        module = importlib.import_module(f"tfdojo.teaching.kata.checks.{self.checks}")
        return getattr(module, f"check_{self.name}")


KATAS: list[Kata] = [
    Kata(
        1,
        "tensors",
        "tensors: flatten 28x28 to 784, scale uint8 to floats, one-hot labels",
        "basics",
        (
            "tf.reshape(images, [-1, 784]) keeps the first axis (the images) and flattens "
            "the rest; -1 means 'whatever size is left'.",
            "Arithmetic on uint8 stays in whole numbers 0..255: tf.cast(images, tf.float32) "
            "first, then / 255.0 - 0.5.",
            "tf.one_hot(labels, 10) returns float32 rows of ten numbers, a 1.0 at each label.",
        ),
    ),
    Kata(
        2,
        "logistic",
        "the logistic classifier as a tf.Module: logits = XW + b, 7,850 parameters",
        "basics",
        (
            "W is (784, 10) so that X (N, 784) @ W gives (N, 10): inputs first, outputs second.",
            "self.W = tf.Variable(tf.random.stateless_truncated_normal([784, 10], "
            "seed=[seed, 0], stddev=0.1), name='W'); self.b = tf.Variable(tf.zeros([10]), "
            "name='b').",
            "__call__ returns tf.matmul(X, self.W) + self.b: the logits, no softmax.",
        ),
    ),
    Kata(
        3,
        "softmax_cross_entropy",
        "softmax and cross-entropy in tf ops, stable, against tf.nn's",
        "basics",
        (
            "Work row by row: every reduction takes axis=-1 and keepdims=True, so that an "
            "(N, 1) result divides or subtracts from the (N, K) logits.",
            "Subtract tf.reduce_max(logits, axis=-1, keepdims=True) before tf.exp: the "
            "result is the same and exp() never overflows.",
            "log S = z - log(sum(exp(z))) with z already shifted by its max; the loss is "
            "tf.reduce_mean(-tf.reduce_sum(y_onehot * log_S, axis=-1)).",
        ),
    ),
    Kata(
        4,
        "training_step",
        "one training step: GradientTape, gradients, W.assign_sub(lr * dW)",
        "basics",
        (
            "The tape only records what runs inside its with-block: call loss_fn there.",
            "grads = tape.gradient(loss, model.trainable_variables) gives one gradient per "
            "variable, in the same order: zip them.",
            "v.assign_sub(lr * g) is v <- v - lr * g; v.assign(...) would replace v.",
        ),
    ),
    Kata(
        5,
        "minibatch_loop",
        "the minibatch loop and accuracy: train Logistic to 85% in 300 steps",
        "loops",
        (
            "accuracy: tf.argmax(logits, axis=1) is each image's best class; compare with "
            "y, cast the booleans to float32, take the mean.",
            "The course's batches: offset = (step * batch_size) % (N - batch_size), then "
            "X[offset:offset + batch_size] and the same slice of y.",
            "Collect float(loss) of every step in a list and return it.",
        ),
    ),
    Kata(
        6,
        "gd_vs_sgd",
        "gradient descent vs SGD, measured at the same number of images",
        "loops",
        (
            "Gradient descent: every step on all of X and y, train_step(model, X, y, lr).",
            "SGD: a new random batch each step, rng.choice(len(y), batch_size, replace=False) "
            "with rng = np.random.default_rng(seed).",
            "Both return the list of float(loss) of their steps.",
        ),
    ),
    Kata(
        7,
        "relu_network",
        "the course's ReLU network: 1,024 hidden units, 814,090 parameters",
        "networks",
        (
            "Two layers: W1 (784, 1024), b1 (1024,), W2 (1024, 10), b2 (10,).",
            "Draw W1 with stddev sqrt(2 / 784) and W2 with stddev sqrt(2 / 1024) (He "
            "initialisation): large initial weights make huge logits.",
            "logits = relu(X W1 + b1) W2 + b2: tf.nn.relu on the hidden layer only.",
        ),
    ),
    Kata(
        8,
        "l2",
        "L2 regularisation: beta * sum ||W||^2 / 2, weights only",
        "networks",
        (
            "A weight has rank >= 2 (len(v.shape) >= 2); a bias has rank 1. Penalise "
            "the weights only.",
            "tf.nn.l2_loss(W) is sum(W ** 2) / 2; add them up with tf.add_n or sum().",
            "loss_fn returns the mean cross-entropy + beta * l2_penalty(model).",
        ),
    ),
    Kata(
        9,
        "dropout",
        "dropout: training only, kept units scaled by 1/(1-rate)",
        "networks",
        (
            "keep = tf.random.stateless_uniform(tf.shape(h), seed=seed) >= rate is True "
            "with probability 1 - rate.",
            "Scale what you keep: tf.where(keep, h / (1 - rate), 0.0), so the expected "
            "value stays h.",
            "In __call__, drop only when dropout_rate > 0, and only the hidden layer; "
            "evaluation calls model(X) with the default dropout_rate=0.0.",
        ),
    ),
    Kata(
        10,
        "lr_decay",
        "learning-rate decay: lr0 * decay_rate ** (step / decay_steps)",
        "loops",
        (
            "step / decay_steps is a fraction; the staircase version rounds it down "
            "(step // decay_steps).",
            "keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps, decay_rate) "
            "computes the same numbers: compare yours with it.",
            "In train, pass learning_rate(step, ...) to train_step at each step.",
        ),
    ),
    Kata(
        11,
        "overfitting",
        "overfit 50 images, then cure it with L2 and dropout (assignment 3)",
        "networks",
        (
            "The regularised loss is the cross-entropy of model(X, dropout_rate, seed) "
            "plus beta * l2_penalty(model).",
            "The seed of each step's dropout mask: tf.constant([seed, step]).",
            "cure() could return 1e-2, 0.5: beta = 0.01 and half the hidden units dropped.",
        ),
    ),
    Kata(
        12,
        "conv_layer",
        "a conv layer with tf.nn.conv2d: SAME/VALID, strides, 28/26/13",
        "conv",
        (
            "SAME: ceil(n / s). VALID: ceil((n - k + 1) / s): a k-wide window fits in "
            "n - k + 1 places.",
            "A kernel is (k, k, depth_in, depth_out) in TensorFlow; each of the depth_out "
            "filters has k * k * depth_in weights and one bias.",
            "tf.nn.relu(tf.nn.conv2d(x, W, strides=stride, padding=padding) + b).",
        ),
    ),
    Kata(
        13,
        "convnet",
        "the course's convnet with max-pooling (assignment 4), your own loop",
        "conv",
        (
            "x (N, 28, 28) -> tf.reshape(x, [-1, 28, 28, 1]): conv2d wants a channel axis.",
            "conv 5x5 SAME -> relu -> max_pool2d(h, 2, 2, 'SAME'): 28 -> 14, then 14 -> 7.",
            "Flatten 7 * 7 * 16 = 784 values per image into W3 (784, 64), then W4 (64, 10).",
        ),
    ),
    Kata(
        14,
        "keras",
        "the same convnet in Keras (Sequential + fit), compared by McNemar",
        "conv",
        (
            "keras.Sequential([keras.Input((28, 28)), keras.layers.Reshape((28, 28, 1)), "
            "keras.layers.Conv2D(16, 5, padding='same', activation='relu'), "
            "keras.layers.MaxPooling2D(2), ...]).",
            "The last layer is keras.layers.Dense(10) with no activation: the loss gets "
            "logits (from_logits=True).",
            "Integer labels: keras.losses.SparseCategoricalCrossentropy(from_logits=True); "
            "optimizer keras.optimizers.SGD(learning_rate=lr).",
        ),
    ),
]


def names() -> list[str]:
    """Every kata's name, in order."""
    return [k.name for k in KATAS]


def find(name: str) -> Kata:
    """The kata called ``name``: ``"04"``, ``"4"``, ``"04_training_step"``, ``"training_step"``.

    A unique prefix of a name works too (``"train"`` is ambiguous with nothing else).

    Raises:
        TfdojoError: unknown or ambiguous; the message lists the valid names.
    """
    key = name.strip().removesuffix(".py").lower().replace("-", "_")
    if key.isdigit():
        found = [k for k in KATAS if k.number == int(key)]
    else:
        found = [k for k in KATAS if key in (k.name, k.stem)]
        found = found or [k for k in KATAS if k.name.startswith(key) or k.stem.startswith(key)]
    if len(found) == 1:
        return found[0]
    valid = ", ".join(k.stem for k in KATAS)
    if found:
        raise TfdojoError(
            f"kata: {name!r} could be {', '.join(k.name for k in found)}; valid katas: {valid}"
        )
    close = difflib.get_close_matches(key, [*names(), *(k.stem for k in KATAS)], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise TfdojoError(f"kata: unknown kata {name!r}{hint}; valid katas: {valid}")
