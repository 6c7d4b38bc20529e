"""The dataset format every tfdojo command reads: ``DIR/notmnist.npz`` + ``DIR/manifest.json``.

``notmnist.npz`` holds, for each split ``s`` in ``train``, ``valid``, ``test``:

- ``s_images``: uint8 (N, 28, 28), white glyph on black, 0..255;
- ``s_labels``: uint8 (N,), 0..9 for the letters A..J;
- ``s_font_ids``: int32 (N,), index into ``manifest["fonts"]`` (-1: no font known).

``manifest.json`` records how the data was made and the sha256 of every array, so a
half-replaced pair (an interrupted write) is detected on load, and a manifest without
them is refused.

:func:`load` opens a folder from anywhere as data, never as code: both files are read
through :mod:`tfdojo.core.safe_read` (regular files only: a FIFO or a device is refused
at once), which reads the npz's zip entries itself, refusing arrays of Python objects
(pickles, what ``np.load``'s ``allow_pickle=False`` refuses) and other non-numeric dtypes,
sizes over :data:`MAX_NPZ_BYTES`, and any ``.npy`` header whose shape does not match its
data, before allocating anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import LETTERS
from tfdojo.core.atomic import atomic_open, ensure_dir, json_default, write_json
from tfdojo.core.errors import TfdojoError
from tfdojo.core.paths import default_data_dir
from tfdojo.core.safe_read import MissingFile, json_type, load_npz, read_json

SPLITS = ("train", "valid", "test")
NPZ_NAME = "notmnist.npz"
MANIFEST_NAME = "manifest.json"
IMAGE_SHAPE = (28, 28)

MAX_NPZ_BYTES = 2 << 30
"""Most bytes a dataset's arrays may take once unzipped: 2 GiB, from the zip's directory.

The real notMNIST_large, imported, is 420 MB of arrays; a font build is 150 MB.
"""

MAX_MANIFEST_BYTES = 16 << 20
"""Largest manifest.json read: 16 MiB (notMNIST_large's, with 50,000 font names, is 2 MB).

Parsed JSON can take 20 times its text in memory (``[{},{},...]``), so the cap is kept low.
"""

MANIFEST_FIELDS: dict[str, Any] = {
    "fonts": list,
    "font_files": int,
    "faces_used": int,
    "faces_skipped": int,
    "skipped_reasons": "counts",
    "curation": {
        "exact_duplicates": int,
        "clusters": int,
        "near_duplicate_rms": float,
        "near_duplicates_removed": "counts",
        "families_per_split": "counts",
    },
    "augmentation": {"variants": int, "variants_made": int, "train_glyphs": int},
}
"""The manifest fields summaries and lessons read, beyond ``counts`` and ``sha256``, and
their types (``"counts"``: names to whole numbers); checked on load so readers can trust them."""


@dataclasses.dataclass
class Split:
    """One split: ``images`` uint8 (N, 28, 28), ``labels`` uint8 (N,), ``font_ids`` int32 (N,)."""

    images: np.ndarray
    labels: np.ndarray
    font_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> list[int]:
        """Images per class, A..J."""
        return np.bincount(self.labels, minlength=len(LETTERS)).tolist()


@dataclasses.dataclass
class Dataset:
    """The three splits and the manifest of a dataset folder."""

    train: Split
    valid: Split
    test: Split
    manifest: dict[str, Any]
    path: Path | None = None

    def split(self, name: str) -> Split:
        if name not in SPLITS:
            raise TfdojoError(f"split: expected one of {', '.join(SPLITS)}, received {name!r}")
        return getattr(self, name)


def array_sha256(a: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes (C order)."""
    h = hashlib.sha256()
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def make_split(images: Any, labels: Any, font_ids: Any | None = None) -> Split:
    """Build a :class:`Split`, checking shapes, dtypes and label range."""
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise TfdojoError(f"images: expected shape (N, 28, 28), received {images.shape}")
    if images.dtype != np.uint8:
        raise TfdojoError(f"images: expected dtype uint8, received {images.dtype}")
    if labels.shape != (len(images),):
        raise TfdojoError(f"labels: expected shape ({len(images)},), received {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise TfdojoError(f"labels: expected integers 0..9 (A..J), received dtype {labels.dtype}")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(LETTERS)):
        raise TfdojoError(
            f"labels: expected values 0..9 (A..J), received {labels.min()}..{labels.max()}"
        )
    if font_ids is None:
        font_ids = np.full(len(images), -1, np.int32)
    font_ids = np.asarray(font_ids)
    if font_ids.shape != (len(images),) or font_ids.dtype.kind not in "iu":
        raise TfdojoError(
            f"font_ids: expected integers of shape ({len(images)},), "
            f"received {font_ids.dtype} {font_ids.shape}"
        )
    if len(font_ids) and (font_ids.min() < -1 or font_ids.max() > np.iinfo(np.int32).max):
        raise TfdojoError(
            f"font_ids: expected values -1 (no font) or more, that fit int32, "
            f"received {font_ids.min()}..{font_ids.max()}"
        )
    return Split(images, labels.astype(np.uint8), font_ids.astype(np.int32))


def save(
    directory: str | os.PathLike, splits: dict[str, Split], manifest: dict[str, Any]
) -> dict[str, Any]:
    """Write ``notmnist.npz`` and ``manifest.json`` into ``directory`` atomically.

    The manifest gains ``counts`` (per split and class) and ``sha256`` (per array).
    Returns the manifest as written (a copy; the argument is not changed).
    """
    directory = ensure_dir(directory)
    arrays: dict[str, np.ndarray] = {}
    for name in SPLITS:
        s = splits[name]
        arrays[f"{name}_images"] = s.images
        arrays[f"{name}_labels"] = s.labels
        arrays[f"{name}_font_ids"] = s.font_ids
    manifest = dict(manifest)
    manifest["counts"] = split_counts(splits)
    manifest["sha256"] = {key: array_sha256(a) for key, a in arrays.items()}
    # The npz goes to a temporary file, on disk, before the manifest is replaced, and is
    # renamed into place only after: if either write fails, neither file has changed.
    # Stored, not deflated: the default build's 127 MB write in 0.3 s and load in 0.1 s,
    # where compressing them (to 64 MB) took 7 s of the build and 1 s of every training start.
    with atomic_open(directory / NPZ_NAME, "wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
        write_json(directory / MANIFEST_NAME, manifest)
    return json.loads(json.dumps(manifest, default=json_default))  # exactly what was written


def resolve(path: str | os.PathLike | None) -> Path:
    """The dataset folder for ``path`` (a folder or its npz); default: the cache's."""

    p = Path(path) if path is not None else default_data_dir()
    if p.suffix == ".npz":
        p = p.parent
    return p


def exists(path: str | os.PathLike | None = None) -> bool:
    d = resolve(path)
    return (d / NPZ_NAME).is_file() and (d / MANIFEST_NAME).is_file()


def load(path: str | os.PathLike | None = None, verify: bool = True) -> Dataset:
    """Load a dataset folder (default: the cache's); refuse anything malformed.

    Args:
        path: a dataset folder or its ``notmnist.npz``; ``None`` for the default.
        verify: check every array against the manifest's sha256.

    Raises:
        TfdojoError: missing files, a file that is not an npz or not a JSON object,
            arrays of Python objects, sizes over :data:`MAX_NPZ_BYTES`, wrong
            keys/shapes/dtypes, a manifest without the sha256 of every array, or
            arrays that do not match it.
    """
    d = resolve(path)
    npz, man = d / NPZ_NAME, d / MANIFEST_NAME
    if not npz.exists():  # a FIFO or a device exists: read_npz refuses it in one line
        hint = (
            "run `tfdojo data build`"
            if path is None
            else "expected a folder made by `tfdojo data build` or `tfdojo data import`"
        )
        raise TfdojoError(f"{d}: no {NPZ_NAME} here; {hint}")
    manifest = read_manifest(man)
    arrays = read_npz(npz)
    splits = {}
    for name in SPLITS:
        missing = [k for k in (f"{name}_images", f"{name}_labels") if k not in arrays]
        if missing:
            raise TfdojoError(f"{npz}: missing arrays {', '.join(missing)}")
        try:
            splits[name] = make_split(
                arrays[f"{name}_images"], arrays[f"{name}_labels"], arrays.get(f"{name}_font_ids")
            )
        except TfdojoError as exc:
            raise TfdojoError(f"{npz}: {name} {exc}") from None
    if verify:
        _verify(arrays, manifest, npz, man)
    _check_fields(manifest, MANIFEST_FIELDS, man, "")
    _check_counts(manifest, splits, man)
    fonts = manifest.get("fonts")
    for name, s in splits.items():
        if fonts is not None and len(s) and s.font_ids.max() >= len(fonts):
            raise TfdojoError(
                f"{npz}: {name}_font_ids: expected indices into the {len(fonts)} fonts of "
                f"{MANIFEST_NAME} (or -1), received up to {s.font_ids.max()}"
            )
    return Dataset(splits["train"], splits["valid"], splits["test"], manifest, d)


def read_manifest(man: Path) -> dict[str, Any]:
    """A dataset's ``manifest.json`` as a dict; one line for anything else (missing, not a
    regular file, over :data:`MAX_MANIFEST_BYTES`, not JSON, nested too deeply, not an object)."""
    try:
        return read_json(man, MAX_MANIFEST_BYTES, "a JSON object (a tfdojo manifest)")
    except MissingFile:
        raise TfdojoError(
            f"{man}: missing; the dataset is incomplete, build or import it again"
        ) from None


def _verify(arrays: dict[str, np.ndarray], manifest: dict[str, Any], npz: Path, man: Path):
    """Every array must have its sha256 in the manifest, and match it."""
    expected = manifest.get("sha256")
    if not isinstance(expected, dict):
        received = "nothing" if expected is None else f"a {json_type(expected)}"
        raise TfdojoError(
            f"{man}: 'sha256': expected an object giving the sha256 of every array, received "
            f"{received}; refused unverified"
        )
    unlisted = sorted(set(arrays) - set(expected))
    if unlisted:
        raise TfdojoError(
            f"{man}: 'sha256' does not list {', '.join(unlisted)}; refused unverified"
        )
    absent = sorted(set(expected) - set(arrays))
    if absent:
        raise TfdojoError(f"{npz}: missing arrays {', '.join(absent)} listed in {MANIFEST_NAME}")
    for key, a in arrays.items():
        if expected[key] != array_sha256(a):
            raise TfdojoError(
                f"{npz}: {key} does not match {MANIFEST_NAME} (interrupted write?); "
                "rebuild the dataset"
            )


def _check_fields(obj: dict[str, Any], fields: dict[str, Any], man: Path, prefix: str) -> None:
    """Check ``obj``'s fields against ``fields`` (see :data:`MANIFEST_FIELDS`), where present."""
    for key, kind in fields.items():
        if key not in obj:
            continue
        value, where = obj[key], f"{prefix}{key}"
        if not _matches(value, kind):
            expected = "an object" if isinstance(kind, dict) else _FIELD_KINDS[kind]
            raise TfdojoError(
                f"{man}: '{where}': expected {expected}, received {json.dumps(value)[:60]}"
            )
        if isinstance(kind, dict):
            _check_fields(value, kind, man, f"{where}.")


def _matches(value: Any, kind: Any) -> bool:
    if isinstance(kind, dict):
        return isinstance(value, dict)
    if kind == "counts":
        return isinstance(value, dict) and all(_is_int(v) for v in value.values())
    if kind is int:
        return _is_int(value)
    if kind is float:
        return _is_int(value) or isinstance(value, float)
    return isinstance(value, kind)


def split_counts(splits: dict[str, Split]) -> dict[str, Any]:
    """The manifest's ``counts``: per split, its total and its images per letter."""
    return {
        name: {
            "total": len(splits[name]),
            "per_class": dict(zip(LETTERS, splits[name].class_counts())),
        }
        for name in SPLITS
    }


def _check_counts(manifest: dict[str, Any], splits: dict[str, Split], man: Path) -> None:
    counts = split_counts(splits)
    if manifest.get("counts") != counts:
        raise TfdojoError(
            f"{man}: 'counts' does not match the arrays; expected {json.dumps(counts)[:80]}..., "
            f"received {json.dumps(manifest.get('counts'))[:80]}"
        )


_FIELD_KINDS = {
    int: "a whole number",
    float: "a number",
    list: "a list",
    "counts": "an object of whole numbers",
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- reading the npz -----------------------------------------------------------------------------


def read_npz(npz: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of a dataset's ``.npz``, read as data only (by
    :func:`tfdojo.core.safe_read.load_npz`): every ``.npy`` header is checked before any
    array is read, Python objects and other non-numeric dtypes are refused, and the sizes in
    the zip's directory must sum to at most :data:`MAX_NPZ_BYTES`.

    Raises:
        TfdojoError: not an npz (zip) file, a damaged one, an entry that is not a plain
            numeric ``.npy`` array, or too large.
    """
    return load_npz(npz, MAX_NPZ_BYTES, damaged_hint="; build or import the dataset again")
