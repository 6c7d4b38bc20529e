"""A likely cause: a stable id, the concept it belongs to, the sentence a learner reads.

Causes are data (no TensorFlow): ``tfdojo kata stats``, ``hint`` and the room's board read
them without running a check. An id never changes once shipped: the ledger of every attempt
and the room keep them.
"""

from __future__ import annotations

import dataclasses
import re

ID = re.compile(r"^[a-z0-9_]+/[a-z0-9_-]+$")
"""``<kata name>/<slug>``, or ``any/<slug>`` for an error any kata may meet."""

CONCEPTS: dict[str, tuple[str, str]] = {
    "axis": (
        "axis and keepdims",
        "A reduction (sum, max, mean, argmax, softmax) works along one axis. Images are rows: "
        "(N, 784) pixels, (N, 10) scores, so each image's reduction is along axis=-1 (or 1), "
        "and keepdims=True keeps an (N, 1) column that subtracts from or divides the (N, K) "
        "rows it came from. axis=0 mixes the images of a batch: the answer then depends on "
        "which other images came with it.",
    ),
    "dtype": (
        "dtypes",
        "uint8 pixels are whole numbers 0..255: cast to float32 before any arithmetic "
        "(tf.cast(images, tf.float32)), models compute in float32, labels are integers, and "
        "TensorFlow never mixes dtypes silently: int32 and int64 labels must be cast to "
        "compare them.",
    ),
    "one-hot": (
        "one-hot labels",
        "A label k becomes a row of ten numbers with a 1 at column k: tf.one_hot(y, 10). "
        "softmax_cross_entropy_with_logits and CategoricalCrossentropy want those rows; "
        "the sparse versions take the integer labels themselves.",
    ),
    "tape": (
        "the tape",
        "tf.GradientTape records only what runs inside its with-block, and only on "
        "tf.Variables (or tensors it was told to watch). Compute the loss inside the block, "
        "from the model's variables; tape.gradient(loss, variables) gives one gradient per "
        "variable, in the same order; v.assign_sub(lr * g) moves a variable, v.assign "
        "replaces it.",
    ),
    "logits": (
        "logits and probabilities",
        "A model returns logits: scores before any softmax, negative ones too. The loss "
        "applies the softmax itself (from_logits=True, softmax_cross_entropy_with_logits): a "
        "softmax in the model, or a ReLU on the logits, is applied twice or cuts scores off.",
    ),
    "mean-sum": (
        "mean or sum",
        "The loss is the mean over the batch: with a sum, each step is B times larger and "
        "the learning rate means something else for every batch size. A penalty like L2 is "
        "a sum over the weights, added once, not per image.",
    ),
    "train-eval": (
        "training or evaluation",
        "Dropout drops units while training only: at evaluation (dropout_rate=0, no seed) "
        "the model uses every unit, and the kept units were scaled by 1/(1 - rate) during "
        "training so that the expected value matches.",
    ),
    "shapes": (
        "shapes, transposes and flattening",
        "A weight matrix is (inputs, outputs), so X (N, inputs) @ W gives (N, outputs); a "
        "conv kernel is (k, k, depth_in, depth_out); flattening keeps the first axis (the "
        "images) and flattens the rest in (height, width, depth) order. Write the shape of "
        "each tensor next to the line that makes it.",
    ),
    "init": (
        "initial weights",
        "Initial weights are drawn from the seed with the spread the exercise gives "
        "(stddev, He: sqrt(2 / fan_in) with fan_in the inputs of one unit, k*k*depth_in for "
        "a kernel); biases start at zero. Too large and the logits explode, too small and "
        "the gradients vanish; drawn without the seed, no two runs are alike.",
    ),
    "randomness": (
        "randomness and seeds",
        "Every random draw comes from a seed, once: one generator for the whole run "
        "(np.random.default_rng(seed)), a new batch and a new dropout mask at every step "
        "(seed=[seed, step]). Re-creating a seeded generator inside a loop draws the same "
        "numbers again and again.",
    ),
    "recipe": (
        "the asked recipe",
        "An exercise fixes how the result is reached (this optimiser, this activation, this "
        "loss, these settings), not only how good it is: another recipe may score as well "
        "on one run and teach something else.",
    ),
    "return": (
        "what a function returns",
        "Return exactly what the exercise asks, of the shape it gives (one number, the "
        "list of losses, the logits): a missing return is None, and a value computed after "
        "an update is not the one asked for.",
    ),
    "parameters": (
        "using the parameters",
        "A function gets its settings as arguments (lr, batch_size, num_classes, "
        "dropout_rate, ...): use them, not the module's constants or a number that happens "
        "to equal the default. The check calls it with other values.",
    ),
    "names": (
        "the names the exercise gives",
        "The check calls your code by the names the exercise gives (functions, classes, "
        "weights named W..., biases b...): keep them.",
    ),
    "numerics": (
        "numbers that overflow",
        "exp(1000) is inf and log(0) is -inf: subtract each row's maximum before exp(), and "
        "compute log-softmax as (z - max z) - log(sum(exp(z - max z))) rather than "
        "log(softmax(z)).",
    ),
    "loop": (
        "steps, batches and schedules",
        "A training loop takes one step per batch, a new batch each step, the learning rate "
        "of that step, and returns what it measured step by step.",
    ),
}
"""Concept key -> (title, the reteach paragraph ``kata hint`` shows when the concept has
failed in two katas or more)."""


@dataclasses.dataclass(frozen=True)
class Cause:
    """A likely mistake a check names.

    Attributes:
        id: ``"<kata name>/<slug>"`` (``"training_step/assign-not-assign_sub"``) or
            ``"any/<slug>"``; stable once shipped.
        concept: a key of :data:`CONCEPTS`.
        text: the sentence shown after ``cause:``.
        hint: a longer explanation ``kata hint`` gives when this was the last cause named.
    """

    id: str
    concept: str
    text: str
    hint: str = ""

    def __post_init__(self) -> None:
        if not ID.match(self.id):
            raise ValueError(f"cause id: expected kata/slug, received {self.id!r}")
        if self.concept not in CONCEPTS:
            raise ValueError(f"{self.id}: unknown concept {self.concept!r}")

    def __str__(self) -> str:
        return self.text
