"""What ``tfdojo kata`` prints: a check's verdict, the progress list, the summary line."""

from __future__ import annotations

from pathlib import Path

from tfdojo.core.text import plural
from tfdojo.teaching.kata.checking import CheckResult
from tfdojo.teaching.kata.figures import format_figures
from tfdojo.teaching.kata.registry import find
from tfdojo.teaching.kata.workspace import TRACK, KataStatus

MARKS = {"pass": "✓", "failing": "✗", "todo": "·"}


def format_result(result: CheckResult, directory: Path) -> str:
    """One kata's verdict: a mark, the file, and the message (indented when it has lines);
    after a training kata's pass, its ``figures:`` (and the comparison with the reference)."""
    kata = find(result.name, TRACK)
    head = f"{MARKS[result.status]} {kata.stem} ({Path(directory) / kata.filename})"
    if result.status == "failing":
        body = "\n".join(f"    {line}" for line in result.text().splitlines())
        return f"{head}: not yet\n{body}\n    hint:     tfdojo kata hint {kata.name}"
    text = result.message
    figures = format_figures(result.figures) if result.status == "pass" else ""
    text += f"\n{figures}" if figures else ""
    body = "\n".join(f"    {line}" for line in text.splitlines())
    return f"{head}\n{body}"


def format_statuses(statuses: list[KataStatus]) -> str:
    """The progression, one kata a line, then how many pass and which comes next."""
    width = max(len(s.kata.stem) for s in statuses)
    lines = []
    for s in statuses:
        note = " (edited since the last check)" if s.stale and s.status != "todo" else ""
        lines.append(
            f"{MARKS[s.status]} {s.status:<7} {s.kata.stem:<{width}}  {s.kata.title}{note}"
        )
    following = next((s for s in statuses if s.status != "pass"), None)
    passed = sum(s.status == "pass" for s in statuses)
    lines.append(summary(passed, len(statuses), following.path if following else None))
    return "\n".join(lines)


def summary(passed: int, total: int, following: Path | None = None) -> str:
    """``"3 of 14 katas pass; next: dojo/04_training_step.py"``."""
    line = f"{passed} of {plural(total, 'kata')} pass"
    return line + (f"; next: {following}" if following else "")
