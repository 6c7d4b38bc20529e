"""What later katas build on: the reference solutions of earlier katas, importable.

Kata 5 trains a model with a training step; both were katas of their own (2 and 4), so
its file imports them from here instead of repeating them::

    from tfdojo.teaching.kata.given import Logistic, train_step

(d2l does the same with the functions it "saves in the d2l package".) Each name is the
one defined in the kata's reference solution, ``tfdojo kata solve NAME`` shows it, and
a learner may paste their own version in place of the import: the checks use whatever
the kata file defines.
"""

from __future__ import annotations

from typing import Any

from tfdojo.teaching.kata.sources import reference

GIVEN = {
    "Logistic": "02_logistic",
    "train_step": "04_training_step",
    "accuracy": "05_minibatch_loop",
    "MLP": "07_relu_network",
    "l2_penalty": "08_l2",
}
"""Each name and the kata whose reference solution defines it."""

__all__ = list(GIVEN)


def __getattr__(name: str) -> Any:
    """Import a kata's reference only when one of its names is asked for."""

    if name not in GIVEN:
        raise AttributeError(
            f"tfdojo.teaching.kata.given has no {name!r}; it gives {', '.join(GIVEN)}"
        )
    return getattr(reference(GIVEN[name]), name)
