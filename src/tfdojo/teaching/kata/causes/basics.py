"""The causes of the katas of checks/basics.py: one module-level :class:`Cause` each."""

from __future__ import annotations

from tfdojo.teaching.kata.causes.cause import Cause

# -- any kata (the checks' shared helpers) ---------------------------------------------------

MISSING_NAME = Cause(
    "any/missing-name",
    "names",
    "keep the names the exercise gives: the check calls them by name",
)
NO_RETURN = Cause(
    "any/no-return", "return", "the function returned nothing: did you forget `return`?"
)
NOT_FINITE = Cause(
    "any/not-finite",
    "numerics",
    "inf or nan where numbers were expected: an exp() that overflowed, or log(0)?",
)

# -- 4 training step --------------------------------------------------------------------------

ASSIGN = Cause(
    "training_step/assign-not-assign_sub",
    "tape",
    "assign() replaced W by lr * gradient: use W.assign_sub(lr * g), which does W <- W - lr * g",
    "assign_sub subtracts from the variable in place: v.assign_sub(lr * g) is v <- v - lr * g. "
    "v.assign(x) throws the old value away and puts x there; v.assign(v - lr * g) works too.",
)
