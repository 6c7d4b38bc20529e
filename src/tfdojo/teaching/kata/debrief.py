"""After a pass, the debrief: your code beside the reference's, and why it is written so.

As rustlings shows its solution once an exercise passes: ``kata check`` and ``kata watch``
print it after the first pass of a version of a file, ``tfdojo kata debrief NAME`` at any
time. It holds

- where your code differs from the reference solution: a unified diff of the two files
  (``--- reference`` / ``+++ yours``), at most :data:`MAX_DIFF_LINES` lines; when they are
  the same line for line, the reference's key lines (the solution's blocks) instead;
- one sentence of why the reference is written that way (:data:`WHY`).
"""

from __future__ import annotations

import difflib
import textwrap
from pathlib import Path

from tfdojo.teaching.kata import sources
from tfdojo.teaching.kata.registry import Kata, find
from tfdojo.teaching.kata.verdict import Recorded
from tfdojo.teaching.kata.workspace import kata_bytes

MAX_DIFF_LINES = 40

WHY = {
    "tensors": "tf.cast comes before any arithmetic so that every step is float32 "
    "(uint8 wraps around past 255 and refuses 0.5), and reshape's -1 keeps the batch size "
    "whatever it is.",
    "logistic": "W is (784, 10), inputs first, so that X @ W maps each image's 784 pixels "
    "to 10 scores, and the initial weights come from the seed so that two runs agree.",
    "softmax_cross_entropy": "Subtracting each row's maximum (axis=-1, keepdims=True) "
    "leaves the softmax unchanged and keeps exp() from overflowing; log-softmax is computed "
    "directly so that log(0) never happens.",
    "training_step": "The loss is computed inside the tape so that it is recorded, and "
    "assign_sub moves each variable by -lr * g in place: assign would replace it.",
    "minibatch_loop": "Each step takes the next batch by offset, wrapping around, so that "
    "every image is seen, and the loss is recorded per step as a float.",
    "gd_vs_sgd": "One generator from the seed, drawn from at every step, gives a new "
    "random batch each step and the same run every time.",
    "relu_network": "He initialisation (stddev sqrt(2 / fan_in)) keeps the ReLU layer's "
    "activations at the same scale as its inputs; the logits get no ReLU.",
    "l2": "The penalty sums the weights' squares only (rank >= 2), once per batch, on top "
    "of the mean loss: biases are not regularised.",
    "dropout": "Dropout is applied while training only, with a new stateless mask per "
    "seed, and kept units scaled by 1/(1 - rate) so that evaluation needs no change.",
    "lr_decay": "The schedule is a function of the step alone, so that the loop only asks "
    "it for this step's rate and a resumed run gets the same rates.",
    "overfitting": "L2 and dropout are added to the same step: the loss inside the tape "
    "includes the penalty, and dropout gets the step's seed.",
    "conv_layer": "The kernel is (k, k, depth_in, depth_out) and He's fan_in is k*k*depth_in: "
    "the inputs one output unit sees.",
    "convnet": "The flatten keeps the batch axis and the (height, width, depth) order of "
    "NHWC, 7*7*16 = 784 after two poolings; the logits get no ReLU.",
    "keras": "The same network in Keras layers, compiled with the asked SGD and a loss "
    "from_logits=True, since the last Dense has no softmax.",
    "np_softmax": "Subtracting each row's max before exp() changes nothing mathematically "
    "and keeps every exp() at most 1.",
    "np_cross_entropy": "Log-softmax by log-sum-exp, then the right class picked by fancy "
    "indexing, never a log of a probability that may be 0.",
    "np_relu_backward": "The gradient flows only where the input was positive: dout times "
    "the mask x > 0.",
    "np_affine_backward": "Each gradient has the shape of what it is the gradient of: "
    "dW = x.T @ dout is (D, M) like W, db sums over the batch.",
    "np_dropout": "The mask comes from the rng passed in, and kept units are scaled by "
    "1/(1 - rate) so that the expected value is unchanged.",
}
"""One sentence per kata: why the reference is written the way it is."""


def key_lines(kata: Kata) -> list[str]:
    """The reference's lines inside its solution blocks (what the learner had to write),
    each block dedented."""
    out: list[str] = []
    block: list[str] | None = None
    for line in sources.read(kata.stem).splitlines():
        stripped = line.strip()
        if stripped == sources.BEGIN:
            block = []
        elif stripped == sources.END and block is not None:
            out += textwrap.dedent("\n".join(block)).splitlines()
            block = None
        elif block is not None:
            block.append(line)
    return out


def debrief(kata: Kata, mine: str | None) -> str:
    """The debrief of ``kata`` for the learner's code ``mine`` (None: no file to compare)."""
    head = f"debrief of {kata.stem}: "
    reference = kata.solution().splitlines()
    lines = []
    if mine is not None and mine.splitlines() != reference:
        ours = mine.splitlines()
        diff = list(difflib.unified_diff(reference, ours, "reference", "yours", n=1, lineterm=""))
        lines.append(head + "where yours differs from the reference")
        lines += [f"    {line}" for line in diff[:MAX_DIFF_LINES]]
        if len(diff) > MAX_DIFF_LINES:
            lines.append(f"    ... ({len(diff) - MAX_DIFF_LINES} more lines of diff)")
    else:
        same = "yours is the reference, line for line; " if mine is not None else ""
        lines.append(head + same + "its key lines")
        lines += [f"    {line}" for line in key_lines(kata)]
    if kata.name in WHY:
        lines.append(f"    why: {WHY[kata.name]}")
    return "\n".join(lines)


def of_workspace(directory: str | Path, kata: Kata) -> str:
    """:func:`debrief` of the learner's file of ``kata`` in the workspace ``directory``."""
    data = kata_bytes(Path(directory) / kata.filename)
    return debrief(kata, None if data is None else data.decode("utf-8", "replace"))


def after_check(directory: str | Path, recorded: Recorded) -> list[str]:
    """What ``kata check`` and ``kata watch`` print after a verdict: the debrief after the
    first pass of a version of the file, the attempt's time, the room's note."""
    out = []
    if recorded.first_pass and recorded.record.get("source") != "notebook":
        out.append(of_workspace(directory, find(recorded.result.name)))
    return out + recorded.notes()
