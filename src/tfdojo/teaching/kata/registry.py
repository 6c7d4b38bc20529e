"""Every kata, TensorFlow and NumPy, in the course's order: one :class:`Kata` record each.

Two tracks, one framework:

- ``"tensorflow"``: 14 katas, from tensors to a convnet in Keras. Each is a file of the
  ``tfdojo kata`` workspace (``04_training_step.py``) and a cell of a lesson notebook.
- ``"numpy"``: 5 functions written by hand in NumPy (softmax, the cross-entropy, the
  backward passes of ReLU and of a dense layer, dropout), cells of the lesson notebooks.

Adding a kata is adding its source ``sources/NN_name.py`` (``sources/np_name.py`` for the
NumPy track: the reference solution with the learner's part marked), its check
``(ck: Checker) -> str`` in a module of :mod:`tfdojo.teaching.kata.checks`, and one record
here naming both. A record names its check as ``"module:function"``, imported only when a
check runs: nothing here imports TensorFlow, so ``tfdojo kata list`` stays instant.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from collections.abc import Callable

from tfdojo.core.errors import TfdojoError
from tfdojo.teaching.kata import sources

TRACKS = ("tensorflow", "numpy")

Check = Callable[..., str]
"""A check: given the :class:`~tfdojo.teaching.kata.checking.Checker`, runs the learner's code
(``ck.get(name)``), returns what it verified, or raises
:class:`~tfdojo.teaching.kata.checking.Failure`."""


@dataclasses.dataclass(frozen=True)
class Kata:
    """One kata.

    Attributes:
        track: ``"tensorflow"`` (a workspace file and a notebook cell) or ``"numpy"`` (a
            notebook cell only), one of :data:`TRACKS`.
        number: its place in its track, 1..; a TensorFlow kata's file is numbered by it.
        name: what learners type (``tfdojo kata check training_step``,
            ``kata.check_here("np_softmax", globals())``); unique across the tracks.
        title: one line for ``tfdojo kata list`` and the notebooks' "not yet".
        check: the check itself, or where it is: ``"module:function"``.
        hints: shown one at a time by ``tfdojo kata hint`` and ``kata.hint``, vaguest first.
    """

    track: str
    number: int
    name: str
    title: str
    check: Check | str
    hints: tuple[str, ...]

    @property
    def stem(self) -> str:
        """Its source's name without ``.py``: ``"04_training_step"``; a NumPy kata's is its
        name, ``"np_softmax"`` (it is no workspace file, so it needs no number)."""
        return f"{self.number:02d}_{self.name}" if self.track == "tensorflow" else self.name

    @property
    def filename(self) -> str:
        return f"{self.stem}.py"

    def exercise(self) -> str:
        """The code the learner edits: the source with ``raise NotImplementedError`` TODOs."""
        return sources.exercise(sources.read(self.stem)) + "\n"

    def solution(self) -> str:
        """The reference solution's text."""
        return sources.solution(sources.read(self.stem)) + "\n"

    def check_function(self) -> Check:
        """The check: :attr:`check`, imported when it is a ``"module:function"`` string (a
        TensorFlow kata's module imports TensorFlow).

        Raises:
            TfdojoError: the string does not name a function of an importable module.
        """
        if callable(self.check):
            return self.check
        module, _, function = self.check.partition(":")
        found = getattr(importlib.import_module(module), function, None) if function else None
        if not callable(found):
            raise TfdojoError(
                f"kata {self.name}: check must be a function or 'module:function'; "
                f"received check={self.check!r}"
            )
        return found


KATAS: list[Kata] = [
    # ------------------------------------------- TensorFlow (tfdojo kata, and notebooks)
    Kata(
        "tensorflow",
        1,
        "tensors",
        "tensors: flatten 28x28 to 784, scale uint8 to floats, one-hot labels",
        "tfdojo.teaching.kata.checks.basics:check_tensors",
        (
            "tf.reshape(images, [-1, 784]) keeps the first axis (the images) and flattens "
            "the rest; -1 means 'whatever size is left'.",
            "images / 255 does give float32, but + and * on uint8 stay uint8 and wrap "
            "around past 255 (128 * 2 is 0), and uint8 - 0.5 or / 255.0 is refused: "
            "tf.cast(images, tf.float32) first, then / 255.0 - 0.5, every step in float32.",
            "tf.one_hot(labels, 10) returns float32 rows of ten numbers, a 1.0 at each label.",
        ),
    ),
    Kata(
        "tensorflow",
        2,
        "logistic",
        "the logistic classifier as a tf.Module: logits = XW + b, 7,850 parameters",
        "tfdojo.teaching.kata.checks.basics:check_logistic",
        (
            "W is (784, 10) so that X (N, 784) @ W gives (N, 10): inputs first, outputs second.",
            "self.W = tf.Variable(tf.random.stateless_truncated_normal([784, 10], "
            "seed=[seed, 0], stddev=0.1), name='W'); self.b = tf.Variable(tf.zeros([10]), "
            "name='b').",
            "__call__ returns tf.matmul(X, self.W) + self.b: the logits, no softmax.",
        ),
    ),
    Kata(
        "tensorflow",
        3,
        "softmax_cross_entropy",
        "softmax and cross-entropy in tf ops, stable, against tf.nn's",
        "tfdojo.teaching.kata.checks.basics:check_softmax_cross_entropy",
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
        "tensorflow",
        4,
        "training_step",
        "one training step: GradientTape, gradients, W.assign_sub(lr * dW)",
        "tfdojo.teaching.kata.checks.basics:check_training_step",
        (
            "The tape only records what runs inside its with-block: call loss_fn there.",
            "grads = tape.gradient(loss, model.trainable_variables) gives one gradient per "
            "variable, in the same order: zip them.",
            "v.assign_sub(lr * g) is v <- v - lr * g; v.assign(...) would replace v.",
        ),
    ),
    Kata(
        "tensorflow",
        5,
        "minibatch_loop",
        "the minibatch loop and accuracy: train Logistic to 85% in 300 steps",
        "tfdojo.teaching.kata.checks.loops:check_minibatch_loop",
        (
            "accuracy: tf.argmax(logits, axis=1) is each image's best class; compare with "
            "y, cast the booleans to float32, take the mean.",
            "The course's batches: offset = (step * batch_size) % (N - batch_size), then "
            "X[offset:offset + batch_size] and the same slice of y.",
            "Collect float(loss) of every step in a list and return it.",
        ),
    ),
    Kata(
        "tensorflow",
        6,
        "gd_vs_sgd",
        "gradient descent vs SGD, measured at the same number of images",
        "tfdojo.teaching.kata.checks.loops:check_gd_vs_sgd",
        (
            "Gradient descent: every step on all of X and y, train_step(model, X, y, lr).",
            "SGD: a new random batch each step, rng.choice(len(y), batch_size, replace=False) "
            "with rng = np.random.default_rng(seed).",
            "Both return the list of float(loss) of their steps.",
        ),
    ),
    Kata(
        "tensorflow",
        7,
        "relu_network",
        "the course's ReLU network: 1,024 hidden units, 814,090 parameters",
        "tfdojo.teaching.kata.checks.networks:check_relu_network",
        (
            "Two layers: W1 (784, 1024), b1 (1024,), W2 (1024, 10), b2 (10,).",
            "Draw W1 with stddev sqrt(2 / 784) and W2 with stddev sqrt(2 / 1024) (He "
            "initialisation): large initial weights make huge logits.",
            "logits = relu(X W1 + b1) W2 + b2: tf.nn.relu on the hidden layer only.",
        ),
    ),
    Kata(
        "tensorflow",
        8,
        "l2",
        "L2 regularisation: beta * sum ||W||^2 / 2, weights only",
        "tfdojo.teaching.kata.checks.networks:check_l2",
        (
            "A weight has rank >= 2 (len(v.shape) >= 2); a bias has rank 1. Penalise "
            "the weights only.",
            "tf.nn.l2_loss(W) is sum(W ** 2) / 2; add them up with tf.add_n or sum().",
            "loss_fn returns the mean cross-entropy + beta * l2_penalty(model).",
        ),
    ),
    Kata(
        "tensorflow",
        9,
        "dropout",
        "dropout: training only, kept units scaled by 1/(1-rate)",
        "tfdojo.teaching.kata.checks.networks:check_dropout",
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
        "tensorflow",
        10,
        "lr_decay",
        "learning-rate decay: lr0 * decay_rate ** (step / decay_steps)",
        "tfdojo.teaching.kata.checks.loops:check_lr_decay",
        (
            "step / decay_steps is a fraction; the staircase version rounds it down "
            "(step // decay_steps).",
            "keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps, decay_rate) "
            "computes the same numbers: compare yours with it.",
            "In train, pass learning_rate(step, ...) to train_step at each step.",
        ),
    ),
    Kata(
        "tensorflow",
        11,
        "overfitting",
        "overfit 50 images, then cure it with L2 and dropout (assignment 3)",
        "tfdojo.teaching.kata.checks.networks:check_overfitting",
        (
            "The regularised loss is the cross-entropy of model(X, dropout_rate, seed) "
            "plus beta * l2_penalty(model).",
            "The seed of each step's dropout mask: tf.constant([seed, step]).",
            "cure() could return 1e-2, 0.5: beta = 0.01 and half the hidden units dropped.",
        ),
    ),
    Kata(
        "tensorflow",
        12,
        "conv_layer",
        "a conv layer with tf.nn.conv2d: SAME/VALID, strides, 28/26/13",
        "tfdojo.teaching.kata.checks.conv:check_conv_layer",
        (
            "SAME: ceil(n / s). VALID: ceil((n - k + 1) / s): a k-wide window fits in "
            "n - k + 1 places.",
            "A kernel is (k, k, depth_in, depth_out) in TensorFlow; each of the depth_out "
            "filters has k * k * depth_in weights and one bias.",
            "tf.nn.relu(tf.nn.conv2d(x, W, strides=stride, padding=padding) + b).",
        ),
    ),
    Kata(
        "tensorflow",
        13,
        "convnet",
        "the course's convnet with max-pooling (assignment 4), your own loop",
        "tfdojo.teaching.kata.checks.conv:check_convnet",
        (
            "x (N, 28, 28) -> tf.reshape(x, [-1, 28, 28, 1]): conv2d wants a channel axis.",
            "conv 5x5 SAME -> relu -> max_pool2d(h, 2, 2, 'SAME'): 28 -> 14, then 14 -> 7.",
            "Flatten 7 * 7 * 16 = 784 values per image into W3 (784, 64), then W4 (64, 10).",
        ),
    ),
    Kata(
        "tensorflow",
        14,
        "keras",
        "the same convnet in Keras (Sequential + fit), compared by McNemar",
        "tfdojo.teaching.kata.checks.conv:check_keras",
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
    # ------------------------------------------------------- by hand, in NumPy (notebooks)
    Kata(
        "numpy",
        1,
        "np_softmax",
        "softmax by hand in NumPy: rows of probabilities, stable for large scores",
        "tfdojo.teaching.kata.checks.by_hand:check_np_softmax",
        (
            "Work along the last axis: z.max(axis=-1, keepdims=True) and "
            "e.sum(axis=-1, keepdims=True) are (N, 1), which divides (N, K) row by row.",
            "np.exp(1000) is inf: subtract each row's max first; softmax(z - max z) = softmax(z).",
            "e = np.exp(z - z.max(axis=-1, keepdims=True)); return e / e.sum(axis=-1, "
            "keepdims=True).",
        ),
    ),
    Kata(
        "numpy",
        2,
        "np_cross_entropy",
        "the cross-entropy by hand from logits: the mean of -log S[right class], stable",
        "tfdojo.teaching.kata.checks.by_hand:check_np_cross_entropy",
        (
            "The inputs are logits: first the log-probabilities, log S = z - log(sum(exp(z))), "
            "row by row.",
            "Shift each row by its max first, z = logits - logits.max(axis=1, keepdims=True): "
            "then log S never takes log(0).",
            "Pick each row's right class, log_S[np.arange(len(labels)), labels], and return "
            "minus their mean.",
        ),
    ),
    Kata(
        "numpy",
        3,
        "np_relu_backward",
        "the backward pass of ReLU by hand: the gradient flows where x > 0",
        "tfdojo.teaching.kata.checks.by_hand:check_np_relu_backward",
        (
            "The chain rule, value by value: dx = dout * d(out)/dx.",
            "The derivative of max(0, x) is 1 where x > 0 and 0 elsewhere: the mask (x > 0).",
            "return dout * (x > 0)",
        ),
    ),
    Kata(
        "numpy",
        4,
        "np_affine_backward",
        "the backward pass of a dense layer by hand: dx, dW, db of x @ W + b",
        "tfdojo.teaching.kata.checks.by_hand:check_np_affine_backward",
        (
            "Each gradient has its variable's shape: dx (N, D), dW (D, M), db (M,); the "
            "shapes choose the products.",
            "dx = dout @ W.T: (N, M) @ (M, D) -> (N, D); dW = x.T @ dout: (D, N) @ (N, M) "
            "-> (D, M).",
            "b is added to every row, so its gradient sums over the rows: db = dout.sum(axis=0).",
        ),
    ),
    Kata(
        "numpy",
        5,
        "np_dropout",
        "inverted dropout by hand: a mask drawn from rng, kept units scaled by 1/(1-rate)",
        "tfdojo.teaching.kata.checks.by_hand:check_np_dropout",
        (
            "keep = rng.random(x.shape) >= rate is True with probability 1 - rate.",
            "Scale what you keep, x * keep / (1 - rate), so that the expected output stays x.",
            "Draw the mask from the rng you are given, never from np.random: the same "
            "generator gives the same mask, another generator another.",
        ),
    ),
]


def katas(track: str | None = None) -> list[Kata]:
    """Every kata in order, or those of ``track`` (``"tensorflow"`` or ``"numpy"``).

    Raises:
        TfdojoError: an unknown track.
    """
    if track is None:
        return list(KATAS)
    if track not in TRACKS:
        raise TfdojoError(f"kata: track must be one of {', '.join(TRACKS)}; received {track!r}")
    return [k for k in KATAS if k.track == track]


def names(track: str | None = None) -> list[str]:
    """Every kata's name in order, or those of ``track``."""
    return [k.name for k in katas(track)]


def find(name: str, track: str | None = None) -> Kata:
    """The kata called ``name``: ``"04"``, ``"4"``, ``"04_training_step"``, ``"training_step"``.

    A unique prefix of a name works too (``"train"`` is ambiguous with nothing else), and
    a number names a TensorFlow kata, as its file does.

    Args:
        track: look only among that track's katas (``tfdojo kata`` looks among the
            TensorFlow ones, its files); None: both.

    Raises:
        TfdojoError: unknown or ambiguous; the message lists the valid names (and says
            where a kata of the other track is checked).
    """
    pool = katas(track)
    key = name.strip().removesuffix(".py").lower().replace("-", "_")
    if key.isascii() and key.isdigit():  # "²" is a digit to str.isdigit, not to int()
        found = [k for k in pool if k.track == "tensorflow" and k.number == int(key)]
    else:
        found = [k for k in pool if key in (k.name, k.stem)]
        found = found or [k for k in pool if k.name.startswith(key) or k.stem.startswith(key)]
    if len(found) == 1:
        return found[0]
    valid = ", ".join(k.stem for k in pool)
    if found:
        raise TfdojoError(
            f"kata: {name!r} could be {', '.join(k.name for k in found)}; valid katas: {valid}"
        )
    elsewhere = [k for k in KATAS if k.name == key and k not in pool]
    if elsewhere:
        raise TfdojoError(
            f"kata: {name!r} is a kata of the {elsewhere[0].track} track, checked in the lesson "
            f"notebooks: kata.check_here({key!r}, globals()); valid katas here: {valid}"
        )
    close = difflib.get_close_matches(key, [k.name for k in pool] + [k.stem for k in pool], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise TfdojoError(f"kata: unknown kata {name!r}{hint}; valid katas: {valid}")
