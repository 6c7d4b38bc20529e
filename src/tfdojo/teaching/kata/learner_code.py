"""Where the learner's code is, and what its exceptions mean.

A kata's code is a file (:class:`FileCode`) or a notebook's cells (:class:`CellCode`); an
exception it raises is shown at the learner's own line, with the likely cause when the error
is one everyone meets (:mod:`tfdojo.teaching.kata.causes.errors`).
"""

from __future__ import annotations

import dataclasses
import re
import traceback
from pathlib import Path
from types import CodeType, TracebackType
from typing import Any

from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.causes.errors import known_cause

_TODO_ERROR = re.compile(r"ellipsis|Ellipsis")


@dataclasses.dataclass(frozen=True)
class FileCode:
    """The learner's code is a file: its frames are the ones running that file."""

    path: Path

    def owns(self, code: CodeType, globals_: dict) -> bool:
        """Whether ``code`` (run with ``globals_``) is the learner's: it comes from their file."""
        return Path(code.co_filename).resolve() == self.path.resolve()

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

    def owns(self, code: CodeType, globals_: dict) -> bool:
        """Whether ``code`` is the learner's: it runs with the notebook's globals."""
        return globals_ is self.namespace

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


@dataclasses.dataclass(frozen=True)
class Explained:
    """What an exception of the learner's code means: a status, the message, its cause."""

    status: str
    message: str
    where: str = ""
    error: str = ""
    cause: Cause | None = None
    cause_text: str = ""


def explain_exception(exc: BaseException, code: FileCode | CellCode, case: str) -> Explained:
    """The verdict for an exception raised while checking the learner's code."""
    frames = code.frames(exc.__traceback__)
    where = code.where(frames)
    text = _first_line(str(exc))
    if isinstance(exc, NotImplementedError) or _TODO_ERROR.search(text):
        still = "raises NotImplementedError" if isinstance(exc, NotImplementedError) else "has ..."
        return Explained("todo", f"not done yet: {where}: write the TODO there (it still {still})")
    if isinstance(exc, SystemExit):
        return Explained("failing", f"your code called exit() ({where}): remove that call", where)
    if isinstance(exc, KeyboardInterrupt):
        message = f"your code raised KeyboardInterrupt ({where}): remove that raise"
        return Explained("failing", message, where)
    lines = [f"case:     {case}", f"error:    {type(exc).__name__} at {where}"]
    if frames and frames[-1].line:
        lines.append(f"          {frames[-1].line}")
    lines.append(f"          {text}")
    found = known_cause(str(exc), (frames[-1].line or "") if frames else "")
    cause, cause_text = found if found else (None, "")
    if cause_text:
        lines.append(f"cause:    {cause_text}")
    error = f"{type(exc).__name__}: {text}"
    return Explained("failing", "\n".join(lines), where, error, cause, cause_text)


def _first_line(message: str, limit: int = 300) -> str:
    """The useful part of an error message: no TensorFlow node prefix, one line, bounded."""
    message = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", message).strip()
    line = message.splitlines()[0] if message else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
