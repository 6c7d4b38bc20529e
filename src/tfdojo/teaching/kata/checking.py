"""Run a kata's check on the learner's code and turn whatever happens into a verdict.

A check is a function ``(ck: Checker) -> str``, named by its kata's record: it gets the
learner's code with ``ck.get(name)``, calls it on small data with fixed seeds, compares
with the reference, and returns one sentence saying what it verified, or raises
:class:`Failure` (the case, what was expected, what came back, the likely cause). The
same holds for both tracks, TensorFlow and NumPy. :func:`check_file` runs a check on a
kata file, :func:`check_namespace` on a notebook's definitions, and both give one of
three statuses:

- ``pass``: the check returned;
- ``todo``: the learner's code still raises ``NotImplementedError`` (or holds a ``...``),
  which is "not done yet", never a traceback;
- ``failing``: a :class:`Failure`, or an exception in the learner's code, shown at the
  learner's line (their file's, or their notebook cell's; tfdojo's and TensorFlow's frames
  are left out) with the likely cause when the error is a well-known one
  (:data:`KNOWN_ERRORS`).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from tfdojo.teaching.kata import data
from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.causes.basics import MISSING_NAME
from tfdojo.teaching.kata.learner_code import CellCode, FileCode, explain_exception

if TYPE_CHECKING:
    from tfdojo.teaching.kata.data import KataData
    from tfdojo.teaching.kata.registry import Kata

STATUSES = ("todo", "failing", "pass")


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """One kata's verdict: ``status`` in :data:`STATUSES` and a message in plain words, and
    the same in fields for programs (``tfdojo kata check --json``, the ledger, the room).

    Attributes:
        name: the kata.
        status: ``"todo"``, ``"failing"`` or ``"pass"``.
        message: what the learner reads.
        seconds: how long the check took.
        case: the case that failed (``""`` when none did).
        expected, received: what the check expected, and what came back.
        cause: the stable id of the likely cause named (``""``: none), with its
            ``cause_text`` and ``concept``.
        error: the learner's exception (``"ValueError: ..."``), when one was raised.
        trace: the tensor trace of the failing case, one line per tensor-making line.
        figures: what a training kata measured (steps, seconds, parameters, McNemar, ...).
    """

    name: str
    status: str
    message: str
    seconds: float = 0.0
    case: str = ""
    expected: str = ""
    received: str = ""
    cause: str = ""
    cause_text: str = ""
    concept: str = ""
    error: str = ""
    trace: tuple[str, ...] = ()
    figures: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def __str__(self) -> str:
        return self.message

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """In a notebook, a result shows as its message (IPython's text display)."""
        printer.text(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: every field above."""
        d = dataclasses.asdict(self)
        d["trace"] = list(self.trace)
        return d


class Failure(Exception):
    """A wrong answer found by a check: what was expected, what came back, and why, likely.

    Args:
        cause: the likely mistake (:class:`~tfdojo.teaching.kata.causes.Cause`), or ``None``.
    """

    def __init__(self, expected: str, received: str, cause: Cause | str | None = None):
        super().__init__(f"expected {expected}, received {received}")
        self.expected = expected
        self.received = received
        self.cause = cause

    @property
    def cause_id(self) -> str:
        return self.cause.id if isinstance(self.cause, Cause) else ""

    @property
    def cause_text(self) -> str:
        return str(self.cause or "")


class NotDone(Exception):
    """The learner's code returned ``...``: a TODO not written yet."""


class Checker:
    """What a check works with: the learner's code, the case being tried, the kata data.

    ``learner`` is the learner's module, or a notebook's globals as a :class:`Namespace`.
    A check sets ``ck.case`` before each case, so that a failure or an exception is
    reported with the case it happened in, and calls the learner's code through
    :meth:`call`, so that the failing case can be run again under the tensor trace.

    Attributes:
        strict: ``kata check --strict``: checks draw more cases, at random shapes and sizes,
            from :attr:`rng`.
        rng: the check's random numbers (a fixed seed; a fresh one under ``strict``).
        last_call: ``(function, args, kwargs)`` of the learner's code last called.
    """

    def __init__(self, learner: ModuleType | Namespace, strict: bool = False, seed: int = 0):
        self.learner = learner
        self.case = "loading your file"
        self.strict = strict
        self.rng = np.random.default_rng(seed)
        self.last_call: tuple[Callable, tuple, dict] | None = None
        self._data: KataData | None = None

    def call(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, remembered as the learner's last call."""
        self.last_call = (fn, args, kwargs)
        return fn(*args, **kwargs)

    def get(self, name: str) -> Any:
        """The learner's function, class or constant ``name``."""
        if not hasattr(self.learner, name):
            raise Failure(f"a definition named {name} in your code", "none", MISSING_NAME)
        return getattr(self.learner, name)

    def data(self) -> KataData:
        """The kata set (made into the cache on first use)."""
        if self._data is None:
            self._data = data.load()
        return self._data


# ---------------------------------------------------------------------- running a check


def load_learner(path: Path) -> ModuleType:
    """Import the learner's file as a fresh module (its ``__main__`` block does not run)."""
    name = "kata_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_file(kata: Kata, path: str | Path) -> CheckResult:
    """Run ``kata``'s check on the learner's file ``path``, in this process."""
    path = Path(path)
    if not path.exists():
        message = f"not started: {path} does not exist (tfdojo kata start)"
        return CheckResult(kata.name, "todo", message)
    if not path.is_file():
        message = f"{path} is not a file: expected your Python file there; move it away"
        return CheckResult(kata.name, "failing", message)
    # in a checking process, Ctrl-C is its caller's: a KeyboardInterrupt is the learner's own
    caught = (Exception, SystemExit, KeyboardInterrupt)
    return run_check(kata, lambda: load_learner(path), FileCode(path), caught)


def check_namespace(kata: Kata, namespace: dict[str, Any]) -> CheckResult:
    """Run ``kata``'s check on the definitions in ``namespace``: a notebook's ``globals()``.

    The check reads the learner's functions, classes and constants from the dict, and its
    spies write there (the learner's loop looks its step up in the notebook's globals).
    An error is shown at the learner's cell and line.
    """
    return run_check(kata, lambda: Namespace(namespace), CellCode(namespace))


def run_check(
    kata: Kata,
    load: Callable[[], Any],
    code: FileCode | CellCode,
    caught: tuple[type[BaseException], ...] = (Exception, SystemExit),
) -> CheckResult:
    """Run ``kata``'s check on what ``load()`` returns; ``code`` finds the learner's frames.

    ``caught``: what the learner's code may raise, reported as a verdict; with
    ``KeyboardInterrupt`` among them where Ctrl-C cannot be the cause (a checking process
    ignores it), else a KeyboardInterrupt interrupts the check.
    """
    t0 = time.perf_counter()
    ck: Checker | None = None
    fields: dict[str, Any] = {}
    try:
        ck = Checker(load())
        status, message = "pass", "well done: " + kata.check_function()(ck)
    except Failure as f:
        case = ck.case if ck else "loading your file"
        status, message = "failing", format_failure(case, f)
        cause = f.cause if isinstance(f.cause, Cause) else None
        fields = dict(case=case, expected=f.expected, received=f.received)
        fields.update(cause=f.cause_id, cause_text=f.cause_text)
        fields.update(concept=cause.concept if cause else "")
    except NotDone as exc:
        status, message = "todo", f"not done yet: {exc}"
    except SyntaxError as exc:
        status = "failing"
        message = f"your file does not parse: line {exc.lineno}: {exc.msg}\n    {exc.text or ''}"
        fields = dict(error=f"SyntaxError: line {exc.lineno}: {exc.msg}")
    except caught as exc:  # the learner's code may raise anything
        case = ck.case if ck else "loading your file"
        explained = explain_exception(exc, code, case)
        status, message = explained.status, explained.message
        if status == "failing":
            cause = explained.cause
            fields = dict(case=case, error=explained.error, cause_text=explained.cause_text)
            fields.update(cause=cause.id if cause else "", concept=cause.concept if cause else "")
    seconds = time.perf_counter() - t0
    return CheckResult(kata.name, status, message.rstrip(), seconds, **fields)


class Namespace:
    """A notebook's globals seen as a module: reading or setting an attribute uses the dict."""

    def __init__(self, variables: dict[str, Any]):
        object.__setattr__(self, "_variables", variables)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._variables[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._variables[name] = value


def format_failure(case: str, f: Failure) -> str:
    lines = [f"case:     {case}", f"expected: {f.expected}", f"received: {f.received}"]
    if f.cause:
        lines.append(f"cause:    {f.cause_text}")
    return "\n".join(lines)
