"""A deliberate mistake in a kata's reference solution, or a right solution written differently."""

from __future__ import annotations

import dataclasses

from tfdojo.core.errors import TfdojoError


@dataclasses.dataclass(frozen=True)
class Mutant:
    """A deliberate mistake in ``kata``'s reference solution.

    Attributes:
        kata: the kata's name.
        id: unique within the kata (``"assign"``).
        description: the mistake in words, as a learner would make it.
        old: text of the reference solution, found exactly once.
        new: what replaces it.
        cause: the id of the cause the check should name (``""``: none can be named).
    """

    kata: str
    id: str
    description: str
    old: str
    new: str
    cause: str = ""

    def apply(self, source: str) -> str:
        """``source`` with :attr:`old` replaced by :attr:`new`.

        Raises:
            TfdojoError: ``old`` is not found exactly once (the reference changed).
        """
        count = source.count(self.old)
        if count != 1:
            raise TfdojoError(
                f"mutant {self.kata}/{self.id}: expected its text once in the reference, "
                f"found it {count} times: {self.old!r}"
            )
        return source.replace(self.old, self.new)


@dataclasses.dataclass(frozen=True)
class Variant(Mutant):
    """A right solution written differently: the check must pass it (``cause`` unused)."""
