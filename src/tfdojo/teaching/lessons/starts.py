"""Where your model and tfdojo's start: their initial weights, and a run of yours from tfdojo's.

A lesson trains the learner's class as it trained its preset (:mod:`.yours`): the same
images, epochs, learning rate, batches and seed. What it cannot make the same is how each
draws its initial weights: kata 2's ``Logistic`` draws ``W`` from a truncated normal of
stddev 0.1 (std 0.088), tfdojo's logistic from Glorot uniform (std 0.050). After a short
run the starting point still shows on the test images, so a correct class can come out
significantly behind. :func:`compare_starts` measures both starts; :func:`from_tfdojo_start`
is the learner's class started from tfdojo's initial weights: like for like.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from tfdojo import models
from tfdojo.models.init import init_name
from tfdojo.models.learner import variables_by_name

SAME_SPREAD = 0.1
"""Two initial weights' standard deviations within 10% of each other count as the same start."""


@dataclasses.dataclass
class Pair:
    """One weight of tfdojo's model and the weight of yours with its shape."""

    tfdojo: str  # "logits.w"
    yours: str  # "W"
    shape: tuple[int, ...]
    tfdojo_std: float
    your_std: float
    how: str  # how tfdojo draws it (models.init.init_name)

    @property
    def differs(self) -> bool:
        return abs(self.your_std - self.tfdojo_std) > SAME_SPREAD * self.tfdojo_std


@dataclasses.dataclass
class Starts:
    """The two models' initial weights: ``pairs`` by shape (None: no one-to-one match),
    ``initial`` tfdojo's initial value of each of your variables, by your names."""

    pairs: list[Pair] | None
    initial: dict[str, np.ndarray]

    @property
    def differ(self) -> bool:
        return bool(self.pairs) and any(p.differs for p in self.pairs)

    def sentence(self) -> str:
        """What differs between the two starts, measured; "" when nothing does."""
        if not self.differ:
            return ""
        weights = "; ".join(
            f"your {p.yours} {p.shape} std {p.your_std:.3f}, tfdojo's {p.tfdojo} "
            f"std {p.tfdojo_std:.3f} ({p.how})"
            for p in self.pairs or []
            if p.differs
        )
        return (
            "What differs between the two runs: the initial weights (the images, epochs, "
            f"learning rate, batches and seed are the same): {weights}. Training does not "
            "erase where it started, least of all a short run, so this alone can move test "
            "images."
        )


def _by_shape(variables: dict[str, np.ndarray]) -> dict[tuple[int, ...], list[str]]:
    out: dict[tuple[int, ...], list[str]] = {}
    for name, value in variables.items():
        out.setdefault(tuple(value.shape), []).append(name)
    return out


def compare_starts(preset_cfg, preset_seed: int, model_class: type, seed: int) -> Starts:
    """tfdojo's model of ``preset_cfg`` built from ``preset_seed`` and ``model_class`` built
    from ``seed``, as their runs built them.

    Their variables are paired by shape, in order; with no one-to-one pairing (other
    layers, or a model whose variables are made on its first call) ``pairs`` is None.
    """
    preset = models.build(preset_cfg, preset_seed)
    theirs = preset.get_weights()
    mine = {k: v.numpy() for k, v in variables_by_name(model_class(seed=seed)).items()}
    a, b = _by_shape(theirs), _by_shape(mine)
    if not mine or {s: len(n) for s, n in a.items()} != {s: len(n) for s, n in b.items()}:
        return Starts(None, {})
    specs = {f"{s.name}.w": s for s in preset.specs if s.weights}
    pairs, initial = [], {}
    for shape, names in a.items():
        for t, y in zip(names, b[shape], strict=True):
            initial[y] = theirs[t]
            if len(shape) >= 2:
                how = init_name(specs[t]) if t in specs else "tfdojo's initialisation"
                pairs.append(Pair(t, y, shape, float(theirs[t].std()), float(mine[y].std()), how))
    return Starts(pairs, initial)


def from_tfdojo_start(model_class: type, initial: dict[str, np.ndarray]) -> type:
    """``model_class`` whose variables, once built, hold ``initial`` (your names -> tfdojo's
    initial values): your code, tfdojo's start."""

    class Started(model_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            found = variables_by_name(self)
            for name, value in initial.items():
                found[name].assign(value)

    Started.__name__ = Started.__qualname__ = model_class.__name__
    return Started
