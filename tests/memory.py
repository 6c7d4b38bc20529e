"""Peak memory of a call, for the tests that bound what hostile input may cost.

The peak resident set size (what ``top`` shows, and what the reports of a run-away
import measured) is read from Linux's ``/proc/self/status`` after resetting it
(``/proc/self/clear_refs``), so it counts every allocation: Python's, NumPy's and
Pillow's, whose pixel buffers tracemalloc does not see.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def _status(field: str, pid: int | str = "self") -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024


def peak_rss_growth(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Call ``fn()``; return ``(its result or the exception it raised, peak RSS growth in bytes)``.

    Skips the test where the peak cannot be reset (not Linux).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:
        pytest.skip("needs Linux /proc/self/clear_refs to measure peak memory")
    base = _status("VmRSS")
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - handed back for the test to assert on
        result = exc
    return result, _status("VmHWM") - base


def peak_rss_growth_of(pid: int, fn: Callable[[], Any]) -> tuple[Any, int]:
    """As :func:`peak_rss_growth`, for the peak of another process ``pid`` (a server under
    test) while ``fn()`` runs here; exceptions are raised, not returned."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pytest.skip("needs Linux /proc/PID/clear_refs to measure peak memory")
    base = _status("VmRSS", pid)
    result = fn()
    return result, _status("VmHWM", pid) - base
