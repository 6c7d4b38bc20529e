"""Every cause a kata check may name, by its stable id (no TensorFlow here).

::

    from tfdojo.teaching.kata import causes
    cause = causes.get("training_step/assign-not-assign_sub")
    cause.text, cause.concept, causes.CONCEPTS[cause.concept]

Each group of katas has a module of causes (:mod:`~.basics` for katas 1-4, :mod:`~.loops`
for 5, 6 and 10, :mod:`~.networks` for 7, 8, 9 and 11, :mod:`~.conv` for 12-14,
:mod:`~.by_hand` for the NumPy track, :mod:`~.errors` for the errors any kata meets): a
check imports its group's module and raises ``Failure(expected, received, CAUSE)``.
"""

from __future__ import annotations

from tfdojo.teaching.kata.causes import basics, by_hand, conv, errors, loops, networks, strict
from tfdojo.teaching.kata.causes.cause import CONCEPTS, ID, Cause

GROUPS = (basics, loops, networks, conv, by_hand, strict)


def _collect() -> dict[str, Cause]:
    found: dict[str, Cause] = {}
    listed = [c for g in GROUPS for c in vars(g).values() if isinstance(c, Cause)]
    listed += [known.cause for known in errors.KNOWN_ERRORS]
    for cause in listed:
        if found.get(cause.id, cause) is not cause:
            raise ValueError(f"cause id {cause.id!r} is given to two causes")
        found[cause.id] = cause
    return found


CAUSES: dict[str, Cause] = _collect()
"""Every cause, by id."""


def get(cause_id: str) -> Cause | None:
    """The cause of ``cause_id``, or ``None`` (an id from a newer tfdojo, or a mistyped one)."""
    return CAUSES.get(cause_id)


__all__ = ["CAUSES", "CONCEPTS", "ID", "Cause", "get"]
