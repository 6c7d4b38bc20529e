"""A run folder: what a training run leaves behind, and how to use it afterwards.

::

    RUN/config.json     the resolved TrainConfig
    RUN/history.json    one row per epoch: train/valid loss and accuracy, lr, seconds
    RUN/metrics.json    model, params, epochs, train_seconds, examples_per_second,
                        valid_accuracy, test_accuracy, test_n, engine, threads, seed, ...
    RUN/model/          SavedModel: serving_default(images uint8 (N, 28, 28))
                        -> {"probabilities": float32 (N, 10)}
    RUN/ckpt/           the last checkpoints, for --resume (TensorFlow checkpoints, or
                        numpy.npz from the NumPy engine)
    RUN/tensorboard/    per-epoch summaries
    RUN/data/           the test split, only when the data was never saved (in memory)

Both engines write these through the same functions (:func:`start`,
:func:`write_history`, :func:`finish`), so evaluation cannot tell them apart.
:func:`load_model` only opens folders tfdojo made.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import LETTERS, __version__
from tfdojo.atomic import ensure_dir, write_json
from tfdojo.errors import TfdojoError

CREATED_BY = "tfdojo"
RESUMABLE_KEYS = ("epochs", "patience")
"""Config keys ``--resume`` may change (train longer); any other change is refused."""


# -- creating a run ---------------------------------------------------------------------------


def is_run(run_dir: str | os.PathLike) -> bool:
    """Whether ``run_dir`` has a ``config.json`` written by tfdojo."""
    try:
        cfg = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(cfg, dict) and "model" in cfg and "engine" in cfg


def prepare(run_dir: str | os.PathLike, overwrite: bool = False, resume: bool = False) -> Path:
    """Check (and with ``overwrite``, empty) the run folder before training.

    Raises:
        TfdojoError: the folder exists and is not empty, without ``--overwrite`` or
            ``--resume``; ``--overwrite`` of a folder tfdojo did not make (never
            deleted); ``--resume`` of a folder that is not a run.
    """
    run_dir = Path(run_dir)
    occupied = run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir()))
    if resume:
        if not is_run(run_dir):
            raise TfdojoError(f"--resume: {run_dir} is not a tfdojo run folder (no config.json)")
        return run_dir
    if occupied and not overwrite:
        raise TfdojoError(
            f"--out: {run_dir} already exists; add --overwrite to replace it "
            "or --resume to continue it"
        )
    if occupied:
        if not is_run(run_dir):
            raise TfdojoError(
                f"--overwrite: {run_dir} is not a tfdojo run folder (no config.json); "
                "refusing to delete it"
            )
        shutil.rmtree(run_dir)
    return ensure_dir(run_dir)


def start(run_dir: str | os.PathLike, config: dict[str, Any], resume: bool = False) -> Path:
    """Write ``config.json``; on ``resume`` first check it matches the saved one.

    Raises:
        TfdojoError: a new run in a folder that already holds one, or a resumed run
            whose config differs from the saved one in more than ``epochs``/``patience``.
    """
    run_dir = ensure_dir(run_dir)
    path = run_dir / "config.json"
    if resume:
        saved = read_json(path, "config")
        changed = sorted(
            k
            for k in set(saved) | set(config)
            if k not in RESUMABLE_KEYS and saved.get(k) != config.get(k)
        )
        if changed:
            raise TfdojoError(
                f"--resume: the config differs from {path} in {', '.join(changed)}; "
                "only epochs and patience may change when resuming"
            )
    elif path.exists():
        raise TfdojoError(f"{run_dir}: already holds a run; use --overwrite or --resume")
    write_json(path, config)
    return run_dir


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from ``path``; a one-line error if it is missing or malformed."""
    try:
        obj = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TfdojoError(f"{path}: missing; expected the run's {what}") from None
    except (OSError, ValueError) as exc:
        raise TfdojoError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise TfdojoError(f"{path}: expected a JSON object, received {type(obj).__name__}")
    return obj


def read_history(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The epochs recorded so far (empty if none)."""
    path = Path(run_dir) / "history.json"
    if not path.exists():
        return []
    return list(read_json(path, "history").get("epochs", []))


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
        step_seconds: time in training steps only; seconds: since the run started.
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
    """The run-level numbers both engines derive from their epochs' rows.

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


def write_history(run_dir: str | os.PathLike, history: list[dict[str, Any]]) -> Path:
    """``history.json``: ``{"epochs": [{"epoch", "train_loss", "train_accuracy",
    "valid_loss", "valid_accuracy", "lr", "seconds", ...}, ...]}``."""
    return write_json(Path(run_dir) / "history.json", {"epochs": history})


def restore_checkpoint(ckpt, path: str) -> None:
    """Restore a ``tf.train.Checkpoint``; a corrupt or mismatched one is a one-line error."""
    import tensorflow as tf

    try:
        ckpt.restore(path).assert_existing_objects_matched()
    except (tf.errors.OpError, ValueError, AssertionError, IndexError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TfdojoError(
            f"{path}: checkpoint is corrupt or does not fit this model ({first[:200]}); "
            "start again with --overwrite"
        ) from None


# -- finishing a run --------------------------------------------------------------------------


def export_saved_model(model, run_dir: str | os.PathLike) -> Path:
    """Save ``RUN/model/``: a SavedModel whose ``serving_default`` signature maps
    ``images`` uint8 (N, 28, 28) to ``probabilities`` float32 (N, 10).

    Written to a temporary folder and renamed into place, so a crash never leaves a
    half-written model.
    """
    import tensorflow as tf

    from tfdojo.models.layers import normalize

    run_dir = Path(run_dir)
    module = tf.Module()
    module.model = model

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.uint8, name="images")])
    def serve(images):
        return {"probabilities": tf.nn.softmax(model(normalize(images)))}

    module.serve = serve
    final = run_dir / "model"
    tmp = Path(tempfile.mkdtemp(prefix=".model.", dir=run_dir))
    try:
        tf.saved_model.save(module, str(tmp), signatures={"serving_default": serve})
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=".model-old.", dir=run_dir))
            os.replace(final, old / "model")
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


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
        "ci95": list(wilson(correct, n)) if n else [0.0, 1.0],
        "per_class": per_class,
    }


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson interval of ``k`` successes in ``n`` (tfdojo.stats when present)."""
    try:
        from tfdojo.stats import wilson_interval
    except ImportError:
        from scipy.stats import binomtest

        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        return float(ci.low), float(ci.high)
    low, high = wilson_interval(k, n, 0.95)
    return float(low), float(high)


def finish(
    run_dir: str | os.PathLike,
    model,
    cfg,
    data,
    history: list[dict[str, Any]],
    summary: dict[str, Any],
) -> dict[str, Any]:
    """Export ``model``, measure it on the valid and test splits, write ``metrics.json``.

    Then calls ``tfdojo.report.write_report(run_dir)`` if that module exists.

    Args:
        model: a :class:`tfdojo.models.base.Model` holding the final weights (the
            NumPy engine sets them with ``model.set_weights``).
        cfg: the run's :class:`tfdojo.train.TrainConfig`.
        history: the epochs' rows (as in ``history.json``).
        summary: engine-specific numbers: at least ``engine``, ``threads``,
            ``epochs``, ``train_seconds``, ``examples_per_second``.

    Returns:
        The metrics written.
    """
    run_dir = Path(run_dir)
    export_saved_model(model, run_dir)
    valid = accuracy_summary(data.valid.labels, model.predict_proba(data.valid.images).argmax(1))
    test = accuracy_summary(data.test.labels, model.predict_proba(data.test.images).argmax(1))
    metrics = {
        "created_by": CREATED_BY,
        "tfdojo_version": __version__,
        "model": cfg.model.name,
        "model_kind": cfg.model.kind,
        "params": model.num_params,
        "seed": cfg.seed,
        "batch_size": cfg.batch_size,
        "train_n": len(data.train),
        "data": str(data.path) if getattr(data, "path", None) else _save_test_split(run_dir, data),
        **summary,
        "valid_accuracy": valid["accuracy"],
        "valid_n": valid["n"],
        "test_accuracy": test["accuracy"],
        "test_n": test["n"],
        "test_correct": test["correct"],
        "test_ci95": test["ci95"],
        "test_per_class": test["per_class"],
    }
    write_json(run_dir / "metrics.json", metrics)
    import importlib.util

    if importlib.util.find_spec("tfdojo.report") is not None:
        from tfdojo.report import write_report

        write_report(run_dir)
    return metrics


def _save_test_split(run_dir: Path, data) -> str:
    """Keep an in-memory dataset's test split in ``RUN/data/`` so reports and compare find it.

    A run trained on data that was never saved (a subsample made in a notebook or a
    lesson) still records the exact test images it was measured on.
    """
    from tfdojo.data.dataset import make_split, save

    empty = make_split(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    manifest = {"source": "test split of an in-memory dataset", "tfdojo_version": __version__}
    save(run_dir / "data", {"train": empty, "valid": empty, "test": data.test}, manifest)
    return str(run_dir / "data")


# -- using a finished run ---------------------------------------------------------------------


class LoadedModel:
    """A run's exported model: ``predict_proba(images uint8 (N, 28, 28)) -> (N, 10)``."""

    def __init__(self, run_dir: Path, config: dict[str, Any], metrics: dict[str, Any], fn):
        self.run_dir = run_dir
        self.config = config
        self.metrics = metrics
        self._fn = fn

    def predict_proba(self, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Class probabilities float32 (N, 10) of uint8 images (N, 28, 28).

        Raises:
            TfdojoError: images of another shape or dtype.
        """
        images = np.asarray(images)
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise TfdojoError(f"images: expected shape (N, 28, 28), received {images.shape}")
        if images.dtype != np.uint8:
            raise TfdojoError(f"images: expected dtype uint8 (0..255), received {images.dtype}")
        parts = [
            self._fn(images=images[i : i + batch_size])["probabilities"].numpy()
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, len(LETTERS)), np.float32)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Predicted labels int64 (N,), 0..9 = A..J."""
        return self.predict_proba(images).argmax(axis=1)


def load_model(run_dir: str | os.PathLike) -> LoadedModel:
    """Open a finished run's SavedModel for prediction.

    Raises:
        TfdojoError: not a folder tfdojo made (``config.json`` and ``metrics.json``
            written by tfdojo), the run has not finished, or the model is unreadable.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise TfdojoError(f"RUN: {run_dir} is not a folder; expected a run made by `tfdojo train`")
    if not is_run(run_dir):
        raise TfdojoError(
            f"RUN: {run_dir} has no tfdojo config.json; expected a run made by `tfdojo train`"
        )
    if not (run_dir / "metrics.json").exists():
        raise TfdojoError(
            f"RUN: {run_dir} has no metrics.json: the run has not finished "
            "(continue it with `tfdojo train --resume --out RUN`)"
        )
    metrics = read_json(run_dir / "metrics.json", "metrics")
    if metrics.get("created_by") != CREATED_BY:
        raise TfdojoError(f"RUN: {run_dir}/metrics.json was not written by tfdojo; refused")
    config = read_json(run_dir / "config.json", "config")
    model_dir = run_dir / "model"
    if not (model_dir / "saved_model.pb").is_file():
        raise TfdojoError(f"RUN: {model_dir} holds no SavedModel (saved_model.pb missing)")
    from tfdojo.runtime import configure_tensorflow

    tf = configure_tensorflow()
    try:
        loaded = tf.saved_model.load(str(model_dir))
        fn = loaded.signatures["serving_default"]
    except (OSError, ValueError, KeyError, tf.errors.OpError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise TfdojoError(
            f"RUN: {model_dir} is not a readable SavedModel ({first[:200]})"
        ) from None
    model = LoadedModel(run_dir, config, metrics, fn)
    model._loaded = loaded  # keep the variables alive
    return model


def evaluate(run_dir: str | os.PathLike, images: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """A run's accuracy on ``images`` uint8 (N, 28, 28) with ``labels`` (N,) 0..9.

    Returns:
        :func:`accuracy_summary`'s dict, plus ``run`` and ``model``.
    """
    model = load_model(run_dir)
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise TfdojoError(f"labels: expected shape ({len(images)},), received {labels.shape}")
    out = accuracy_summary(labels, model.predict(images))
    return {"run": str(run_dir), "model": model.metrics.get("model"), **out}


def predict_files(run_dir: str | os.PathLike, paths: list[str | os.PathLike]) -> list[dict]:
    """Predict the letter in each image file (any size, colour, polarity).

    Each image is framed like the dataset (:func:`tfdojo.data.frame.frame_image`).

    Returns:
        One ``{"image", "letter", "probabilities": {letter: p}}`` per path.

    Raises:
        TfdojoError: a missing or unreadable image.
    """
    from PIL import Image, UnidentifiedImageError

    from tfdojo.data.frame import frame_image

    framed = []
    for p in paths:
        try:
            with Image.open(p) as img:
                img.load()
                framed.append(frame_image(img))
        except FileNotFoundError:
            raise TfdojoError(f"IMAGE: {p} does not exist") from None
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise TfdojoError(f"IMAGE: {p} is not a readable image ({exc})") from None
    model = load_model(run_dir)
    probs = model.predict_proba(np.stack(framed)) if framed else np.zeros((0, len(LETTERS)))
    return [
        {
            "image": str(p),
            "letter": LETTERS[int(row.argmax())],
            "probabilities": {letter: float(v) for letter, v in zip(LETTERS, row)},
        }
        for p, row in zip(paths, probs)
    ]
