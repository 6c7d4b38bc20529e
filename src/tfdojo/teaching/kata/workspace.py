"""A kata workspace: the learner's folder of kata files, and what tfdojo remembers of it.

Its files are the TensorFlow track's katas (:data:`TRACK`); the NumPy katas live in the
lesson notebooks only.

::

    dojo/
      README.md             how to work here, and the model contract
      01_tensors.py ...     the exercises: the learner's to edit
      .tfdojo-kata.json     each kata's last check (status, message, the file's sha256)
                            and how many hints were shown
      .tfdojo/ledger.jsonl  every check, hint, redo and solution, one JSON line each
                            (:mod:`~tfdojo.teaching.kata.ledger`)

Nothing the learner wrote is overwritten: :func:`start` copies only the files that are
missing (``force`` resets the named ones, keeping the learner's as ``NAME.py.bak``), and
:func:`solve` keeps the learner's version the same way. The status of each kata
(:func:`statuses`) comes from the latest check of the file as it is now (its sha256 in
the ledger, else in the state file), so ``tfdojo kata list`` runs no check, and a file
restored to a version that passed passes again.

The state file is read in one place, :func:`load_state`, which checks it entry by entry:
a damaged one (not JSON, not the shape tfdojo writes, a folder, over 4 MiB) is refused in
one line naming it and how to start afresh, before any command reads or writes a kata
file. Kata files are read as bytes (any encoding), regular files only (a folder or a pipe
in a kata's place is named, never read or overwritten), at most 1 MiB each.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import ensure_dir, write_bytes, write_json, write_text
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import MissingFile, read_bytes
from tfdojo.teaching.kata import ledger, verdict
from tfdojo.teaching.kata.checking import STATUSES, CheckResult
from tfdojo.teaching.kata.registry import Kata, find, katas

STATE_NAME = ".tfdojo-kata.json"

MAX_STATE_BYTES = 4 * 1024 * 1024
"""Largest state file read: 4 MiB (fourteen katas' last checks take about 5 KiB)."""

MAX_KATA_BYTES = 1024 * 1024
"""Largest kata file read: 1 MiB (the longest exercise is about 8 KiB)."""

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
    tfdojo kata hint NAME        what your last check named, then the next hint
    tfdojo kata solve NAME       the reference solution (yours is kept as NAME.py.bak)
    tfdojo kata stats            your attempts, times, hints and mistakes by concept
    tfdojo kata redo NAME        blank a kata and write it again, timed (--due: the ones
                                 due for review)

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
  dropout_rate > 0 (while training); a model may ignore dropout;
- the logits are computed with TensorFlow operations only (no .numpy(), no NumPy), for
  any number of images, and every variable is used: tfdojo trains the model in a
  tf.function, and the katas check that it can.
"""


@dataclasses.dataclass(frozen=True)
class KataStatus:
    """Where the learner stands on one kata."""

    kata: Kata
    path: Path
    status: str  # "todo", "failing" or "pass"
    message: str
    stale: bool  # the file changed since the status was checked
    last: dict[str, Any] | None = None  # the ledger's latest check, from any source

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.kata.name,
            "track": self.kata.track,
            "file": str(self.path),
            "status": self.status,
            "stale": self.stale,
            "message": self.message,
            "last_check": last_check(self.last),
        }


def last_check(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """A ledger check as ``kata list --json`` shows it (None: never checked)."""
    if record is None:
        return None
    keys = ("time", "status", "cause", "source", "hints", "seconds")
    return {k: record.get(k) for k in keys}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ the workspace's files


def read_file(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path`` (a link to one counts), at most ``limit``
    (:func:`tfdojo.core.safe_read.read_bytes`: a pipe is never waited on).

    Raises:
        FileNotFoundError: there is none.
        TfdojoError: a folder, a pipe or a device in its place, or a file over ``limit``.
    """
    try:
        return read_bytes(path, limit, what)
    except MissingFile:
        raise FileNotFoundError(path) from None


def kata_bytes(path: Path) -> bytes | None:
    """The learner's kata file ``path`` as bytes (None: there is none).

    Raises:
        TfdojoError: not a regular file, or larger than :data:`MAX_KATA_BYTES`.
    """
    try:
        return read_file(path, MAX_KATA_BYTES, "your kata file there (move what is in its way)")
    except FileNotFoundError:
        return None


# ---------------------------------------------------------------------- the state file


def load_state(directory: Path) -> dict[str, Any]:
    """The workspace's memory (empty when there is none yet), checked entry by entry.

    Keys tfdojo does not know (a newer version's, another kata's) are kept as they are.

    Raises:
        TfdojoError: a damaged state file, naming it, what is wrong and how to start afresh.
    """
    path = Path(directory) / STATE_NAME
    try:
        data = read_file(path, MAX_STATE_BYTES, "tfdojo's state file")
    except FileNotFoundError:
        return {"katas": {}}
    except TfdojoError as exc:
        raise _damaged(path, str(exc).removeprefix(f"{path}: ")) from None
    try:
        state = json.loads(data)
    except (ValueError, RecursionError):  # also bytes that are no text
        raise _damaged(path, "not valid JSON") from None
    if not isinstance(state, dict):
        raise _damaged(path, f"expected a JSON object, received {_show(state)}")
    katas = state.setdefault("katas", {})
    if not isinstance(katas, dict):
        raise _damaged(path, f'"katas": expected an object by kata name, received {_show(katas)}')
    for name, entry in katas.items():
        problem = _entry_problem(entry)
        if problem:
            raise _damaged(path, f'"katas".{_show(name)}: {problem}')
    return state


def _entry_problem(entry: Any) -> str:
    """What is wrong with one kata's entry of the state file, or ``""``."""
    if not isinstance(entry, dict):
        return f"expected an object, received {_show(entry)}"
    hints = entry.get("hints", 0)
    if type(hints) is not int or hints < 0:  # bool is an int too
        return f'"hints": expected a whole number >= 0, received {_show(hints)}'
    if "status" in entry and entry["status"] not in STATUSES:
        return f'"status": expected one of {", ".join(STATUSES)}, received {_show(entry["status"])}'
    for key in ("message", "sha256"):
        if ("status" in entry or key in entry) and not isinstance(entry.get(key), str):
            return f'"{key}": expected a string, received {_show(entry.get(key))}'
    return ""


def _show(value: Any) -> str:
    """A value of the state file, as its JSON, cut to 40 characters."""
    try:
        text = json.dumps(value)
    except (ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _damaged(path: Path, problem: str) -> TfdojoError:
    return TfdojoError(
        f"{path}: damaged ({problem}); it holds only tfdojo's record of your checks and "
        f"hints: delete it and run `tfdojo kata start {path.parent}` to start it afresh "
        "(your kata files are kept)"
    )


def save_state(directory: Path, state: dict[str, Any]) -> None:
    write_json(Path(directory) / STATE_NAME, state)


def require(directory: str | Path) -> Path:
    """``directory`` if it is a kata workspace whose state file reads; an error saying how to
    make one, or naming what is damaged (:func:`load_state`), if not."""
    d = Path(directory)
    if not (d / STATE_NAME).exists():
        raise TfdojoError(
            f"{d}: no kata workspace here; make one with `tfdojo kata start {d}` "
            "(or pass --dir DIR)"
        )
    load_state(d)
    return d


def _backup(path: Path, data: bytes) -> Path:
    """Copy ``data``, the learner's ``path``, to the first free ``NAME.py.bak``,
    ``NAME.py.bak2``, ...; return it."""
    n = 1
    backup = path.with_name(path.name + ".bak")
    while backup.exists() or backup.is_symlink():
        n += 1
        backup = path.with_name(f"{path.name}.bak{n}")
    write_bytes(backup, data)
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
    Everything is read (and refused) before anything is written.
    """
    d = ensure_dir(directory)
    state = load_state(d)
    forced = {k.name for k in force}
    found = {k.name: kata_bytes(d / k.filename) for k in katas(TRACK) if k.name in forced}
    done = []
    for kata in katas(TRACK):
        path = d / kata.filename
        exercise = kata.exercise()
        if kata.name not in forced and path.exists():
            done.append(Copied(kata, "kept"))
            continue
        mine = found.get(kata.name)
        backup = _backup(path, mine) if mine not in (None, exercise.encode()) else None
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
    book = ledger.read(d)
    out = []
    for kata in katas(TRACK):
        path = d / kata.filename
        last = state.get(kata.name, {})
        latest = book.last_check(kata.name)
        try:
            data = kata_bytes(path)
        except TfdojoError as exc:
            out.append(KataStatus(kata, path, "todo", str(exc), False, latest))
            continue
        if data is None:
            out.append(KataStatus(kata, path, "todo", "missing: tfdojo kata start", False, latest))
            continue
        digest = sha256(data)
        mine = book.last_check(kata.name, digest)
        if "status" in last and last["sha256"] == digest:
            out.append(KataStatus(kata, path, last["status"], last["message"], False, latest))
        elif mine is not None:
            message = mine.get("cause_text") or f"{mine['status']} at its check of {mine['time']}"
            out.append(KataStatus(kata, path, mine["status"], message, False, latest))
        elif "status" in last:
            out.append(KataStatus(kata, path, last["status"], last["message"], True, latest))
        else:
            started = data != kata.exercise().encode()
            message = "edited, not checked yet" if started else "not started"
            out.append(KataStatus(kata, path, "todo", message, started, latest))
    return out


def notebook_only(book: ledger.Ledger) -> list[dict[str, Any]]:
    """The katas checked only in notebooks (the NumPy track), as ``kata list --json`` shows
    them: their status is their latest check's."""
    files = {k.name for k in katas(TRACK)}
    known = {k.name: k for k in katas()}  # another tfdojo's kata: not listed
    out = []
    for name in dict.fromkeys(r["kata"] for r in book.checks()):
        if name in files or name not in known:
            continue
        last = book.last_check(name)
        entry = {"name": name, "track": known[name].track, "file": None}
        entry.update(status=last["status"], stale=False, last_check=last_check(last))
        entry["message"] = last.get("cause_text") or f"{last['status']} in a notebook"
        out.append(entry)
    return out


def current(directory: str | Path) -> KataStatus | None:
    """The first kata that does not pass: the one to work on (None: all pass)."""
    return next((s for s in statuses(directory) if s.status != "pass"), None)


def record(
    directory: str | Path, results: Iterable[CheckResult], source: str = "cli"
) -> list[verdict.Recorded]:
    """Remember each result: the one place a verdict is recorded, whoever checked.

    A check of the workspace's file (``source`` ``"cli"`` or ``"watch"``) becomes its
    kata's state, with the sha256 of the file it was checked on; every check, a notebook's
    (``"notebook"``) too, is appended to the ledger and sent to the room if the workspace
    joined one (:func:`tfdojo.teaching.kata.verdict.record`).
    """
    d = Path(directory)
    done = []
    for r in results:
        kata = find(r.name)
        state = load_state(d)
        digest = None
        if source != "notebook" and kata.track == TRACK:
            try:
                data = kata_bytes(d / kata.filename)
            except TfdojoError:
                data = None  # not a file: the verdict says so
            digest = sha256(data or b"")
            entry = state["katas"].setdefault(r.name, {})
            entry.update(status=r.status, message=r.message, sha256=digest)
            save_state(d, state)
        hints = state["katas"].get(r.name, {}).get("hints", 0)
        done.append(verdict.record(d, r, digest, hints, source, kata.track))
    return done


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
    ledger.append(d, ledger.event_record("hint", kata.name, number=shown + 1))
    return shown + 1, kata.hints[shown]


def solve(directory: str | Path, kata: Kata) -> Path | None:
    """Write the reference solution into the workspace; return the backup of the learner's."""
    d = require(directory)
    path = d / kata.filename
    solution = kata.solution()
    mine = kata_bytes(path)
    backup = None
    if mine is not None and mine not in (solution.encode(), kata.exercise().encode()):
        backup = _backup(path, mine)
    write_text(path, solution)
    ledger.append(d, ledger.event_record("solve", kata.name))
    return backup
