"""The dataset format every tfdojo command reads: ``DIR/notmnist.npz`` + ``DIR/manifest.json``.

``notmnist.npz`` holds, for each split ``s`` in ``train``, ``valid``, ``test``:

- ``s_images``: uint8 (N, 28, 28), white glyph on black, 0..255;
- ``s_labels``: uint8 (N,), 0..9 for the letters A..J;
- ``s_font_ids``: int32 (N,), index into ``manifest["fonts"]`` (-1: no font known).

``manifest.json`` records how the data was made and the sha256 of every array, so a
half-replaced pair (an interrupted write) is detected on load. Arrays are loaded
with ``allow_pickle=False``: an npz holding objects is refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import LETTERS
from tfdojo.atomic import atomic_open, ensure_dir, json_default, write_json
from tfdojo.errors import TfdojoError

SPLITS = ("train", "valid", "test")
NPZ_NAME = "notmnist.npz"
MANIFEST_NAME = "manifest.json"
IMAGE_SHAPE = (28, 28)


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
    if len(labels) and (labels.min() < 0 or labels.max() >= len(LETTERS)):
        raise TfdojoError(
            f"labels: expected values 0..9 (A..J), received {labels.min()}..{labels.max()}"
        )
    if font_ids is None:
        font_ids = np.full(len(images), -1, np.int32)
    return Split(images, labels.astype(np.uint8), np.asarray(font_ids, np.int32))


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
    manifest["counts"] = {
        name: {
            "total": len(splits[name]),
            "per_class": dict(zip(LETTERS, splits[name].class_counts())),
        }
        for name in SPLITS
    }
    manifest["sha256"] = {key: array_sha256(a) for key, a in arrays.items()}
    npz = directory / NPZ_NAME
    with atomic_open(npz, "wb") as f:
        np.savez_compressed(f, **arrays)
    write_json(directory / MANIFEST_NAME, manifest)
    return json.loads(json.dumps(manifest, default=json_default))  # exactly what was written


def resolve(path: str | os.PathLike | None) -> Path:
    """The dataset folder for ``path`` (a folder or its npz); default: the cache's."""
    from tfdojo.paths import default_data_dir

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
        TfdojoError: missing files, pickled objects, wrong keys/shapes/dtypes, or
            arrays that do not match the manifest.
    """
    d = resolve(path)
    npz, man = d / NPZ_NAME, d / MANIFEST_NAME
    if not npz.is_file():
        hint = (
            "run `tfdojo data build`"
            if path is None
            else "expected a folder made by `tfdojo data build` or `tfdojo data import`"
        )
        raise TfdojoError(f"{d}: no {NPZ_NAME} here; {hint}")
    try:
        manifest = json.loads(man.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TfdojoError(
            f"{man}: missing; the dataset is incomplete, build or import it again"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TfdojoError(f"{man}: not valid JSON ({exc})") from None
    try:
        with np.load(npz, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except ValueError as exc:
        raise TfdojoError(
            f"{npz}: holds pickled objects or is malformed ({exc}); refused"
        ) from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise TfdojoError(f"{npz}: not a readable npz file ({exc})") from None
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
        expected = manifest.get("sha256", {})
        for key, a in arrays.items():
            if key in expected and expected[key] != array_sha256(a):
                raise TfdojoError(
                    f"{npz}: {key} does not match {MANIFEST_NAME} (interrupted write?); "
                    "rebuild the dataset"
                )
    return Dataset(splits["train"], splits["valid"], splits["test"], manifest, d)
