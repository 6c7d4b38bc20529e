"""The katas' code, one source each: ``NN_name.py`` (TensorFlow), ``np_name.py`` (NumPy).

Each source is the reference solution, with the learner's part between two marker
lines (the same markers as the lesson notebooks' sources)::

    # TODO: logits = X W + b
    # BEGIN SOLUTION
    return tf.matmul(X, self.W) + self.b
    # END SOLUTION

The exercise the learner edits (:func:`exercise`) replaces each marked block by
``raise NotImplementedError(...)``; the solution (:func:`solution`) drops the markers.
As Python, a source *is* its solution (markers are comments), so the checks import the
sources as their reference implementations. ``tfdojo kata start`` copies the TensorFlow
exercises into the learner's workspace, and ``scripts/make_notebooks.py`` makes the
lesson notebooks' learner and solution cells of every kata with the same two functions.
"""

from __future__ import annotations

import importlib
from importlib import resources
from types import ModuleType

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
TODO = 'raise NotImplementedError("your code here: see the TODO above")'


def read(stem: str) -> str:
    """The source text of kata ``stem`` (``"04_training_step"``, ``"np_softmax"``)."""
    return resources.files(__package__).joinpath(f"{stem}.py").read_text(encoding="utf-8")


def reference(stem: str) -> ModuleType:
    """The source of kata ``stem`` imported as a module: tfdojo's reference solution."""
    return importlib.import_module(f"{__package__}.{stem}")


def exercise(source: str) -> str:
    """The learner's version: every solution block replaced by ``raise NotImplementedError``."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + TODO)
        elif stripped == END:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(out)


def solution(source: str) -> str:
    """The reference solution: the source without its markers."""
    return "\n".join(ln for ln in source.splitlines() if ln.strip() not in (BEGIN, END))
