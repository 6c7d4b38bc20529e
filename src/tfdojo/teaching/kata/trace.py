"""The tensor trace: the learner's failing call run once more, each tensor it made shown.

When a check fails on a case, the learner's outermost call of that case is run again with
a line tracer (``sys.settrace``) that follows the learner's own code only (their file, or
their notebook's cells: :class:`~tfdojo.teaching.kata.learner_code.FileCode` and
``CellCode``). After each line, every local (and ``self.`` attribute) that now holds a
new tensor, and the value a ``return`` gives, is noted with its shape and dtype::

    line 26: return tf.reshape(images, [-1])  ->  (2352,) uint8

To know which call to run again, :class:`Recorder` wraps, while a check runs, the learner's
functions and the methods of the learner's classes: the outermost learner call is kept as
the checker's ``last_call`` (a call made from inside another learner call is part of it).
The run is bounded (:data:`BUDGET` seconds, :data:`LIMIT` lines) and its prints dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import linecache
import sys
import time
import types
from collections.abc import Callable
from typing import Any

BUDGET = 5.0
"""Seconds the run under the tracer may take; it is stopped there (what it saw is kept)."""

LIMIT = 40
"""Distinct trace lines kept; the run is stopped once that many are seen."""

LIST_LIMIT = 16
"""A list (or tuple) of at most this many tensors has each shown (``grads[0]``, ...)."""


@dataclasses.dataclass(frozen=True)
class TraceLine:
    """One tensor a line of the learner's code made.

    Attributes:
        line: the line number in the learner's file (or notebook cell).
        code: that line's text.
        name: the variable (``"images"``, ``"self.W"``) or ``"return"``.
        shape: the tensor's shape, ``None`` for an unknown dimension (or rank).
        dtype: its dtype's name (``"float32"``).
    """

    line: int
    code: str
    name: str
    shape: tuple[int | None, ...] | None
    dtype: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}  ->  {shape_text(self.shape)} {self.dtype}"

    def to_dict(self) -> dict[str, Any]:
        """``{"line", "code", "name", "shape" (a list, or null), "dtype"}``."""
        d = dataclasses.asdict(self)
        d["shape"] = None if self.shape is None else list(self.shape)
        return d

    @classmethod
    def from_dict(cls, d: Any) -> TraceLine | None:
        """The trace line of a ``to_dict``, or ``None`` if ``d`` is not one."""
        try:
            shape = None if d["shape"] is None else tuple(d["shape"])
            if shape is not None and not all(s is None or isinstance(s, int) for s in shape):
                return None
            fields = (int(d["line"]), str(d["code"]), str(d["name"]), shape, str(d["dtype"]))
        except (KeyError, TypeError, ValueError):
            return None
        return cls(*fields)


def shape_text(shape: tuple[int | None, ...] | None) -> str:
    """``(2352,)``, ``(None, 10)``, ``()``; ``<unknown>`` when even the rank is unknown."""
    if shape is None:
        return "<unknown>"
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def format_trace(trace: tuple[TraceLine, ...]) -> str:
    """The trace as the learner reads it, under a title; ``""`` when there is none.

    A line that made one tensor shows its shape and dtype; one that made several (``for v,
    g in ...``, ``a, b = ...``) names each: ``v (784, 10) float32, g (784, 10) float32``.
    """
    if not trace:
        return ""
    lines = ["your tensors on that case (line: code  ->  shape dtype):"]
    groups: list[list[TraceLine]] = []
    for t in trace:
        if groups and groups[-1][0].line == t.line and groups[-1][0].code == t.code:
            groups[-1].append(t)
        else:
            groups.append([t])
    for group in groups:
        if len(group) == 1:
            lines.append(f"  {group[0]}")
            continue
        made = ", ".join(f"{t.name} {shape_text(t.shape)} {t.dtype}" for t in group)
        lines.append(f"  line {group[0].line}: {group[0].code}  ->  {made}")
    return "\n".join(lines)


def is_tensor(value: Any) -> bool:
    """A tf.Tensor, tf.Variable or NumPy array (not a NumPy scalar: no shape worth showing)."""
    return (
        not isinstance(value, type)
        and hasattr(value, "shape")
        and hasattr(value, "dtype")
        and not isinstance(value, int | float)
    )


def _tensor_list(value: Any) -> bool:
    """A list or tuple of 1 to :data:`LIST_LIMIT` tensors."""
    is_list = isinstance(value, list | tuple) and 0 < len(value) <= LIST_LIMIT
    return is_list and all(is_tensor(v) for v in value)


def describe(value: Any) -> tuple[tuple[int | None, ...] | None, str]:
    """``(shape, dtype name)`` of a tensor or array."""
    try:
        shape = tuple(None if d is None else int(d) for d in value.shape)
    except (TypeError, ValueError):  # a tf.TensorShape of unknown rank
        shape = None
    dtype = value.dtype
    return shape, str(getattr(dtype, "name", dtype))


# -------------------------------------------------------------- which call to run again


class Recorder:
    """Wraps the learner's functions and methods while a check runs, keeping the last call.

    Args:
        owns: ``owns(code, globals)``: whether a function is the learner's.
        keep: called with ``(function, args, kwargs, seconds)`` after each outermost call
            (also when it raised: ``seconds`` is then the time until it raised).
    """

    def __init__(self, owns: Callable[[types.CodeType, dict], bool], keep: Callable) -> None:
        self.owns = owns
        self.keep = keep
        self.depth = 0
        self.patched: list[tuple[Any, str, Any, Any]] = []

    def _mine(self, value: Any) -> bool:
        return isinstance(value, types.FunctionType) and self.owns(
            value.__code__, value.__globals__
        )

    def install(self, space: Any) -> None:
        """Wrap the learner's functions in ``space`` (a module, or a notebook's namespace
        object) and the methods of the classes the learner defined there."""
        is_module = isinstance(space, types.ModuleType)
        names = dict(vars(space) if is_module else vars(space)["_variables"])
        for name, value in names.items():
            if self._mine(value):
                self._patch(space, name, value)
            elif isinstance(value, type) and not _is_keras(value):
                for attr, method in list(vars(value).items()):
                    if self._mine(method):
                        self._patch(value, attr, method)

    def _patch(self, owner: Any, name: str, fn: types.FunctionType) -> None:
        wrapper = self.wrap(fn)
        setattr(owner, name, wrapper)
        self.patched.append((owner, name, fn, wrapper))

    def wrap(self, fn: types.FunctionType) -> Callable:
        @functools.wraps(fn)
        def recording(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return fn(*args, **kwargs)
            self.depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                self.keep(fn, args, kwargs, time.perf_counter() - t0)

        return recording

    def restore(self) -> None:
        """Put the learner's own functions back where they were still wrapped."""
        for owner, name, fn, wrapper in reversed(self.patched):
            with contextlib.suppress(AttributeError, TypeError):  # the learner's class may refuse
                if getattr(owner, name, None) is wrapper or vars(owner).get(name) is wrapper:
                    setattr(owner, name, fn)
        self.patched.clear()


def _is_keras(cls: type) -> bool:
    """A Keras layer or model: Keras inspects and wraps its methods itself; left alone."""
    return any(base.__module__.split(".")[0] in ("keras", "tf_keras") for base in cls.__mro__)


# ------------------------------------------------------------------------ the run again


class _Stop(BaseException):
    """Raised by the tracer to end the run: the budget is spent or enough was seen."""


class _Tracer:
    def __init__(self, owns: Callable[[types.CodeType, dict], bool], deadline: float):
        self.owns = owns
        self.deadline = deadline
        self.mine: dict[types.CodeType, bool] = {}
        self.before: dict[types.FrameType, tuple[int, dict[str, Any]]] = {}
        self.found: dict[tuple, TraceLine] = {}

    def on_call(self, frame: types.FrameType, event: str, arg: Any):
        if time.monotonic() > self.deadline:
            raise _Stop
        code = frame.f_code
        mine = self.mine.get(code)
        if mine is None:
            mine = self.mine[code] = self.owns(code, frame.f_globals)
        if not mine:
            return None
        self.before[frame] = (frame.f_lineno, self._tensors(frame))
        return self.on_line

    def on_line(self, frame: types.FrameType, event: str, arg: Any):
        line, before = self.before.get(frame, (frame.f_lineno, {}))
        now = self._tensors(frame)
        for name, value in now.items():
            if before.get(name) is not value:
                self._note(frame, line, name, value)
        if event == "return":
            self.before.pop(frame, None)
            values = arg if isinstance(arg, tuple) else (arg,)
            shown = list(now.values())  # a variable returned was shown where it was made
            for i, value in enumerate(values):
                if is_tensor(value) and not any(value is v for v in shown):
                    name = "return" if len(values) == 1 else f"return[{i}]"
                    self._note(frame, frame.f_lineno, name, value)
        else:
            self.before[frame] = (frame.f_lineno, now)
        if len(self.found) >= LIMIT or time.monotonic() > self.deadline:
            raise _Stop
        return self.on_line

    @staticmethod
    def _tensors(frame: types.FrameType) -> dict[str, Any]:
        found = {}
        for name, value in frame.f_locals.items():
            if is_tensor(value):
                found[name] = value
            elif _tensor_list(value):  # grads, a list of tensors: each shown
                found.update((f"{name}[{i}]", v) for i, v in enumerate(value))
        owner = frame.f_locals.get("self")
        attributes = getattr(owner, "__dict__", None)
        if isinstance(attributes, dict):
            found.update((f"self.{k}", v) for k, v in attributes.items() if is_tensor(v))
        return found

    def _note(self, frame: types.FrameType, line: int, name: str, value: Any) -> None:
        shape, dtype = describe(value)
        code = linecache.getline(frame.f_code.co_filename, line, frame.f_globals).strip()
        code = code.split("  # ", 1)[0]  # the line's comment is the learner's note, not code
        key = (frame.f_code.co_filename, line, name, shape, dtype)
        if key not in self.found:
            self.found[key] = TraceLine(line, code, name, shape, dtype)


def trace_call(
    call: tuple[Callable, tuple, dict],
    owns: Callable[[types.CodeType, dict], bool],
    caught: tuple[type[BaseException], ...] = (Exception, SystemExit),
    budget: float = BUDGET,
) -> tuple[TraceLine, ...]:
    """Run ``fn(*args, **kwargs)`` again, noting each tensor the learner's lines make.

    Args:
        call: ``(fn, args, kwargs)``, the learner's call to run again; a ``tf.function``
            runs as its Python function (eagerly), so that the shapes are the real ones.
        owns: ``owns(code, globals)``: whether a frame runs the learner's code.
        caught: what the learner's code may raise: the trace then ends there.

    Returns:
        The trace lines, in the order first seen, each (line, name, shape, dtype) once.
    """
    fn, args, kwargs = call
    fn = getattr(fn, "python_function", fn)
    tracer = _Tracer(owns, time.monotonic() + budget)
    previous = sys.gettrace()
    sys.settrace(tracer.on_call)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the learner's prints, once is enough
            fn(*args, **kwargs)
    except _Stop:
        pass
    except caught:  # the learner's code may raise anything: the trace stops at its error
        pass
    finally:
        sys.settrace(previous)
    return tuple(tracer.found.values())
