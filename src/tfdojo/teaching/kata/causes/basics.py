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

# -- kata 4: the training step ---------------------------------------------------------------

ASSIGN_NOT_ASSIGN_SUB = Cause(
    "training_step/assign-not-assign_sub",
    "tape",
    # W is checked first, so a step written with assign() is named on W
    "assign() replaced W by lr * gradient: use W.assign_sub(lr * g), which does W <- W - lr * g",
    "the line that updates each variable: v.assign(x) sets v to x, forgetting v; "
    "v.assign_sub(x) subtracts x from it, which is the gradient step W <- W - lr * dL/dW.",
)
