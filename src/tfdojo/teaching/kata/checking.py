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
import functools
import importlib.util
import re
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from tfdojo.core.safe_read import read_bytes
from tfdojo.teaching.kata import data
from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.causes.basics import MISSING_NAME
from tfdojo.teaching.kata.learner_code import CellCode, FileCode, explain_exception
from tfdojo.teaching.kata.strict import (
    GRAPH_SECONDS,
    failure_message,
    graph_note,
    graph_run,
    rows_failure,
    rules_failure,
)
from tfdojo.teaching.kata.trace import Recorder, TraceLine, format_trace, trace_call

if TYPE_CHECKING:
    from tfdojo.teaching.kata.data import KataData
    from tfdojo.teaching.kata.registry import Kata

STATUSES = ("todo", "failing", "pass")

MAX_SOURCE_BYTES = 1 << 20
"""The largest kata file whose rules ``--strict`` reads."""


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
    trace: tuple[TraceLine, ...] = ()
    figures: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def text(self) -> str:
        """The message, then the tensor trace of the failing case when there is one."""
        trace = format_trace(self.trace)
        return f"{self.message}\n{trace}" if trace else self.message

    def __str__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """In a notebook, a result shows as its message and trace (IPython's text display)."""
        printer.text(self.text())

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: every field above; ``trace`` as a list of
        ``{"line", "code", "name", "shape", "dtype"}``."""
        d = dataclasses.asdict(self)
        d["trace"] = [t.to_dict() for t in self.trace]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckResult:
        """The result of a :meth:`to_dict` (a worker's answer); trace lines not well formed
        are left out."""
        trace = (TraceLine.from_dict(t) for t in d.get("trace") or ())
        return cls(**{**d, "trace": tuple(t for t in trace if t is not None)})


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
        calls: each learner function's last call and its seconds, by function.
        figures: what a training check measured, handed back in :attr:`CheckResult.figures`
            (``steps``, ``seconds``, ``parameters``, ``test_accuracy``, ``reference``).
    """

    def __init__(
        self,
        learner: ModuleType | Namespace,
        strict: bool = False,
        seed: int = 0,
        on_case: Callable[[str], None] | None = None,
    ):
        self.learner = learner
        self.on_case = on_case
        self._case = "loading your file"
        self.strict = strict
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.last_call: tuple[Callable, tuple, dict] | None = None
        self.last_seconds = 0.0
        self.calls: dict[Callable, tuple[tuple[Callable, tuple, dict], float]] = {}
        self.figures: dict[str, Any] = {}
        self._data: KataData | None = None

    @property
    def case(self) -> str:
        """The case being tried; setting it tells ``on_case`` (``kata watch``'s progress)."""
        return self._case

    @case.setter
    def case(self, text: str) -> None:
        self._case = text
        if self.on_case is not None:
            self.on_case(text)

    def keep(self, fn: Callable, args: tuple, kwargs: dict, seconds: float = 0.0) -> None:
        """Remember ``fn(*args, **kwargs)`` as the learner's last call (it took ``seconds``)."""
        self.last_call = (fn, args, kwargs)
        self.last_seconds = seconds
        self.calls[fn] = (self.last_call, seconds)

    def call(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, remembered as the learner's last call."""
        self.keep(fn, args, kwargs)
        return fn(*args, **kwargs)

    def get(self, name: str) -> Any:
        """The learner's function, class or constant ``name``."""
        if not hasattr(self.learner, name):
            raise Failure(f"a definition named {name} in your code", "none", MISSING_NAME)
        return getattr(self.learner, name)

    def size(self, default: int, low: int = 1, high: int | None = None) -> int:
        """A batch size or a shape's side for a case: ``default``, or under :attr:`strict`
        one drawn from :attr:`rng` in ``[low, high]`` (``high``: twice the default)."""
        if not self.strict:
            return default
        return int(self.rng.integers(low, (high or 2 * default) + 1))

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


def check_file(
    kata: Kata,
    path: str | Path,
    strict: bool = False,
    seed: int = 0,
    on_case: Callable[[str], None] | None = None,
    trace: bool = True,
) -> CheckResult:
    """Run ``kata``'s check on the learner's file ``path``, in this process.

    Args:
        strict: ``kata check --strict``: more cases at random shapes from ``seed``, the
            kata's rules read from the file, the last call run under ``tf.function``.
        on_case: called with each case as the check reaches it (progress).
        trace: run a failing case again under the tensor trace (``kata selftest`` does not).
    """
    path = Path(path)
    if not path.exists():
        message = f"not started: {path} does not exist (tfdojo kata start)"
        return CheckResult(kata.name, "todo", message)
    if not path.is_file():
        message = f"{path} is not a file: expected your Python file there; move it away"
        return CheckResult(kata.name, "failing", message)
    # in a checking process, Ctrl-C is its caller's: a KeyboardInterrupt is the learner's own
    caught = (Exception, SystemExit, KeyboardInterrupt)
    checker = functools.partial(Checker, strict=strict, seed=seed, on_case=on_case)
    result = run_check(kata, lambda: load_learner(path), FileCode(path), caught, checker, trace)
    if strict and result.passed:
        result = _strict_rules(result, kata, path)
    return result


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
    checker: Callable[[Any], Checker] = Checker,
    trace: bool = True,
) -> CheckResult:
    """Run ``kata``'s check on what ``load()`` returns; ``code`` finds the learner's frames.

    ``caught``: what the learner's code may raise, reported as a verdict; with
    ``KeyboardInterrupt`` among them where Ctrl-C cannot be the cause (a checking process
    ignores it), else a KeyboardInterrupt interrupts the check. ``checker(learner)`` makes
    the :class:`Checker`. When the check fails on a case, the learner's last call is run
    again under the tensor trace (:mod:`tfdojo.teaching.kata.trace`).
    """
    t0 = time.perf_counter()
    ck: Checker | None = None
    fields: dict[str, Any] = {}
    recorder: Recorder | None = None
    try:
        ck = checker(load())
        recorder = Recorder(code.owns, ck.keep)
        recorder.install(ck.learner)
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
    finally:
        if recorder is not None:
            recorder.restore()
    if ck is not None and ck.last_call is not None:
        if status == "failing" and "case" in fields and trace:
            fields["trace"] = trace_call(ck.last_call, code.owns, caught)
        elif status == "pass" and ck.strict and ck.last_seconds < GRAPH_SECONDS:
            figures = {"seed": ck.seed, **graph_run(ck.last_call)}
            message += "\n" + graph_note(figures)
            fields["figures"] = {**ck.figures, **figures}
            quick = [call for call, took in ck.calls.values() if took < GRAPH_SECONDS]
            broken = next(filter(None, map(rows_failure, quick)), None)
            if broken is not None:
                status, message = "failing", failure_message(broken)
                fields.update(broken)
    if ck is not None and ck.figures and "figures" not in fields:
        fields["figures"] = dict(ck.figures)
    seconds = time.perf_counter() - t0
    return CheckResult(kata.name, status, message.rstrip(), seconds, **fields)


def _strict_rules(result: CheckResult, kata: Kata, path: Path) -> CheckResult:
    """``result``, failing if the learner's file breaks a rule of its kata."""
    source = read_bytes(path, MAX_SOURCE_BYTES, "your kata file")
    try:
        broken = rules_failure(kata.name, source.decode("utf-8", errors="replace"))
    except (SyntaxError, ValueError):  # it imported, so it parses; changed since, then
        return result
    if broken is None:
        return dataclasses.replace(result, message=result.message + "\nthe kata's rules: kept")
    message = failure_message(broken)
    return dataclasses.replace(result, status="failing", message=message, **broken)


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
