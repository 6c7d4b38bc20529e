"""A kata workspace: the learner's folder of kata files, and what tfdojo remembers of it.

Its files are the TensorFlow track's katas (:data:`TRACK`); the NumPy katas live in the
lesson notebooks only.

::

    dojo/
      README.md             how to work here, and the model contract
      01_tensors.py ...     the exercises: the learner's to edit
      .tfdojo-kata.json     each kata's last check (status, message, the file's sha256)
                            and how many hints were shown

Nothing the learner wrote is overwritten: :func:`start` copies only the files that are
missing (``force`` resets the named ones, keeping the learner's as ``NAME.py.bak``), and
:func:`solve` keeps the learner's version the same way. The status of each kata
(:func:`statuses`) comes from the last check when the file has not changed since, so
``tfdojo kata list`` runs no check.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import ensure_dir, write_json, write_text
from tfdojo.core.errors import TfdojoError
from tfdojo.teaching.kata.checking import CheckResult
from tfdojo.teaching.kata.registry import Kata, find, katas

STATE_NAME = ".tfdojo-kata.json"

TRACK = "tensorflow"
"""The track whose katas are the workspace's files, numbered 01, 02, ..."""

README = """\
# Your TensorFlow dojo

{count} katas in the order of the course (Udacity's Deep Learning, assignments 1-4):
tensors, the logistic classifier, softmax and cross-entropy, the training step, the
minibatch loop, gradient descent vs SGD, the ReLU network, L2, dropout, learning-rate
decay, overfitting, a conv layer, the convnet, and the same convnet in Keras.

Each file starts with what it teaches (the equation, the shapes) and what to write;
the places to write are marked TODO and raise NotImplementedError until you do.

    tfdojo kata watch            re-checks the kata you are on each time you save
    tfdojo kata check [NAME]     checks one kata (04, 04_training_step, training_step)
                                 or all of them
    tfdojo kata list             your progress
    tfdojo kata hint NAME        the next hint
    tfdojo kata solve NAME       the reference solution (yours is kept as NAME.py.bak)

Run the commands in the folder that holds this one, or add --dir {folder}.
The training katas use the kata set: a few thousand letters rendered from matplotlib's
fonts, made once into tfdojo's cache.

## The model contract

The models you write (kata 2 Logistic, 7 MLP, 9 DropoutMLP, 13 ConvNet) follow the
contract of tfdojo's own models:

    model = ConvNet(seed=0)                          # seed draws the initial weights
    logits = model(x, dropout_rate=0.0, seed=None)   # x float32 (N, 28, 28) in [-0.5, 0.5]
                                                     # logits (N, 10)

- a tf.Module; its variables are model.trainable_variables;
- weights have rank >= 2 and are named W...; biases have rank 1 and are named b...;
  L2 applies to the weights only;
- seed is an int tensor of shape (2,), for stateless dropout, used only when
  dropout_rate > 0 (while training); a model may ignore dropout.
"""


@dataclasses.dataclass(frozen=True)
class KataStatus:
    """Where the learner stands on one kata."""

    kata: Kata
    path: Path
    status: str  # "todo", "failing" or "pass"
    message: str
    stale: bool  # the file changed since the status was checked

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.kata.name,
            "file": str(self.path),
            "status": self.status,
            "stale": self.stale,
            "message": self.message,
        }


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_state(directory: Path) -> dict[str, Any]:
    """The workspace's memory (empty when there is none yet)."""
    path = Path(directory) / STATE_NAME
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"katas": {}}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TfdojoError(f"{path}: not valid JSON; delete it to start afresh") from None
    state.setdefault("katas", {})
    return state


def save_state(directory: Path, state: dict[str, Any]) -> None:
    write_json(Path(directory) / STATE_NAME, state)


def require(directory: str | Path) -> Path:
    """``directory`` if it is a kata workspace; an error saying how to make one if not."""
    d = Path(directory)
    if not (d / STATE_NAME).is_file():
        raise TfdojoError(
            f"{d}: no kata workspace here; make one with `tfdojo kata start {d}` "
            "(or pass --dir DIR)"
        )
    return d


def _backup(path: Path) -> Path:
    """Copy ``path`` to the first free ``NAME.py.bak``, ``NAME.py.bak2``, ...; return it."""
    n = 1
    backup = path.with_name(path.name + ".bak")
    while backup.exists():
        n += 1
        backup = path.with_name(f"{path.name}.bak{n}")
    write_text(backup, path.read_text(encoding="utf-8"))
    return backup


@dataclasses.dataclass(frozen=True)
class Copied:
    """What :func:`start` did with one kata's file."""

    kata: Kata
    action: str  # "created", "kept" (as it is, edited or not) or "reset"
    backup: Path | None = None  # where the learner's version went, when reset


def start(directory: str | Path, force: Iterable[Kata] = ()) -> list[Copied]:
    """Copy the exercises into ``directory``; return what happened to each kata's file.

    A kata file already there is kept, edited or not, unless its kata is in ``force``:
    then the learner's file is saved as ``NAME.py.bak`` and the exercise copied afresh.
    """
    d = ensure_dir(directory)
    state = load_state(d)
    forced = {k.name for k in force}
    done = []
    for kata in katas(TRACK):
        path = d / kata.filename
        exercise = kata.exercise()
        if path.exists() and kata.name not in forced:
            done.append(Copied(kata, "kept"))
            continue
        edited = path.exists() and path.read_text(encoding="utf-8") != exercise
        backup = _backup(path) if edited else None
        write_text(path, exercise)
        state["katas"].pop(kata.name, None)
        done.append(Copied(kata, "reset" if kata.name in forced else "created", backup))
    readme = d / "README.md"
    if not readme.exists():
        write_text(readme, README.format(count=len(katas(TRACK)), folder=d))
    save_state(d, state)
    return done


def statuses(directory: str | Path) -> list[KataStatus]:
    """Every kata's status, from the files and the last checks (no check is run)."""
    d = require(directory)
    state = load_state(d)["katas"]
    out = []
    for kata in katas(TRACK):
        path = d / kata.filename
        last = state.get(kata.name, {})
        if not path.exists():
            out.append(KataStatus(kata, path, "todo", "missing: tfdojo kata start", False))
            continue
        text = path.read_text(encoding="utf-8")
        if "status" in last:
            stale = last.get("sha256") != sha256(text)
            out.append(KataStatus(kata, path, last["status"], last["message"], stale))
        else:
            started = text != kata.exercise()
            message = "edited, not checked yet" if started else "not started"
            out.append(KataStatus(kata, path, "todo", message, started))
    return out


def current(directory: str | Path) -> KataStatus | None:
    """The first kata that does not pass: the one to work on (None: all pass)."""
    return next((s for s in statuses(directory) if s.status != "pass"), None)


def record(directory: str | Path, results: Iterable[CheckResult]) -> None:
    """Remember each result with the sha256 of the file it was checked on."""
    d = Path(directory)
    state = load_state(d)
    for r in results:
        path = d / find(r.name, TRACK).filename
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        entry = state["katas"].setdefault(r.name, {})
        entry.update(status=r.status, message=r.message, sha256=sha256(text))
    save_state(d, state)


def next_hint(directory: str | Path, kata: Kata) -> tuple[int, str]:
    """``(number, text)`` of the next hint of ``kata`` (number 0: none left)."""
    d = require(directory)
    state = load_state(d)
    entry = state["katas"].setdefault(kata.name, {})
    shown = entry.get("hints", 0)
    if shown >= len(kata.hints):
        return 0, ""
    entry["hints"] = shown + 1
    save_state(d, state)
    return shown + 1, kata.hints[shown]


def solve(directory: str | Path, kata: Kata) -> Path | None:
    """Write the reference solution into the workspace; return the backup of the learner's."""
    d = require(directory)
    path = d / kata.filename
    solution = kata.solution()
    backup = None
    if path.exists() and path.read_text(encoding="utf-8") not in (solution, kata.exercise()):
        backup = _backup(path)
    write_text(path, solution)
    return backup
