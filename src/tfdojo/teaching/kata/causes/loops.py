"""The causes of the katas of checks/loops.py: one module-level :class:`Cause` each."""

from __future__ import annotations

from tfdojo.teaching.kata.causes.cause import Cause  # noqa: F401 - the causes below use it
