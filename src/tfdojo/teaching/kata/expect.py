"""Comparing what the learner's code returned with the right answer, naming the usual mistake.

``expect_close(what, got, want, wrong=[(CAUSE, value), ...])`` fails with the first known
wrong answer ``got`` equals, so the learner reads the likely cause, not only two arrays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.causes.basics import NO_RETURN, NOT_FINITE
from tfdojo.teaching.kata.checking import Failure, NotDone


def to_array(what: str, value: Any) -> np.ndarray:
    """``value`` (a tensor, variable, array or number) as a NumPy array, or a Failure."""
    if value is None:
        raise Failure(what, "None", NO_RETURN)
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


def likely(
    got: np.ndarray, wrong: list[tuple[Cause | str, Any]], rtol: float = 1e-4
) -> Cause | str | None:
    """The cause of the first known wrong answer that ``got`` equals, or ``None``."""
    for cause, value in wrong:
        w = np.asarray(value)
        if w.shape == got.shape and np.allclose(got, w, rtol=rtol, atol=1e-5, equal_nan=True):
            return cause
    return None


def expect_close(
    what: str,
    got: Any,
    want: Any,
    wrong: list[tuple[Cause | str, Any]] = (),
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
        raise Failure(f"{what} of shape {w.shape}", f"shape {g.shape}", shape_causes.get(g.shape))
    if not np.allclose(g.astype(np.float64), w, rtol=rtol, atol=atol):
        cause = likely(g.astype(np.float64), list(wrong), rtol)
        if not cause and not np.all(np.isfinite(g)) and np.all(np.isfinite(w)):
            cause = NOT_FINITE
        raise Failure(f"{what} = {brief(w)}", brief(g), cause)
    return g


# basics, loops and by hand


def first_line(exc: BaseException, limit: int = 160) -> str:
    """``"InvalidArgumentError: Incompatible shapes: ..."``: the exception's first line, bounded."""
    message = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", str(exc)).strip()  # TF's node
    text = (message.splitlines() or [""])[0]
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}"


def expect_runs(
    call: Callable[..., Any],
    what: str,
    fn: Callable[..., Any],
    *args: Any,
    known: Sequence[tuple[str, Cause]] = (),
    **kwargs: Any,
) -> Any:
    """``call(fn, *args, **kwargs)`` (a :meth:`Checker.call`); an exception whose message
    matches a pattern of ``known`` becomes a Failure naming its cause, so that the error
    TensorFlow or NumPy words its own way ("Incompatible shapes: [2,3] vs. [2]") reads as
    the mistake it comes from ("keepdims=True"). Any other exception propagates.

    Args:
        what: what was expected of the call, for the Failure.
        known: ``(regular expression, cause)`` pairs, tried in order.
    """
    try:
        return call(fn, *args, **kwargs)
    except Exception as exc:  # the learner's code may raise anything
        for pattern, cause in known:
            if re.search(pattern, str(exc)):
                raise Failure(what, first_line(exc), cause) from exc
        raise
