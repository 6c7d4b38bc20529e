"""The dataset a room hands out: the facilitator's dataset folder, checked once, by file.

``tfdojo dojo serve --data DIR`` loads DIR (``notmnist.npz`` + ``manifest.json``) with
:func:`tfdojo.data.dataset.load`, which checks every array against the manifest's sha256,
then records each file's size and sha256. The room serves that record at ``GET /data/``
and the two files at ``GET /data/NAME`` (with HTTP ``Range``, so ``tfdojo data fetch``
resumes): every laptop then trains on the same bytes, whatever fonts it has.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from tfdojo.data.dataset import MANIFEST_NAME, NPZ_NAME, load, resolve
from tfdojo.data.files import file_sha256

FILES = (MANIFEST_NAME, NPZ_NAME)


@dataclasses.dataclass(frozen=True)
class Shelf:
    """A checked dataset folder and the size and sha256 of each of its files."""

    folder: Path
    files: dict[str, dict[str, Any]]
    counts: dict[str, Any]

    def index(self) -> dict[str, Any]:
        """What ``GET /data/`` answers: ``{"files": {name: {"size", "sha256"}}, "counts"}``."""
        return {"files": self.files, "counts": self.counts}


def shelve(folder: str | os.PathLike) -> Shelf:
    """Check the dataset ``folder`` (every array against its manifest) and describe its files.

    Raises:
        TfdojoError: not a dataset folder, or arrays that do not match the manifest.
    """
    d = resolve(folder)
    dataset = load(d, verify=True)
    files = {
        name: {"size": (d / name).stat().st_size, "sha256": file_sha256(d / name)} for name in FILES
    }
    return Shelf(d, files, dataset.manifest["counts"])
