"""What a trained model says: accuracy on labelled images, the letter in image files.

Shared by ``tfdojo evaluate``, ``predict``, ``compare``, the report and ``tfdojo play``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from tfdojo import LETTERS
from tfdojo.core.errors import TfdojoError
from tfdojo.core.stats import wilson_interval
from tfdojo.data.frame import frame_image, open_image
from tfdojo.runs.reading import open_run


def accuracy_summary(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    """Accuracy, counts, 95% Wilson interval and per-class accuracy of predictions.

    Returns:
        ``{"accuracy", "n", "correct", "ci95": [low, high], "per_class": {letter: acc}}``;
        a letter with no example maps to ``None``.
    """
    y_true = np.asarray(y_true).astype(np.int64)
    y_pred = np.asarray(y_pred).astype(np.int64)
    n = len(y_true)
    correct = int((y_true == y_pred).sum())
    per_class = {}
    for k, letter in enumerate(LETTERS):
        mask = y_true == k
        per_class[letter] = float((y_pred[mask] == k).mean()) if mask.any() else None
    return {
        "accuracy": correct / n if n else 0.0,
        "n": n,
        "correct": correct,
        "ci95": [float(v) for v in wilson_interval(correct, n)] if n else [0.0, 1.0],
        "per_class": per_class,
    }


def load_model(run_dir: str | os.PathLike, model_class=None):
    """A finished run's trained model (see :meth:`Run.model`)."""
    return open_run(run_dir, model_class).model()


def evaluate(
    run_dir: str | os.PathLike, images: np.ndarray, labels: np.ndarray, model_class=None
) -> dict[str, Any]:
    """A run's accuracy on ``images`` uint8 (N, 28, 28) with ``labels`` (N,) 0..9.

    Returns:
        :func:`accuracy_summary`'s dict, plus ``run`` and ``model``.
    """
    run = open_run(run_dir, model_class)
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise TfdojoError(f"labels: expected shape ({len(images)},), received {labels.shape}")
    out = accuracy_summary(labels, run.model().predict(images))
    return {"run": str(run_dir), "model": run.name, **out}


def predict_files(
    run_dir: str | os.PathLike, paths: list[str | os.PathLike], model_class=None
) -> list[dict]:
    """Predict the letter in each image file (any size, colour, polarity).

    Each image is opened with a pixel cap checked before decoding
    (:func:`tfdojo.data.frame.open_image`) and framed like the dataset
    (:func:`tfdojo.data.frame.frame_image`).

    Returns:
        :func:`predictions` of the framed images, ``image`` being each path.

    Raises:
        TfdojoError: a missing, unreadable or too large image.
    """
    framed = [frame_image(open_image(p)) for p in paths]  # every file checked first
    model = load_model(run_dir, model_class)
    return predictions(model, framed, [str(p) for p in paths])


def predictions(model, framed: list[np.ndarray], names: list[str]) -> list[dict]:
    """The model's answer for each framed uint8 (28, 28) image, as ``tfdojo predict --json``.

    Each image is scored alone: TensorFlow's last bits depend on the batch, and an image's
    answer should not depend on the others given with it.

    Returns:
        One ``{"image", "letter", "probabilities": {letter: p}, "ink"}`` per image;
        ``ink`` is false for a blank image (the answer then means nothing), and such an
        entry carries a ``"warning"``.
    """
    out = []
    for name, image in zip(names, framed):
        row = model.predict_proba(image[None])[0]  # one at a time: the same bits however many
        entry = {
            "image": name,
            "letter": LETTERS[int(row.argmax())],
            "probabilities": {letter: float(v) for letter, v in zip(LETTERS, row)},
            "ink": bool(image.any()),
        }
        if not entry["ink"]:
            entry["warning"] = "the image has no ink: a blank page, so the answer means nothing"
        out.append(entry)
    return out
