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
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from tfdojo.teaching.kata import data

if TYPE_CHECKING:
    from tfdojo.teaching.kata.data import KataData
    from tfdojo.teaching.kata.registry import Kata

STATUSES = ("todo", "failing", "pass")


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """One kata's verdict: ``status`` in :data:`STATUSES` and a message in plain words."""

    name: str
    status: str
    message: str
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def __str__(self) -> str:
        return self.message

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """In a notebook, a result shows as its message (IPython's text display)."""
        printer.text(self.message)

    def to_dict(self) -> dict[str, str]:
        """The ``--json`` object: ``{"name", "status", "message"}``."""
        return {"name": self.name, "status": self.status, "message": self.message}


class Failure(Exception):
    """A wrong answer found by a check: what was expected, what came back, and why, likely."""

    def __init__(self, expected: str, received: str, cause: str = ""):
        super().__init__(f"expected {expected}, received {received}")
        self.expected = expected
        self.received = received
        self.cause = cause


class NotDone(Exception):
    """The learner's code returned ``...``: a TODO not written yet."""


class Checker:
    """What a check works with: the learner's code, the case being tried, the kata data.

    ``learner`` is the learner's module, or a notebook's globals as a :class:`Namespace`.
    A check sets ``ck.case`` before each case, so that a failure or an exception is
    reported with the case it happened in.
    """

    def __init__(self, learner: ModuleType | Namespace):
        self.learner = learner
        self.case = "loading your file"
        self._data: KataData | None = None

    def get(self, name: str) -> Any:
        """The learner's function, class or constant ``name``."""
        if not hasattr(self.learner, name):
            raise Failure(
                f"a definition named {name} in your code",
                "none",
                "keep the names the exercise gives: the check calls them by name",
            )
        return getattr(self.learner, name)

    def data(self) -> KataData:
        """The kata set (made into the cache on first use)."""
        if self._data is None:
            self._data = data.load()
        return self._data


# -------------------------------------------------------------------------- comparing


def to_array(what: str, value: Any) -> np.ndarray:
    """``value`` (a tensor, variable, array or number) as a NumPy array, or a Failure."""
    if value is None:
        raise Failure(what, "None", "the function returned nothing: did you forget `return`?")
    if value is Ellipsis:
        raise NotDone(f"{what} is still `...`: write the TODO that computes it")
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        return np.asarray(value)
    except (TypeError, ValueError):
        raise Failure(what, f"{type(value).__name__} {value!r:.60}") from None


def brief(value: Any, n: int = 4) -> str:
    """A short view of a number or an array: its first ``n`` values and its shape."""
    a = np.asarray(value)
    if a.ndim == 0:
        return f"{a.item():.4g}" if a.dtype.kind == "f" else repr(a.item())
    flat = a.ravel()
    head = ", ".join(f"{v:.4g}" if a.dtype.kind == "f" else str(v) for v in flat[:n])
    more = ", ..." if flat.size > n else ""
    return f"[{head}{more}], shape {a.shape}"


def likely(got: np.ndarray, wrong: list[tuple[str, Any]], rtol: float = 1e-4) -> str:
    """The cause of the first known wrong answer that ``got`` equals, or ``""``."""
    for cause, value in wrong:
        w = np.asarray(value)
        if w.shape == got.shape and np.allclose(got, w, rtol=rtol, atol=1e-5, equal_nan=True):
            return cause
    return ""


def expect_close(
    what: str,
    got: Any,
    want: Any,
    wrong: list[tuple[str, Any]] = (),
    rtol: float = 1e-4,
    atol: float = 1e-5,
) -> np.ndarray:
    """Fail unless ``got`` equals ``want`` (shape and values); return ``got`` as an array.

    Args:
        wrong: ``(cause, value)`` of the usual wrong answers: when ``got`` equals one of
            them, its cause is named.
    """
    g = to_array(what, got)
    w = np.asarray(want)
    if g.shape != w.shape:
        shape_causes = {np.asarray(v).shape: c for c, v in wrong if np.asarray(v).shape != w.shape}
        raise Failure(
            f"{what} of shape {w.shape}", f"shape {g.shape}", shape_causes.get(g.shape, "")
        )
    if not np.allclose(g.astype(np.float64), w, rtol=rtol, atol=atol):
        cause = likely(g.astype(np.float64), list(wrong), rtol)
        if not cause and not np.all(np.isfinite(g)) and np.all(np.isfinite(w)):
            cause = "inf or nan where numbers were expected: an exp() that overflowed, or log(0)?"
        raise Failure(f"{what} = {brief(w)}", brief(g), cause)
    return g


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
    try:
        ck = Checker(load())
        status, message = "pass", "well done: " + kata.check_function()(ck)
    except Failure as f:
        status, message = "failing", format_failure(ck.case if ck else "loading your file", f)
    except NotDone as exc:
        status, message = "todo", f"not done yet: {exc}"
    except SyntaxError as exc:
        status = "failing"
        message = f"your file does not parse: line {exc.lineno}: {exc.msg}\n    {exc.text or ''}"
    except caught as exc:  # the learner's code may raise anything
        status, message = explain_exception(exc, code, ck.case if ck else "loading your file")
    return CheckResult(kata.name, status, message.rstrip(), time.perf_counter() - t0)


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
        lines.append(f"cause:    {f.cause}")
    return "\n".join(lines)


# --------------------------------------------------------------- the learner's exceptions

KNOWN_ERRORS: list[tuple[str, str, str]] = [
    (
        # the second form is the message under tf.config.experimental.enable_op_determinism()
        r"logits and labels must be broadcastable: .*labels_size=\[1,"
        r"|Incompatible shapes: \[1,\d+\] vs\. \[\d+,10\]",
        "",
        "integer labels where one-hot was expected: softmax_cross_entropy_with_logits wants "
        "labels of shape (N, 10); make them with tf.one_hot(y, 10)",
    ),
    (
        r"Matrix size-incompatible: "
        r"In\[0\]: \[\d+,(?P<d>\d+)\], In\[1\]: \[(?P<e>\d+),(?P<m>\d+)\]",
        "",
        "the shapes of a matrix product do not fit: (N, {d}) @ ({e}, {m}) needs {d} = {e}; is "
        "a weight matrix transposed (it is (inputs, outputs)), or a flatten the wrong size?",
    ),
    (
        r"NoneType|\(None\) with an unsupported type",
        r"grad|assign|\blr\b",
        "a gradient is None: the tape watches only tf.Variables, and only the operations "
        "run inside `with tf.GradientTape() as tape:`; compute the loss inside that block, "
        "from the model's variables (a tf.constant or a NumPy array is not watched)",
    ),
    (
        r"\(None\) with an unsupported type",
        r"seed",
        "dropout without a seed: at evaluation (dropout_rate=0.0, seed=None) drop nothing; "
        "while training, pass an int seed of shape (2,)",
    ),
    (
        r"no attribute '_id'",
        "",
        "tape.gradient was given NumPy arrays: ask for the gradients of the tf.Variables "
        "themselves (model.trainable_variables); the tape only watches variables",
    ),
    (
        r"Value for attr 'T' of bool",
        "",
        "a mean of booleans: cast them first, tf.cast(correct, tf.float32)",
    ),
    (
        r"Value for attr 'padding' of \"(same|valid)\"",
        "",
        'padding is written in capitals: "SAME" or "VALID"',
    ),
    (
        r"input depth must be evenly divisible by filter depth",
        "",
        "the kernel's axes are in the wrong order: TensorFlow wants (k, k, depth_in, depth_out)",
    ),
    (
        r"Input to reshape is a tensor with",
        "",
        "the flatten size is wrong: count what the layers leave, e.g. 28 -> 14 -> 7 after "
        "two 2x2 pools, so 7 * 7 * depth values per image",
    ),
    (
        r"Arguments `target` and `output` must have the same (rank|shape)",
        "",
        "integer labels where one-hot was expected: CategoricalCrossentropy wants one-hot "
        "labels; for integer labels use SparseCategoricalCrossentropy",
    ),
]
"""``(error message pattern, pattern of the learner's line or "", likely cause)``: the
errors everyone meets. The cause may name the message pattern's groups, ``{d}``."""


def known_cause(message: str, line: str) -> str:
    """The likely cause of an error ``message`` raised at the learner's ``line``, or ``""``."""
    for pattern, code, cause in KNOWN_ERRORS:
        found = re.search(pattern, message)
        if found and (not code or re.search(code, line)):
            return cause.format(**found.groupdict())
    return ""


_TODO_ERROR = re.compile(r"ellipsis|Ellipsis")


@dataclasses.dataclass(frozen=True)
class FileCode:
    """The learner's code is a file: its frames are the ones running that file."""

    path: Path

    def frames(self, tb: TracebackType | None) -> list[traceback.FrameSummary]:
        mine = self.path.resolve()
        return [f for f in traceback.extract_tb(tb) if Path(f.filename).resolve() == mine]

    def where(self, frames: list[traceback.FrameSummary]) -> str:
        """``"04_training_step.py line 12, in loss_fn (called from line 20)"``."""
        if not frames:
            return "in the check, called with what your code returned"
        last = frames[-1]
        where = f"{self.path.name} line {last.lineno}, in {last.name}"
        if len(frames) > 1:
            where += f" (called from line {frames[-2].lineno})"
        return where


@dataclasses.dataclass(frozen=True, eq=False)
class CellCode:
    """The learner's code is a notebook's: its frames run with the notebook's globals.

    A cell's file name is the kernel's (``/tmp/ipykernel_1234/5678.py``), so frames are
    told apart by their globals instead, and named by function and line of the cell.
    """

    namespace: dict[str, Any]

    def frames(self, tb: TracebackType | None) -> list[traceback.FrameSummary]:
        found = []
        for frame, lineno in traceback.walk_tb(tb):
            if frame.f_globals is self.namespace:
                code = frame.f_code
                found.append(traceback.FrameSummary(code.co_filename, lineno, code.co_qualname))
        return found

    def where(self, frames: list[traceback.FrameSummary]) -> str:
        """``"Logistic.__call__, line 4 of its cell (called from loss_fn, line 3 of its cell)"``."""
        if not frames:
            return "in the check, called with what your code returned"
        where = f"{frames[-1].name}, line {frames[-1].lineno} of its cell"
        if len(frames) > 1:
            where += f" (called from {frames[-2].name}, line {frames[-2].lineno} of its cell)"
        return where


def explain_exception(exc: BaseException, code: FileCode | CellCode, case: str) -> tuple[str, str]:
    """``(status, message)`` for an exception raised while checking the learner's code."""
    frames = code.frames(exc.__traceback__)
    where = code.where(frames)
    text = _first_line(str(exc))
    if isinstance(exc, NotImplementedError) or _TODO_ERROR.search(text):
        still = "raises NotImplementedError" if isinstance(exc, NotImplementedError) else "has ..."
        return "todo", f"not done yet: {where}: write the TODO there (it still {still})"
    if isinstance(exc, SystemExit):
        return "failing", f"your code called exit() ({where}): remove that call"
    if isinstance(exc, KeyboardInterrupt):
        return "failing", f"your code raised KeyboardInterrupt ({where}): remove that raise"
    lines = [f"case:     {case}", f"error:    {type(exc).__name__} at {where}"]
    if frames and frames[-1].line:
        lines.append(f"          {frames[-1].line}")
    lines.append(f"          {text}")
    cause = known_cause(str(exc), (frames[-1].line or "") if frames else "")
    if cause:
        lines.append(f"cause:    {cause}")
    return "failing", "\n".join(lines)


def _first_line(message: str, limit: int = 300) -> str:
    """The useful part of an error message: no TensorFlow node prefix, one line, bounded."""
    message = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", message).strip()
    line = message.splitlines()[0] if message else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
