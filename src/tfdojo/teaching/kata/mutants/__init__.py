"""The catalogue of deliberate mistakes (mutants) every check must catch, and of equivalent
right solutions (variants) every check must pass: data, no TensorFlow.

A mutant is a kata's reference solution with one piece of text replaced, the way a learner
gets it wrong, and the cause the check should name::

    Mutant("training_step", "assign", "v.assign instead of v.assign_sub",
           "v.assign_sub(lr * g)", "v.assign(lr * g)", "training_step/assign-not-assign_sub")

``tfdojo kata selftest`` replays the references, the variants and the mutants through the
checks (:mod:`tfdojo.teaching.kata.selftest`). Each group of katas has its module, as the
causes do.
"""

from __future__ import annotations

from tfdojo.teaching.kata.mutants import basics, by_hand, conv, loops, networks
from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

GROUPS = (basics, loops, networks, conv, by_hand)
MUTANTS: list[Mutant] = [m for g in GROUPS for m in g.MUTANTS]
VARIANTS: list[Variant] = [v for g in GROUPS for v in g.VARIANTS]

__all__ = ["MUTANTS", "VARIANTS", "Mutant", "Variant"]
