"""A run folder's files, their names and their format: the one module that says what they hold.

::

    RUN/config.json     the resolved TrainConfig, and "data": the dataset's path and sha256s
    RUN/history.json    {"epochs": [one row per epoch: train/valid loss and accuracy, lr, ...]}
    RUN/metrics.json    created_by, model, params, epochs, train_seconds, examples_per_second,
                        valid_accuracy, test_accuracy, test_n, data, engine, threads, ...
    RUN/weights.npz     the trained weights, by layer name (conv1.w, ..., logits.b)
    RUN/model/          runs of older versions only: a SavedModel for serving (now made by
                        tfdojo export RUN --format savedmodel, in RUN/export/savedmodel/)
    RUN/ckpt/           the last checkpoints, for --resume
    RUN/tensorboard/    per-epoch summaries
    RUN/report/         report.html and its figures (tfdojo report RUN, or train --report)
    RUN/data/           the test split, only when the data was never saved (in memory)
    RUN/.lock           held while a process trains into the folder

ARCHITECTURE.md states the same as a spec.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from tfdojo.core import safe_read
from tfdojo.core.errors import TfdojoError

CREATED_BY = "tfdojo"
WEIGHTS = "weights.npz"
SAVED_MODEL = "model"
"""``RUN/model/``: the SavedModel older versions wrote at the end of training (still
recognised as tfdojo's; a resumed run deletes it, as its weights change)."""
LOCK = ".lock"
"""Held (``flock``) by the process training into the run folder, so no other writes it."""
RESUMABLE_KEYS = ("epochs", "patience")
"""Config keys ``--resume`` may change (train longer, wait longer); any other change is refused."""
ADDED_KEYS = {"jitter": 0.0}
"""Settings added after runs were saved without them, and the value those runs trained with:
a ``config.json`` that lacks one is read (and resumed) as that value."""

MAX_JSON_BYTES = {"config": 1 << 20, "metrics": 1 << 20, "history": 16 << 20}
"""Largest ``config.json``, ``metrics.json`` and ``history.json`` read: 1, 1 and 16 MiB.

tfdojo writes 1 to 3 KB of config and metrics, and 300 bytes of history per epoch (16 MiB
is 50,000 epochs). Parsed JSON may take 20 times its text in memory, hence caps this low.
"""

_COUNTS = ("params", "epochs", "threads", "test_n", "valid_n", "test_correct", "best_epoch")
_METRIC_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "model_kind": (str,),
    "data": (str,),
    "engine": (str,),
    **{key: (int,) for key in _COUNTS},
    "test_accuracy": (int, float),
    "valid_accuracy": (int, float),
    "train_seconds": (int, float),
    "examples_per_second": (int, float),
}
_SHARES = ("test_accuracy", "valid_accuracy")
"""Metrics that are fractions, 0..1."""

FLOAT32_MAX = 3.4028234663852886e38
"""The largest float32: a loss or a learning rate the engines computed is at most this."""

_HISTORY_RANGES: dict[str, tuple[float, float]] = {
    "train_loss": (0.0, FLOAT32_MAX),
    "valid_loss": (0.0, FLOAT32_MAX),
    "train_accuracy": (0.0, 1.0),
    "valid_accuracy": (0.0, 1.0),
    "lr": (0.0, FLOAT32_MAX),
    "examples_per_second": (0.0, FLOAT32_MAX),
    "train_step_seconds": (0.0, FLOAT32_MAX),
    "seconds": (0.0, FLOAT32_MAX),
}
"""What each number of a ``history.json`` row may be: a cross-entropy loss is never negative,
an accuracy is a fraction; values beyond these are not a run's, and would break the plots."""


def read_json(path: str | os.PathLike, what: str) -> dict[str, Any]:
    """The run's ``config``, ``metrics`` or ``history`` (``what``): a JSON object read from a
    regular file within :data:`MAX_JSON_BYTES` (:func:`tfdojo.core.safe_read.read_json`).

    Raises:
        TfdojoError: missing, not a regular file (a FIFO, a device), too large, not
            UTF-8, not JSON, nested too deeply, or not an object; one line naming ``path``.
    """
    path = Path(path)
    try:
        return safe_read.read_json(path, MAX_JSON_BYTES.get(what, 1 << 20), "a JSON object")
    except safe_read.MissingFile:
        raise TfdojoError(f"{path}: missing; expected the run's {what}") from None


def is_run(run_dir: str | os.PathLike) -> bool:
    """Whether ``run_dir`` has a ``config.json`` written by tfdojo (a readable JSON object
    with ``model`` and ``engine``); one that is not a regular file is not."""
    try:
        cfg = read_json(Path(run_dir) / "config.json", "config")
    except TfdojoError:
        return False
    return "model" in cfg and "engine" in cfg


def read_history(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The epochs recorded so far, one dict per epoch (empty if none).

    Raises:
        TfdojoError: ``history.json`` is not ``{"epochs": [row, ...]}``, a row's ``epoch``
            is not a whole number >= 1, or one of its numbers is outside
            :data:`_HISTORY_RANGES`.
    """
    path = Path(run_dir) / "history.json"
    if not path.exists():
        return []
    rows = read_json(path, "history").get("epochs")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise TfdojoError(f'{path}: expected {{"epochs": [{{...}}, ...]}}, one object per epoch')
    for r in rows:
        epoch = r.get("epoch", 1)
        if not _is_whole(epoch) or epoch < 1:
            raise TfdojoError(f"{path}: epoch expects a whole number >= 1, received {epoch!r}")
        for key, (low, high) in _HISTORY_RANGES.items():
            if key in r and not (_is_number(r[key]) and low <= r[key] <= high):
                raise TfdojoError(
                    f"{path}: {key} expects a number from {low:g} to {high:g}, received {r[key]!r}"
                )
    return rows


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_share(value: Any) -> bool:
    return _is_number(value) and 0 <= value <= 1


def check_metrics(path: Path, metrics: dict[str, Any]) -> None:
    """Refuse a ``metrics.json`` whose fields readers use have the wrong type or range.

    Raises:
        TfdojoError: not written by tfdojo, or a field of the wrong type: counts are
            whole numbers >= 0, accuracies 0..1, ``test_ci95`` two of them, low to high,
            ``test_per_class`` letters to an accuracy or null; ``test_n`` is required.
    """
    if metrics.get("created_by") != CREATED_BY:
        raise TfdojoError(f"RUN: {path} was not written by tfdojo; refused")
    for key, types in _METRIC_TYPES.items():
        value = metrics.get(key)
        if value is None:
            continue
        ok = isinstance(value, types) and not isinstance(value, bool)
        if not ok or (isinstance(value, float) and not math.isfinite(value)):  # ints: exact
            expected = "a string" if types == (str,) else "a number"
            expected = "a whole number" if types == (int,) else expected
            raise TfdojoError(f"{path}: {key} expects {expected}, received {value!r}")
        if (types != (str,) and value < 0) or (key in _SHARES and value > 1):
            expected = "a number from 0 to 1" if key in _SHARES else "a number >= 0"
            raise TfdojoError(f"{path}: {key} expects {expected}, received {value!r}")
    if not isinstance(metrics.get("test_n"), int):
        received = metrics.get("test_n")
        raise TfdojoError(f"{path}: test_n expects a whole number, received {received!r}")
    ci = metrics.get("test_ci95")
    if ci is not None and not (
        isinstance(ci, list) and len(ci) == 2 and all(map(_is_share, ci)) and ci[0] <= ci[1]
    ):
        raise TfdojoError(
            f"{path}: test_ci95 expects [low, high], two numbers from 0 to 1, received {_short(ci)}"
        )
    per_class = metrics.get("test_per_class")
    if per_class is not None and not (
        isinstance(per_class, dict) and all(v is None or _is_share(v) for v in per_class.values())
    ):
        raise TfdojoError(
            f"{path}: test_per_class expects {{letter: a number from 0 to 1 or null}}, "
            f"received {_short(per_class)}"
        )


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def history_row(
    epoch: int,
    loss_sum: float,
    correct: float,
    seen: int,
    valid: tuple[float, float],
    lr: float,
    step_seconds: float,
    seconds: float,
) -> dict[str, Any]:
    """One epoch's row of ``history.json``, the same for both engines.

    Args:
        loss_sum, correct, seen: sums over the epoch's training batches (loss summed
            per example, correct predictions, examples seen).
        valid: (loss, accuracy) on the validation split.
        step_seconds: time in training steps only; seconds: the epoch's wall time.
    """
    return {
        "epoch": epoch,
        "train_loss": loss_sum / seen,
        "train_accuracy": correct / seen,
        "valid_loss": valid[0],
        "valid_accuracy": valid[1],
        "lr": lr,
        "examples_per_second": seen / step_seconds,
        "train_step_seconds": step_seconds,
        "seconds": seconds,
    }


def history_summary(history: list[dict[str, Any]], epochs: int, stopped_early: bool):
    """The run-level numbers derived from the epochs' rows.

    ``examples_per_second`` counts training steps only (all epochs' examples over all
    epochs' step time); ``train_seconds`` is the epochs' wall time.
    """
    step_seconds = sum(r["train_step_seconds"] for r in history)
    examples = sum(r["examples_per_second"] * r["train_step_seconds"] for r in history)
    return {
        "epochs": len(history),
        "stopped_early": stopped_early and len(history) < epochs,
        "train_seconds": sum(r["seconds"] for r in history),
        "examples_per_second": examples / step_seconds if step_seconds else 0.0,
    }
