"""Real images every row of a lesson is also scored on (``tfdojo lesson N --real PATH``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from tfdojo.core.stats import wilson_interval
from tfdojo.data.importer import load_labelled

REAL_NOTE = (
    "real: accuracy on {source} ({n:,} labelled images that no font on this machine drew), "
    "beside the test split's (fonts of families the training never saw)"
)


@dataclasses.dataclass
class RealSet:
    """Labelled images from elsewhere (a download of the real notMNIST, say) that every row
    is also scored on: ``images`` uint8 (N, 28, 28), ``labels`` (N,) 0..9, ``source``."""

    images: np.ndarray
    labels: np.ndarray
    source: str

    def note(self) -> str:
        """The table's footnote naming these images."""
        return REAL_NOTE.format(source=self.source, n=len(self.labels))


def load_real(path: str | Path, labels: str | Path | None = None) -> RealSet:
    """Any labelled set ``tfdojo evaluate --data PATH [--labels FILE]`` reads, as a RealSet.

    Raises:
        TfdojoError: not readable as labelled images (the message names the path).
    """
    images, y, source = load_labelled(path, labels)
    return RealSet(images, y, source)


def real_score(real: RealSet | None, model) -> tuple[float | None, tuple[float, float] | None]:
    """``model``'s accuracy on ``real`` and its Wilson interval; (None, None) without."""
    if real is None:
        return None, None
    correct = int((model.predict(real.images) == real.labels).sum())
    return correct / len(real.labels), wilson_interval(correct, len(real.labels))
