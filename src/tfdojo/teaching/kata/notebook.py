"""The katas inside a notebook: the learner's cell, then its check, at once.

A lesson notebook holds a kata's code in a cell (its source's code and TODOs: for a
TensorFlow kata, the same as its workspace file) and ends the cell with its check, run on
the notebook's own definitions::

    class Logistic(tf.Module):
        ...

    kata.check_here("logistic", globals())

and the same for a NumPy kata: ``def np_softmax(z): ...``, then
``kata.check_here("np_softmax", globals())``.

The result shows as its message: "well done: ...", "not done yet: ..." while a TODO
still raises ``NotImplementedError``, or what failed, with the case, what was expected,
what came back and the likely cause (the diagnoses of ``tfdojo kata check``). An error
in the learner's code is shown at their cell and line. ``kata.hint("logistic")`` gives
the kata's hints one by one, as ``tfdojo kata hint`` does.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tfdojo.teaching.kata.checking import CheckResult, check_namespace
from tfdojo.teaching.kata.registry import find


def check_here(name: str, namespace: dict[str, Any]) -> CheckResult:
    """Run kata ``name``'s check on the definitions in ``namespace`` (pass ``globals()``).

    Args:
        name: the kata: ``"logistic"``, ``"02"`` or ``"02_logistic"``; ``"np_softmax"``.
        namespace: the notebook's globals, holding the names the kata's code defines.

    Returns:
        The verdict; in a notebook it displays as its message. When it fails, the message
        lists what failed and ends with how to ask for a hint.

    Raises:
        TfdojoError: an unknown kata name (the message lists the valid ones).
    """
    kata = find(name)
    result = check_namespace(kata, namespace)
    if result.status != "failing":
        return result
    body = "\n".join(f"    {line}" for line in result.message.splitlines())
    message = f"not yet: {kata.title}\n{body}\n    hint:     kata.hint({kata.name!r})"
    return dataclasses.replace(result, message=message)


def hint(name: str, number: int = 1) -> str:
    """Hint ``number`` (1, 2, ...) of kata ``name``, vaguest first.

    Raises:
        TfdojoError: an unknown kata name.
    """
    kata = find(name)
    total = len(kata.hints)
    if not 1 <= number <= total:
        return f"{kata.name} has hints 1 to {total}; received number={number}"
    more = f"; the next: kata.hint({kata.name!r}, {number + 1})" if number < total else ""
    return f"hint {number} of {total} for {kata.name}{more}\n{kata.hints[number - 1]}"
