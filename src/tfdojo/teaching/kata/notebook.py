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

Each check is recorded, as ``tfdojo kata check``'s are, in a kata workspace's ledger with
``"source": "notebook"`` (``tfdojo kata list --json`` and ``kata stats`` show it, and a
room the workspace joined receives it). The workspace is, first found:

1. the ``workspace=`` argument of :func:`check_here`;
2. the folder named by the environment variable ``TFDOJO_KATA_DIR``;
3. ``dojo`` in the notebook's folder (the current folder), when it is a kata workspace
   (``tfdojo kata start`` made it there).

With none of them, nothing is recorded and the check is the same. A recording that fails
(a damaged state file) adds one line to the message; it never fails the check.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.teaching.kata import hints, ledger
from tfdojo.teaching.kata import workspace as workspaces
from tfdojo.teaching.kata.checking import CheckResult, check_namespace
from tfdojo.teaching.kata.registry import Kata, find

WORKSPACE_VARIABLE = "TFDOJO_KATA_DIR"
DEFAULT_WORKSPACE = "dojo"


def notebook_workspace(workspace: str | os.PathLike | None = None) -> Path | None:
    """Where a notebook's checks are recorded (the module's docstring); None: nowhere."""
    if workspace is not None:
        return Path(workspace)
    named = os.environ.get(WORKSPACE_VARIABLE)
    if named:
        return Path(named)
    found = Path(DEFAULT_WORKSPACE)
    return found if (found / workspaces.STATE_NAME).is_file() else None


def check_here(
    name: str, namespace: dict[str, Any], workspace: str | os.PathLike | None = None
) -> CheckResult:
    """Run kata ``name``'s check on the definitions in ``namespace`` (pass ``globals()``).

    Args:
        name: the kata: ``"logistic"``, ``"02"`` or ``"02_logistic"``; ``"np_softmax"``.
        namespace: the notebook's globals, holding the names the kata's code defines.
        workspace: the kata workspace whose ledger records the check (default: the
            module's docstring says which).

    Returns:
        The verdict; in a notebook it displays as its message. When it fails, the message
        lists what failed and ends with how to ask for a hint.

    Raises:
        TfdojoError: an unknown kata name (the message lists the valid ones).
    """
    kata = find(name)
    result = check_namespace(kata, namespace)
    notes = _record(result, notebook_workspace(workspace))
    if result.status == "failing":
        body = "\n".join(f"    {line}" for line in result.message.splitlines())
        message = f"not yet: {kata.title}\n{body}\n    hint:     kata.hint({kata.name!r})"
        result = dataclasses.replace(result, message=message)
    if notes:
        result = dataclasses.replace(result, message="\n".join([result.message, *notes]))
    return result


def _record(result: CheckResult, directory: Path | None) -> list[str]:
    """Record a notebook's verdict in ``directory``'s ledger; the lines to add, if any."""
    if directory is None:
        return []
    try:
        workspaces.require(directory)
        (recorded,) = workspaces.record(directory, [result], source="notebook")
    except TfdojoError as exc:
        return [f"(not recorded: {first_line(exc)})"]
    return recorded.notes()


def hint(name: str, number: int = 1, workspace: str | os.PathLike | None = None) -> str:
    """Hint ``number`` (1, 2, ...) of kata ``name``, vaguest first.

    With a workspace (:func:`notebook_workspace`), the hint starts, as ``tfdojo kata hint``
    does, with the cause the kata's last check named, ends with a reteach of its concept
    when that has failed in two katas or more, and is counted in the ledger.

    Raises:
        TfdojoError: an unknown kata name.
    """
    kata = find(name)
    total = len(kata.hints)
    if not 1 <= number <= total:
        return f"{kata.name} has hints 1 to {total}; received number={number}"
    more = f"; the next: kata.hint({kata.name!r}, {number + 1})" if number < total else ""
    text = f"hint {number} of {total} for {kata.name}{more}\n{kata.hints[number - 1]}"
    return "\n".join(_aimed(kata, notebook_workspace(workspace), number, text))


def _aimed(kata: Kata, directory: Path | None, number: int, text: str) -> list[str]:
    """``text`` between the last cause and the reteach of the workspace's ledger."""
    if directory is None:
        return [text]
    try:
        workspaces.require(directory)
        book = ledger.read(directory)
        ledger.append(directory, ledger.event_record("hint", kata.name, number=number))
    except TfdojoError:
        return [text]  # a hint is never refused over the ledger
    last = book.last_check(kata.name)
    failing = last is not None and last["status"] == "failing"
    again = hints.reteach(book, last.get("concept") or "") if failing else ""
    return [part for part in (hints.last_cause(book, kata), text, again) if part]
