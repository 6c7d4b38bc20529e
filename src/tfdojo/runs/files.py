"""A run folder's files, their names and their format: the one module that says what they hold.

::

    RUN/config.json     the resolved TrainConfig, and "data": the dataset's path and sha256s
    RUN/history.json    {"epochs": [one row per epoch: train/valid loss and accuracy, lr, ...]}
    RUN/metrics.json    created_by, model, params, epochs, train_seconds, examples_per_second,
                        valid_accuracy, test_accuracy, test_n, data, engine, threads, ...
    RUN/weights.npz     the trained weights, by layer name (conv1.w, ..., logits.b)
    RUN/model/          a SavedModel for serving: serving_default(images uint8 (N, 28, 28))
                        -> {"probabilities": float32 (N, 10)}; never loaded by tfdojo
    RUN/ckpt/           the last checkpoints, for --resume
    RUN/tensorboard/    per-epoch summaries
    RUN/report/         report.html and its figures
    RUN/data/           the test split, only when the data was never saved (in memory)
    RUN/.lock           held while a process trains into the folder

ARCHITECTURE.md states the same as a spec.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo.core.errors import TfdojoError

CREATED_BY = "tfdojo"
WEIGHTS = "weights.npz"
SAVED_MODEL = "model"
LOCK = ".lock"
"""Held (``flock``) by the process training into the run folder, so no other writes it."""
RESUMABLE_KEYS = ("epochs", "patience")
"""Config keys ``--resume`` may change (train longer, wait longer); any other change is refused."""

_METRIC_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "model_kind": (str,),
    "data": (str,),
    "engine": (str,),
    "params": (int,),
    "epochs": (int,),
    "threads": (int,),
    "test_n": (int,),
    "valid_n": (int,),
    "test_correct": (int,),
    "best_epoch": (int,),
    "test_accuracy": (int, float),
    "valid_accuracy": (int, float),
    "train_seconds": (int, float),
    "examples_per_second": (int, float),
}
_HISTORY_NUMBERS = ("train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "lr")


def is_run(run_dir: str | os.PathLike) -> bool:
    """Whether ``run_dir`` has a ``config.json`` written by tfdojo."""
    try:
        cfg = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(cfg, dict) and "model" in cfg and "engine" in cfg


def read_json(path: str | os.PathLike, what: str) -> dict[str, Any]:
    """A JSON object from ``path``; a one-line error if it is missing or malformed."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TfdojoError(f"{path}: missing; expected the run's {what}") from None
    except RecursionError:
        raise TfdojoError(f"{path}: not readable JSON (nested too deeply)") from None
    except (OSError, ValueError) as exc:
        raise TfdojoError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise TfdojoError(f"{path}: expected a JSON object, received {type(obj).__name__}")
    return obj


def read_history(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The epochs recorded so far, one dict per epoch (empty if none).

    Raises:
        TfdojoError: ``history.json`` is not ``{"epochs": [row, ...]}`` with numbers.
    """
    path = Path(run_dir) / "history.json"
    if not path.exists():
        return []
    rows = read_json(path, "history").get("epochs")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise TfdojoError(f'{path}: expected {{"epochs": [{{...}}, ...]}}, one object per epoch')
    for r in rows:
        for key in _HISTORY_NUMBERS:
            if key in r and not _is_number(r[key]):
                raise TfdojoError(f"{path}: {key} expects a number, received {r[key]!r}")
    return rows


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_metrics(path: Path, metrics: dict[str, Any]) -> None:
    if metrics.get("created_by") != CREATED_BY:
        raise TfdojoError(f"RUN: {path} was not written by tfdojo; refused")
    for key, types in _METRIC_TYPES.items():
        value = metrics.get(key)
        if value is None:
            continue
        ok = isinstance(value, types) and not isinstance(value, bool)
        if not ok or (float in types and not np.isfinite(value)):
            expected = "a string" if types == (str,) else "a number"
            expected = "a whole number" if types == (int,) else expected
            raise TfdojoError(f"{path}: {key} expects {expected}, received {value!r}")
    if not isinstance(metrics.get("test_n"), int):
        received = metrics.get("test_n")
        raise TfdojoError(f"{path}: test_n expects a whole number, received {received!r}")


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
