"""Katas: the learner writes the code, a check answers at once and names the likely mistake.

One framework, two tracks (:mod:`~tfdojo.teaching.kata.registry`: one record per kata,
naming its source and its check):

- **TensorFlow**: 14 short files in the course's order, from tensors to a convnet in
  Keras. ``tfdojo kata start`` copies them into a workspace the learner owns, each
  file's docstring teaching the equation and the shapes; ``tfdojo kata check NAME`` runs
  its check (:mod:`~tfdojo.teaching.kata.checks`), ``tfdojo kata watch`` re-checks on
  every save (:mod:`~tfdojo.teaching.kata.workspace`, :mod:`~tfdojo.teaching.kata.runner`).
- **NumPy, by hand**: five small functions (softmax, the cross-entropy, the backward
  passes of ReLU and of a dense layer, dropout), checked against tfdojo's NumPy engine.

The lesson notebooks hold the katas of both tracks, each cell checked in place on the
notebook's own definitions: ``kata.check_here("np_softmax", globals())``,
``kata.check_here("logistic", globals())``; ``kata.hint("logistic")`` gives a hint
(:mod:`~tfdojo.teaching.kata.notebook`).

Importing this package does not import TensorFlow.
"""

from tfdojo.teaching.kata.checking import CheckResult, check_file, check_namespace
from tfdojo.teaching.kata.notebook import check_here, hint
from tfdojo.teaching.kata.registry import KATAS, TRACKS, Kata, find, katas, names

__all__ = [
    "KATAS",
    "TRACKS",
    "CheckResult",
    "Kata",
    "check_file",
    "check_here",
    "check_namespace",
    "find",
    "hint",
    "katas",
    "names",
]
