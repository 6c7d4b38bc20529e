"""The errors every learner meets, whatever the kata: TensorFlow's message -> a likely cause."""

from __future__ import annotations

import dataclasses
import re

from tfdojo.teaching.kata.causes.cause import Cause


@dataclasses.dataclass(frozen=True)
class KnownError:
    """A TensorFlow or Keras error message (``pattern``), raised at a learner line matching
    ``line`` (any line if empty), and its cause; the cause's text may name the pattern's
    groups (``{d}``)."""

    pattern: str
    line: str
    cause: Cause


KNOWN_ERRORS = [
    KnownError(
        # the second form is the message under tf.config.experimental.enable_op_determinism()
        r"logits and labels must be broadcastable: .*labels_size=\[1,"
        r"|Incompatible shapes: \[1,\d+\] vs\. \[\d+,10\]",
        "",
        Cause(
            "any/integer-labels-not-one-hot",
            "one-hot",
            "integer labels where one-hot was expected: softmax_cross_entropy_with_logits "
            "wants labels of shape (N, 10); make them with tf.one_hot(y, 10)",
        ),
    ),
    KnownError(
        r"Matrix size-incompatible: "
        r"In\[0\]: \[\d+,(?P<d>\d+)\], In\[1\]: \[(?P<e>\d+),(?P<m>\d+)\]",
        "",
        Cause(
            "any/matmul-shapes",
            "shapes",
            "the shapes of a matrix product do not fit: (N, {d}) @ ({e}, {m}) needs {d} = {e}; "
            "is a weight matrix transposed (it is (inputs, outputs)), or a flatten the wrong "
            "size?",
        ),
    ),
    KnownError(
        r"NoneType|\(None\) with an unsupported type",
        r"grad|assign|\blr\b",
        Cause(
            "any/gradient-none",
            "tape",
            "a gradient is None: the tape watches only tf.Variables, and only the operations "
            "run inside `with tf.GradientTape() as tape:`; compute the loss inside that "
            "block, from the model's variables (a tf.constant or a NumPy array is not "
            "watched)",
        ),
    ),
    KnownError(
        r"\(None\) with an unsupported type",
        r"seed",
        Cause(
            "any/dropout-without-seed",
            "train-eval",
            "dropout without a seed: at evaluation (dropout_rate=0.0, seed=None) drop "
            "nothing; while training, pass an int seed of shape (2,)",
        ),
    ),
    KnownError(
        r"no attribute '_id'",
        "",
        Cause(
            "any/tape-given-numpy",
            "tape",
            "tape.gradient was given NumPy arrays: ask for the gradients of the tf.Variables "
            "themselves (model.trainable_variables); the tape only watches variables",
        ),
    ),
    KnownError(
        r"Value for attr 'T' of bool",
        "",
        Cause(
            "any/mean-of-booleans",
            "dtype",
            "a mean of booleans: cast them first, tf.cast(correct, tf.float32)",
        ),
    ),
    KnownError(
        r"Value for attr 'padding' of \"(same|valid)\"",
        "",
        Cause(
            "any/padding-lower-case", "names", 'padding is written in capitals: "SAME" or "VALID"'
        ),
    ),
    KnownError(
        r"input depth must be evenly divisible by filter depth",
        "",
        Cause(
            "any/kernel-axes",
            "shapes",
            "the kernel's axes are in the wrong order: TensorFlow wants (k, k, depth_in, "
            "depth_out)",
        ),
    ),
    KnownError(
        r"Input to reshape is a tensor with",
        "",
        Cause(
            "any/flatten-size",
            "shapes",
            "the flatten size is wrong: count what the layers leave, e.g. 28 -> 14 -> 7 after "
            "two 2x2 pools, so 7 * 7 * depth values per image",
        ),
    ),
    KnownError(
        r"Arguments `target` and `output` must have the same (rank|shape)",
        "",
        Cause(
            "any/keras-categorical-integer-labels",
            "one-hot",
            "integer labels where one-hot was expected: CategoricalCrossentropy wants one-hot "
            "labels; for integer labels use SparseCategoricalCrossentropy",
        ),
    ),
]
"""The errors everyone meets, in the order they are tried."""


def known_cause(message: str, line: str) -> tuple[Cause, str] | None:
    """The cause of an error ``message`` raised at the learner's ``line``, and its text with
    the message's groups filled in; ``None`` for an error none of :data:`KNOWN_ERRORS` is."""
    for known in KNOWN_ERRORS:
        found = re.search(known.pattern, message)
        if found and (not known.line or re.search(known.line, line)):
            return known.cause, known.cause.text.format(**found.groupdict())
    return None
