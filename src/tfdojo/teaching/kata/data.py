"""The katas' data: a few thousand notMNIST-like images that every machine makes the same way.

The katas that train need real letters, but not the full font build: the kata set is
rendered from the fonts matplotlib ships (DejaVu, STIX, Computer Modern: about 20
faces, on every install), each letter plain plus :data:`VARIANTS` augmented variants
(the build's own augmentation, seeded per face, letter and variant). The images are
shuffled with :data:`SEED` and split into test, valid and train.

Test images are other variants of the same faces as the training images, so the
accuracies the katas ask for are about the code working, not about unseen fonts.

It is made once, on first need (about 2 s), into ``<cache>/kata`` in tfdojo's dataset
format, so ``tfdojo train --data <cache>/kata`` reads it too.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from tfdojo import LETTERS
from tfdojo.core.errors import TfdojoError
from tfdojo.core.paths import cache_dir
from tfdojo.data import dataset
from tfdojo.data.augment import variant
from tfdojo.data.build import select_faces
from tfdojo.data.fonts import find_font_files, matplotlib_font_dir
from tfdojo.data.render import draw_glyph, load_font, render_file

SEED = 0
VARIANTS = 15
TEST_SIZE = 600
VALID_SIZE = 300
VERSION = 1
"""Bump when the recipe changes: a cached kata set of another version is made again."""


@dataclasses.dataclass(frozen=True)
class KataData:
    """The kata set: ``*_images`` uint8 (N, 28, 28), ``*_labels`` int32 (N,) in 0..9 (A..J)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    faces: int

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``X_train, y_train, X_test, y_test``: X float32 (N, 28, 28) in [-0.5, 0.5].

        X = pixels / 255 - 0.5 (tfdojo's ``normalize``), the input every kata model takes.
        """
        return (
            scale(self.train_images),
            self.train_labels,
            scale(self.test_images),
            self.test_labels,
        )

    def describe(self) -> str:
        """One line saying what the data is, for the check output."""
        return (
            f"kata set: {len(self.train_labels):,} training and {len(self.test_labels):,} "
            f"test images of {self.faces} matplotlib font faces (seed {SEED})"
        )


def scale(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 -> float32 in [-0.5, 0.5]: x = p / 255 - 0.5."""
    return images.astype(np.float32) / 255.0 - 0.5


def folder() -> Path:
    """Where the kata set is cached: ``<cache>/kata``."""

    return cache_dir() / "kata"


def load() -> KataData:
    """The kata set, made into the cache first if it is not there (or is of an older recipe)."""
    d = folder()
    if not _is_current(d):
        make(d)
    data = dataset.load(d)
    return KataData(
        train_images=data.train.images,
        train_labels=data.train.labels.astype(np.int32),
        test_images=data.test.images,
        test_labels=data.test.labels.astype(np.int32),
        faces=int(data.manifest["faces_used"]),
    )


def _is_current(d: Path) -> bool:
    if not dataset.exists(d):
        return False

    try:
        manifest = dataset.read_manifest(d / dataset.MANIFEST_NAME)
    except TfdojoError:  # unreadable: made again
        return False
    return manifest.get("kata_version") == VERSION


def make(d: Path) -> None:
    """Render the kata set into ``d`` (``notmnist.npz`` + ``manifest.json``, written atomically)."""

    files = find_font_files([matplotlib_font_dir()], system_fonts=False)
    faces, _ = select_faces([face for f in files for face in render_file(str(f))])
    images, labels = [], []
    for face in faces:
        font = load_font(face.path, face.index)
        for label, letter in enumerate(LETTERS):
            glyph = draw_glyph(font, letter)
            images.append(face.glyphs[label])  # the plain render
            for v in range(VARIANTS):
                rng = np.random.default_rng([SEED, int(face.sha256[:15], 16), face.index, label, v])
                images.append(variant(glyph, rng))
            labels += [label] * (1 + VARIANTS)
    images, labels = np.stack(images), np.array(labels, np.uint8)
    order = np.random.default_rng(SEED).permutation(len(labels))
    parts = np.split(order, [TEST_SIZE, TEST_SIZE + VALID_SIZE])
    splits = {
        name: dataset.make_split(images[idx], labels[idx])
        for name, idx in zip(("test", "valid", "train"), parts)
    }
    manifest = {
        "source": "kata",
        "kata_version": VERSION,
        "faces_used": len(faces),
        "parameters": {"seed": SEED, "variants": VARIANTS, "fonts": "matplotlib"},
    }
    dataset.save(d, splits, manifest)
