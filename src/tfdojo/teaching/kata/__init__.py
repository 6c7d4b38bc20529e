"""Katas: the learner writes the code, a check answers at once and names the likely mistake.

Two tracks:

- **TensorFlow** (``tfdojo kata``): 14 short files in the course's order, from tensors to
  a convnet in Keras, copied into a workspace the learner owns. Each file's docstring
  teaches the equation and the shapes; ``tfdojo kata check NAME`` runs its check
  (:mod:`~tfdojo.teaching.kata.registry`, :mod:`~tfdojo.teaching.kata.checks`),
  ``tfdojo kata watch`` re-checks on every save (:mod:`~tfdojo.teaching.kata.workspace`,
  :mod:`~tfdojo.teaching.kata.runner`).
- **NumPy, by hand** (the lesson notebooks): ``kata.check_softmax(my_softmax)`` and
  six more checks of small NumPy functions (:mod:`~tfdojo.teaching.kata.numpy_track`).

The lesson notebooks hold the TensorFlow katas too, each checked in place on the
notebook's own definitions: ``kata.check_here("logistic", globals())``
(:mod:`~tfdojo.teaching.kata.notebook`).

Importing this package does not import TensorFlow.
"""

from tfdojo.teaching.kata.checking import CheckResult, check_file, check_namespace
from tfdojo.teaching.kata.notebook import check_here, hint
from tfdojo.teaching.kata.numpy_track import (
    _CONV_CASES,
    KataResult,
    check_affine_backward,
    check_conv_output_size,
    check_conv_params,
    check_cross_entropy,
    check_dropout,
    check_relu_backward,
    check_softmax,
)
from tfdojo.teaching.kata.registry import KATAS, TRACKS, Kata, find, katas, names

__all__ = [
    "KATAS",
    "TRACKS",
    "CheckResult",
    "Kata",
    "KataResult",
    "_CONV_CASES",
    "check_affine_backward",
    "check_conv_output_size",
    "check_conv_params",
    "check_cross_entropy",
    "check_dropout",
    "check_file",
    "check_here",
    "check_namespace",
    "check_relu_backward",
    "check_softmax",
    "find",
    "hint",
    "katas",
    "names",
]
