"""Import the real notMNIST (or any MNIST-format IDX files) into tfdojo's dataset format.

Three sources are understood:

- the notMNIST archive, ``notMNIST_small.tar.gz`` / ``notMNIST_large.tar.gz``
  (``notMNIST_small/A/MDEtMDEtMDAudHRm.png`` ...), read straight from the tar
  stream, never extracted to disk;
- an extracted folder of ``A`` .. ``J`` subfolders of images (or a folder holding one
  such folder);
- IDX files: ``*-images-idx3-ubyte[.gz]`` with the ``*-labels-idx1-ubyte[.gz]`` beside
  it (MNIST, Fashion-MNIST, EMNIST, or ``tfdojo data export``), or a folder of them.

In real notMNIST, an image's file name is the base64 of the font file it was drawn
from (``MDEtMDEtMDAudHRm.png`` -> ``01-01-00.ttf``); that font name is the image's
font key, so that the split by font keeps every font in one split. Unreadable,
empty, blank or wrong-size images are skipped and counted per reason: the real
large set has a few.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from tqdm import tqdm

from tfdojo import LETTERS, __version__
from tfdojo.core import bounds
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import TooLarge, open_regular, read_bytes
from tfdojo.core.safe_write import prepare
from tfdojo.data import archive, dataset, idx
from tfdojo.data.curate import curate_indices
from tfdojo.data.fonts import FONT_SUFFIXES, family_key
from tfdojo.data.frame import ImageTooLarge, open_image
from tfdojo.data.output import DATASET

IMAGE_SIZE = (28, 28)
MAX_EXAMPLES = 5
"""Skipped files named in the report, per reason."""

SKIP_REASONS = {
    "empty": "empty file (0 bytes)",
    "unreadable": "not a readable image",
    "wrong_size": "not 28x28",
    "too_large": f"larger than {archive.MAX_MEMBER_BYTES:,} bytes (not read)",
    "blank": "no ink (every pixel black)",
    "not_in_letter_folder": "not inside an A..J folder",
    "label_out_of_range": "label outside 0..9 (A..J)",
}


def load_images(
    path: str | os.PathLike, labels: str | os.PathLike | None = None, progress: bool = False
) -> tuple[np.ndarray, np.ndarray, list[str], dict[str, Any]]:
    """Read a notMNIST archive, a folder of A..J subfolders, or IDX files.

    Args:
        path: ``notMNIST_small.tar.gz``, a folder with ``A`` .. ``J`` subfolders, an
            IDX images file, or a folder of IDX files.
        labels: the IDX labels file, when MNIST naming cannot find it.
        progress: show a progress bar (on stderr) while reading.

    Returns:
        ``(images, labels, font_keys, report)``: uint8 (N, 28, 28) white on black,
        uint8 (N,) with 0..9 = A..J, one font key per image (the decoded font
        file name, the file stem, or ``file#index`` for IDX), and a report with
        the source's format, counts and ``skipped`` counts per reason.

    Raises:
        TfdojoError: missing path, unsafe or corrupt archive, malformed IDX, or
            no usable image at all.
    """
    p = Path(path)
    if not p.exists():
        raise TfdojoError(
            f"{p}: no such file or folder; expected a notMNIST .tar.gz, a folder of A..J "
            "subfolders, or an *-images-idx3-ubyte[.gz] file"
        )
    if p.is_dir():
        letters = _letter_root(p)
        if letters is not None:
            images, y, keys, report = _from_items(_folder_items(letters), "folder", progress)
        else:
            image_files = sorted(f for f in p.iterdir() if _is_idx_images(f.name))
            if not image_files:
                raise TfdojoError(
                    f"{p}: expected A..J subfolders of images or *-images-idx3-ubyte[.gz] "
                    "files; found neither"
                )
            if labels is not None and len(image_files) > 1:
                raise TfdojoError(f"--labels: give an images file, not the folder {p}")
            images, y, keys, report = _from_idx_files(image_files, labels)
    elif _is_idx_images(p.name) or labels is not None or _has_idx_magic(p):
        images, y, keys, report = _from_idx_files([p], labels)
    else:
        images, y, keys, report = _from_items(_tar_items(p), "tar", progress)
    report["source"] = str(p)
    if len(images) == 0:
        raise TfdojoError(
            f"{p}: no usable 28x28 images of A..J found (skipped: {_skipped_text(report)})"
        )
    return images, y, keys, report


# -- font keys -------------------------------------------------------------------------------


def font_key(filename: str) -> str:
    """The font an image came from: its base64-decoded stem, else the stem itself.

    >>> font_key("notMNIST_small/A/MDEtMDEtMDAudHRm.png")
    '01-01-00.ttf'
    >>> font_key("A/my_scan.png")
    'my_scan'
    """
    stem = PurePosixPath(filename).stem
    try:
        decoded = base64.b64decode(stem + "=" * (-len(stem) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return stem
    if decoded and decoded.isprintable() and "." in decoded.strip("."):
        return decoded
    return stem


def group_key(key: str) -> str:
    """The split group of a font key: its family for font file names, else the key.

    ``Arial Bold.ttf`` and ``Arial.ttf`` share the group ``arial``, so a family never
    spans two splits; ``train#17`` (an IDX image) is its own group.
    """

    if key.lower().endswith(FONT_SUFFIXES):
        return family_key(PurePosixPath(key).stem) or key
    return key


# -- images: decode and check ----------------------------------------------------------------


def decode_image(data: bytes, name: str = "image") -> tuple[np.ndarray | None, str | None]:
    """PNG/any image bytes -> ``(uint8 (28, 28), None)`` or ``(None, skip reason)``.

    The size is read from the image's header first: a picture of more than 28 x 28
    pixels is skipped as ``wrong_size`` without being decoded.
    """
    if not data:
        return None, "empty"
    try:
        img = open_image(data, name, max_pixels=IMAGE_SIZE[0] * IMAGE_SIZE[1])
        if img.size != IMAGE_SIZE:
            return None, "wrong_size"
        a = np.asarray(img.convert("L"), dtype=np.uint8)
    except ImageTooLarge:
        return None, "wrong_size"
    except (TfdojoError, ValueError, OSError):  # undecodable, or a mode Pillow cannot convert
        return None, "unreadable"
    if not a.any():
        return None, "blank"
    return a, None


class _Collector:
    """Accumulates decoded images and skip counts while a source is read."""

    def __init__(self) -> None:
        self.images: list[np.ndarray] = []
        self.labels: list[int] = []
        self.names: list[str] = []
        self.skipped: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self.files = 0

    def skip(self, reason: str, name: str) -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, [])
        if len(self.examples[reason]) < MAX_EXAMPLES:
            self.examples[reason].append(name)

    def report(self, fmt: str) -> dict[str, Any]:
        return {
            "format": fmt,
            "files": self.files,
            "images": len(self.images),
            "skipped": dict(sorted(self.skipped.items())),
            "skipped_total": sum(self.skipped.values()),
            "skipped_examples": dict(sorted(self.examples.items())),
        }


def _from_items(
    items: Iterable[tuple[str, str | None, bytes | str]], fmt: str, progress: bool
) -> tuple[np.ndarray, np.ndarray, list[str], dict[str, Any]]:
    """``(name, letter or None, bytes or skip reason)`` items -> images sorted by (label, name)."""

    c = _Collector()
    for name, letter, data in tqdm(items, desc="import", unit=" files", disable=not progress):
        c.files += 1
        if letter is None:
            c.skip("not_in_letter_folder", name)
            continue
        a, reason = (None, data) if isinstance(data, str) else decode_image(data, name)
        if reason is not None:
            c.skip(reason, name)
            continue
        c.images.append(a)
        c.labels.append(LETTERS.index(letter))
        c.names.append(name)
    # Archive order and folder listing order differ; sort so both give the same arrays.
    order = sorted(range(len(c.names)), key=lambda i: (c.labels[i], c.names[i]))
    images = np.stack([c.images[i] for i in order]) if order else np.zeros((0, 28, 28), np.uint8)
    labels = np.array([c.labels[i] for i in order], np.uint8)
    keys = [font_key(c.names[i]) for i in order]
    return images, labels, keys, c.report(fmt)


def _letter_of(name: str) -> str | None:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if len(parts) >= 2 and parts[-2].upper() in LETTERS and len(parts[-2]) == 1:
        return parts[-2].upper()
    return None


def _tar_items(path: Path) -> Iterator[tuple[str, str | None, bytes | str]]:
    for name, data in archive.iter_files(path):
        base = PurePosixPath(name).name
        if base.startswith("."):  # macOS resource forks (._x.png) and the like
            continue
        letter = _letter_of(name)
        # Name relative to the letter folder: the same for the archive and its extraction.
        yield (f"{letter}/{base}" if letter else name), letter, data


def _letter_root(d: Path) -> Path | None:
    """``d`` if it holds A..J subfolders, or its only subfolder that does; else None."""

    def has_letters(p: Path) -> bool:
        return any((p / ch).is_dir() or (p / ch.lower()).is_dir() for ch in LETTERS)

    if has_letters(d):
        return d
    subdirs = [s for s in d.iterdir() if s.is_dir() and not s.name.startswith(".")]
    if len(subdirs) == 1 and has_letters(subdirs[0]):
        return subdirs[0]
    return None


def _folder_items(root: Path) -> Iterator[tuple[str, str | None, bytes | str]]:
    for sub in sorted(root.iterdir()):
        if not sub.is_dir() or sub.name.startswith("."):
            continue
        letter = sub.name.upper() if len(sub.name) == 1 and sub.name.upper() in LETTERS else None
        if letter is None:
            continue
        for f in sorted(sub.rglob("*")):
            if f.is_dir() or f.name.startswith("."):  # a FIFO or a device: "unreadable"
                continue
            yield f"{letter}/{f.relative_to(sub).as_posix()}", letter, _read_image_file(f)


def _read_image_file(f: Path) -> bytes | str:
    """The file's bytes, or the skip reason: ``too_large`` (not read) or ``unreadable`` (a
    FIFO or a device among the images, say: never opened for more than a look)."""
    try:
        return read_bytes(f, archive.MAX_MEMBER_BYTES, "an image")
    except TooLarge:
        return "too_large"
    except TfdojoError:
        return "unreadable"


# -- IDX -------------------------------------------------------------------------------------


def _is_idx_images(name: str) -> bool:
    n = name.lower()
    return "-images-idx3-ubyte" in n or "-images.idx3-ubyte" in n


def _has_idx_magic(p: Path) -> bool:
    """Whether ``p`` starts like an IDX file; refuses a FIFO or a device (one line, no wait)."""
    with open_regular(p, archive.MAX_ARCHIVE_BYTES, "an archive or an IDX file") as f:
        head = f.read(4)
    return head[:2] == b"\x00\x00" and len(head) == 4 and head[2] in idx.DTYPES


def _from_idx_files(
    image_files: list[Path], labels: str | os.PathLike | None
) -> tuple[np.ndarray, np.ndarray, list[str], dict[str, Any]]:
    c = _Collector()
    all_images, all_labels, keys = [], [], []
    for f in image_files:
        x = idx.read_idx(f)
        label_file = Path(labels) if labels is not None else idx.labels_path_for(f)
        if not label_file.exists():
            raise TfdojoError(
                f"{f}: no labels file {label_file.name} beside it; expected MNIST naming "
                "(*-labels-idx1-ubyte[.gz]) or --labels FILE"
            )
        y = idx.read_idx(label_file)
        if y.dtype.kind not in "iu":
            raise TfdojoError(
                f"{label_file}: expected integer labels (IDX type uint8), received {y.dtype} "
                "(refused rather than rounded)"
            )
        if x.ndim != 3 or x.shape[1:] != IMAGE_SIZE or x.dtype != np.uint8:
            raise TfdojoError(
                f"{f}: expected uint8 images of shape (N, 28, 28), received {x.dtype} {x.shape}"
            )
        if y.shape != (len(x),):
            raise TfdojoError(
                f"{label_file}: expected {len(x)} labels (one per image in {f.name}), "
                f"received shape {y.shape}"
            )
        name = f.name.lower()
        y = y.astype(np.int64)
        if "emnist" in name:
            x = x.transpose(0, 2, 1)  # EMNIST stores images transposed
        if "emnist-letters" in name:
            y = y - 1  # EMNIST letters: 1..26 = A..Z
        c.files += 1
        keep = (y >= 0) & (y < len(LETTERS))
        blank = ~x.any(axis=(1, 2))  # (N,): no ink at all
        for reason, mask in (("label_out_of_range", ~keep), ("blank", keep & blank)):
            for i in np.flatnonzero(mask):
                c.skip(reason, f"{f.name}#{i}")
        keep &= ~blank
        all_images.append(x[keep])
        all_labels.append(y[keep].astype(np.uint8))
        stem = f.name.split("-images")[0]
        keys += [f"{stem}#{i}" for i in np.flatnonzero(keep)]
    images = np.concatenate(all_images)
    report = c.report("idx")
    report["images"] = len(images)
    return images, np.concatenate(all_labels), keys, report


def _skipped_text(report: dict[str, Any]) -> str:
    skipped = report.get("skipped", {})
    if not skipped:
        return "nothing"
    return ", ".join(f"{n} {SKIP_REASONS.get(r, r)}" for r, n in skipped.items())


# -- the import command -------------------------------------------------------------------------


def import_dataset(
    path: str | os.PathLike,
    out: str | os.PathLike,
    seed: int = 0,
    labels: str | os.PathLike | None = None,
    valid_fraction: float = 0.1,
    test_fraction: float = 0.1,
    progress: bool = False,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Import ``path`` and write ``out/notmnist.npz`` + ``manifest.json``, curated like ``build``.

    ``out`` is new or empty, or with ``overwrite`` a dataset folder tfdojo wrote (its two
    files are replaced; nothing else is).

    Curation (:func:`tfdojo.data.curate.curate_indices`) removes exact duplicates,
    splits train/valid/test by font so no font spans two splits, removes
    near-duplicates across splits and balances classes.

    Args:
        seed: the split's seed, 0..2**63-1.

    Returns:
        The manifest written.
    """

    bounds.whole("--seed", seed, 0, bounds.MAX_SEED)  # before the long read
    prepare(out, DATASET, overwrite)
    _check_writable(Path(out))  # fail before the long read, without creating anything
    images, y, keys, report = load_images(path, labels=labels, progress=progress)
    fonts = sorted(set(keys))
    font_index = {k: i for i, k in enumerate(fonts)}
    font_ids = np.array([font_index[k] for k in keys], np.int32)
    family = {k: group_key(k) for k in fonts}
    groups = [family[k] for k in keys]
    picked, curation = curate_indices(  # every split balanced, train included
        images, y, groups, seed, valid_fraction, test_fraction, balance_splits=dataset.SPLITS
    )
    splits = {name: dataset.make_split(images[i], y[i], font_ids[i]) for name, i in picked.items()}
    manifest = {
        "tfdojo_version": __version__,
        "kind": "import",
        "source": os.path.abspath(path),
        "parameters": {
            "seed": seed,
            "valid_fraction": valid_fraction,
            "test_fraction": test_fraction,
            "labels": None if labels is None else os.path.abspath(labels),
        },
        "import": report,
        "skipped": report["skipped"],
        "curation": curation,
        "fonts": fonts,
    }
    return dataset.save(out, splits, manifest)


def _check_writable(out: Path) -> None:
    """Raise if ``out`` cannot be created or written (checked on its nearest existing folder)."""
    p = out.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    if not p.is_dir():
        raise TfdojoError(f"--out: {p} is a file; expected a folder")
    if not os.access(p, os.W_OK | os.X_OK):
        raise TfdojoError(f"--out: {p}: folder is not writable")


def load_labelled(path: str | os.PathLike, labels: str | os.PathLike | None = None):
    """Labelled images to score a model on, whatever ``path`` is.

    A dataset folder (or its ``notmnist.npz``) gives its test split; anything else goes
    through :func:`load_images` (notMNIST tarball or folder, IDX files, with ``labels``).
    Used by ``tfdojo evaluate``, ``compare`` and ``report``.

    Returns:
        ``(images uint8 (N, 28, 28), labels uint8 (N,), source description)``; the
        description says how many images were skipped and why, e.g.
        ``t10k-images-idx3-ubyte.gz (skipped 3 label outside 0..9 (A..J))``.
    """

    p = Path(path)
    if labels is None and (p.suffix == ".npz" or (p.is_dir() and dataset.exists(p))):
        test = dataset.load(p).test
        return test.images, test.labels, f"{dataset.resolve(p)} (test split)"
    images, y, _keys, report = load_images(p, labels)
    source = str(report.get("source", path))
    if report.get("skipped_total"):
        source += f" (skipped {_skipped_text(report)})"
    return images, y, source
