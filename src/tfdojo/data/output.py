"""Where a dataset is written: a new or empty folder, or, with ``--overwrite``, a dataset
folder tfdojo wrote before (never anything else; :mod:`tfdojo.core.safe_write`).

A dataset is written in place: ``notmnist.npz`` and ``manifest.json``, each atomically;
other files in its folder stay as they are.
"""

from __future__ import annotations

from pathlib import Path

from tfdojo.core.safe_write import Output, read_json_object
from tfdojo.data.dataset import MANIFEST_NAME

MAX_MANIFEST_BYTES = 64 << 20


def is_dataset_folder(path: Path) -> bool:
    """A folder holding a ``manifest.json`` tfdojo wrote (its ``tfdojo_version`` and the
    ``sha256`` of each array)."""
    manifest = read_json_object(path / MANIFEST_NAME, MAX_MANIFEST_BYTES)
    return "tfdojo_version" in manifest and isinstance(manifest.get("sha256"), dict)


DATASET = Output("dataset", "a dataset folder", recognise=is_dataset_folder)
