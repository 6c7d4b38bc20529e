"""A run folder: what a training run leaves behind, and the one module that reads it.

::

    RUN/config.json     the resolved TrainConfig
    RUN/history.json    {"epochs": [one row per epoch: train/valid loss and accuracy, lr, ...]}
    RUN/metrics.json    model, params, epochs, train_seconds, examples_per_second,
                        valid_accuracy, test_accuracy, test_n, data, engine, threads, ...
    RUN/weights.npz     the trained weights, by layer name (conv1.w, ..., logits.b)
    RUN/model/          a SavedModel for serving: serving_default(images uint8 (N, 28, 28))
                        -> {"probabilities": float32 (N, 10)}
    RUN/ckpt/           the last checkpoints, for --resume
    RUN/tensorboard/    per-epoch summaries
    RUN/report/         report.html and its figures
    RUN/data/           the test split, only when the data was never saved (in memory)

Both engines write these through the same functions (:func:`start`,
:func:`write_history`, :func:`finish`), so evaluation cannot tell them apart. Every
reader goes through :func:`open_run`: it checks the folder once, and
:meth:`Run.model` rebuilds the model from ``config.json`` with tfdojo's own code and
loads ``weights.npz`` (arrays only, no pickle). A run folder carries data, never
code: the SavedModel is an export for serving and is never loaded to score.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import LETTERS, __version__
from tfdojo.core.atomic import atomic_open, ensure_dir, write_json
from tfdojo.core.errors import TfdojoError
from tfdojo.core.stats import wilson_interval
from tfdojo.core.text import aligned

CREATED_BY = "tfdojo"
WEIGHTS = "weights.npz"
LOCK = ".lock"
"""Held (``flock``) by the process training into the run folder, so no other writes it."""
RESUMABLE_KEYS = ("epochs", "patience")
"""Config keys ``--resume`` may change (train longer, wait longer); any other change is refused."""

# The metrics.json fields readers use, and their types (all optional but ``test_n``).
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
    if (run_dir / LOCK).exists():
        with lock(run_dir):  # refuses a folder another process is training into
            pass
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

    Args:
        config: the resolved TrainConfig as a dict, and ``"data"``: :func:`data_record`.

    Raises:
        TfdojoError: a new run in a folder that already holds one, or a resumed run
            whose config differs from the saved one in more than :data:`RESUMABLE_KEYS`,
            or whose data differs from the data it started on.
    """
    run_dir = ensure_dir(run_dir)
    path = run_dir / "config.json"
    if resume:
        saved = read_json(path, "config")
        if "sha256" in saved.get("data", {}) and "data" in config:
            _check_same_data(run_dir, saved["data"], config["data"])
        changed = sorted(
            k
            for k in set(saved) | set(config)
            if k not in (*RESUMABLE_KEYS, "data") and saved.get(k) != config.get(k)
        )
        if changed:
            raise TfdojoError(
                f"--resume: the config differs from {path} in {', '.join(changed)}; "
                f"only {' and '.join(RESUMABLE_KEYS)} may change when resuming"
            )
    elif path.exists():
        raise TfdojoError(f"{run_dir}: already holds a run; use --overwrite or --resume")
    write_json(path, config)
    return run_dir


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


def write_history(run_dir: str | os.PathLike, history: list[dict[str, Any]]) -> Path:
    """``history.json``: ``{"epochs": [{"epoch", "train_loss", "train_accuracy",
    "valid_loss", "valid_accuracy", "lr", "seconds", ...}, ...]}``."""
    return write_json(Path(run_dir) / "history.json", {"epochs": history})


@contextlib.contextmanager
def lock(run_dir: str | os.PathLike) -> Iterator[Path]:
    """Hold ``RUN/.lock`` while training into ``run_dir``, so that a second process refuses.

    The lock is the operating system's (``flock``), so it is released when the process
    ends, however it ends. On a system without ``fcntl`` (Windows) nothing is locked.

    Raises:
        TfdojoError: another process holds it.
    """
    run_dir = ensure_dir(run_dir)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield run_dir
        return
    path = run_dir / LOCK
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            pid = f.read().strip() or "?"
            raise TfdojoError(
                f"--out: {run_dir} is being trained into by another process (pid {pid}); "
                "wait for it to finish or choose another folder"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield run_dir
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
            fcntl.flock(f, fcntl.LOCK_UN)


def data_record(data) -> dict[str, Any]:
    """What ``config.json`` records of the data a run trains on: its folder and the
    sha256 of every array it uses (the manifest's, for an unchanged dataset)."""
    from tfdojo.data.dataset import SPLITS, array_sha256

    sha = {}
    for name in SPLITS:
        split = data.split(name)
        sha[f"{name}_images"] = array_sha256(split.images)
        sha[f"{name}_labels"] = array_sha256(split.labels)
    path = getattr(data, "path", None)
    return {"path": str(path) if path else None, "sha256": sha}


def _check_same_data(run_dir: Path, saved: dict[str, Any], now: dict[str, Any]) -> None:
    differ = sorted(k for k, v in now["sha256"].items() if saved["sha256"].get(k) != v)
    if differ:
        raise TfdojoError(
            f"--resume: {run_dir} was trained on {saved.get('path') or 'data held in memory'}, "
            f"but {now.get('path') or 'the data given'} holds other images or labels "
            f"({', '.join(differ)}); resume on the same dataset (--data)"
        )


# -- finishing a run --------------------------------------------------------------------------


def save_weights(model, run_dir: str | os.PathLike) -> Path:
    """``RUN/weights.npz``: every parameter by name (``conv1.w``, ...), float32."""
    path = Path(run_dir) / WEIGHTS
    with atomic_open(path, "wb") as f:
        np.savez(f, **model.get_weights())
    return path


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


def finish(
    run_dir: str | os.PathLike,
    model,
    cfg,
    data,
    summary: dict[str, Any],
) -> dict[str, Any]:
    """Save ``model``, measure it on the valid and test splits, write ``metrics.json``.

    Args:
        model: a :class:`tfdojo.models.base.Model` holding the final weights.
        cfg: the run's :class:`tfdojo.training.settings.TrainConfig`.
        data: the :class:`tfdojo.data.dataset.Dataset` it was trained on.
        summary: engine-specific numbers: at least ``engine``, ``threads``,
            ``epochs``, ``train_seconds``, ``examples_per_second``.

    Returns:
        The metrics written.
    """
    from tfdojo.training.export import saved_model

    run_dir = Path(run_dir)
    save_weights(model, run_dir)
    saved_model(model, run_dir / "model")  # for serving; never loaded by tfdojo
    valid = accuracy_summary(data.valid.labels, model.predict(data.valid.images))
    test = accuracy_summary(data.test.labels, model.predict(data.test.images))
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


# -- reading a run ----------------------------------------------------------------------------


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


def _check_metrics(path: Path, metrics: dict[str, Any]) -> None:
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


@dataclasses.dataclass
class Run:
    """A finished run folder, read and checked once by :func:`open_run`.

    Attributes:
        path: the folder.
        config: ``config.json`` (the resolved TrainConfig as a dict).
        metrics: ``metrics.json``.
        history: ``history.json``'s rows, one per epoch.
        model_class: a learner's model class (the run's ``model.source``), loaded from
            a path the user gave; ``None`` for tfdojo's models.
    """

    path: Path
    config: dict[str, Any]
    metrics: dict[str, Any]
    history: list[dict[str, Any]]
    model_class: Any = None
    _model: Any = dataclasses.field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The model's name (``cnn``, ``mlp``, ...)."""
        return self.metrics.get("model") or str(self.config["model"].get("name"))

    @property
    def kind(self) -> str:
        """``"logistic"``, ``"mlp"`` or ``"cnn"``."""
        return self.model_config().kind

    def model_config(self):
        """The architecture, from ``config.json``, checked like any config."""
        from tfdojo.core import typed_config as config_lib
        from tfdojo.models import ModelConfig

        return config_lib.replace(
            ModelConfig(), self.config["model"], where=str(self.path / "config.json")
        )

    def model(self):
        """The trained model: rebuilt by tfdojo from ``config.json``, weights from
        ``weights.npz``; a :class:`tfdojo.models.base.Model` (``predict_proba``, ...)."""
        if self._model is None:
            self._model = _rebuild(self.path, self.model_config(), self.model_class)
        return self._model

    def test_set(self) -> tuple[np.ndarray, np.ndarray, Path]:
        """The test images the run was scored on: the test split of its recorded dataset.

        Returns:
            ``(images uint8 (N, 28, 28), labels (N,), dataset folder)``.

        Raises:
            TfdojoError: no dataset recorded, or it no longer holds ``test_n`` test images
                (changed since the run); pass ``--data`` to score on chosen images.
        """
        from tfdojo.data import dataset

        value = self.metrics.get("data")
        if not value:
            raise TfdojoError(
                f"{self.path}/metrics.json: records no dataset path; pass --data PATH "
                "to choose the test images"
            )
        folder = dataset.resolve(value)
        split = dataset.load(folder).test
        if len(split) != self.metrics["test_n"]:
            raise TfdojoError(
                f"{self.path}/metrics.json: test_n={self.metrics['test_n']} but {folder} now "
                f"has {len(split):,} test images (the dataset changed since this run); "
                "pass --data PATH to score it on chosen images"
            )
        return split.images, split.labels, folder

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities float32 (N, 10) of uint8 ``images`` (N, 28, 28)."""
        return self.model().predict_proba(images)


def open_run(run_dir: str | os.PathLike, model_class=None, model=None) -> Run:
    """Read and check a finished run folder (the one place that does).

    ``model_class``: for a run of a learner's own model, its class, loaded from the
    path the user gave (``--model-code``); a run folder never names code to import.
    ``model``: the trained model, when the caller holds it (nothing is rebuilt).

    Raises:
        TfdojoError: not a folder, no tfdojo ``config.json``, an unfinished run (no
            ``metrics.json``), or files of the wrong shape or types.
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
    config = read_json(run_dir / "config.json", "config")
    if not isinstance(config.get("model"), dict):
        received = config.get("model")
        raise TfdojoError(f"{run_dir}/config.json: expected a model section, received {received!r}")
    metrics = read_json(run_dir / "metrics.json", "metrics")
    _check_metrics(run_dir / "metrics.json", metrics)
    return Run(run_dir, config, metrics, read_history(run_dir), model_class, model)


def _rebuild(run_dir: Path, model_cfg, model_class=None):
    """The model of ``model_cfg``, built by tfdojo, with the weights of ``RUN/weights.npz``."""
    from tfdojo import models
    from tfdojo.core.tf_setup import configure_tensorflow

    path = run_dir / WEIGHTS
    if not path.is_file():
        raise TfdojoError(
            f"RUN: {path} is missing; the run was made by an older tfdojo or is incomplete "
            "(train it again)"
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            weights = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise TfdojoError(f"RUN: {path} is not a readable npz of arrays ({exc})") from None
    configure_tensorflow()
    model = models.build(model_cfg, 0, model_class)
    try:
        model.set_weights(weights)
    except TfdojoError as exc:
        raise TfdojoError(f"RUN: {path} does not fit the model of config.json ({exc})") from None
    return model


def list_runs(folder: str | os.PathLike = "runs") -> list[dict[str, Any]]:
    """Every run folder under ``folder`` (at any depth), newest first.

    Returns:
        One dict per run: ``run``, ``model``, ``data``, ``epochs``, ``finished``
        (``metrics.json``'s date, ISO) and, for a finished run, ``test_accuracy``,
        ``test_ci95``, ``valid_accuracy``, ``test_n``; an unfinished run has
        ``finished=None`` and the epochs recorded so far; an unreadable one ``error``.

    Raises:
        TfdojoError: ``folder`` is not a folder.
    """
    import datetime

    folder = Path(folder)
    if not folder.is_dir():
        raise TfdojoError(f"FOLDER: {folder} is not a folder; expected one holding run folders")
    found = []
    for config in sorted(folder.rglob("config.json")):
        run_dir = config.parent
        if not is_run(run_dir):
            continue
        entry: dict[str, Any] = {"run": str(run_dir)}
        try:
            if (run_dir / "metrics.json").exists():
                run = open_run(run_dir)
                m = run.metrics
                when = (run_dir / "metrics.json").stat().st_mtime
                entry.update(
                    model=run.name,
                    data=m.get("data"),
                    epochs=m.get("epochs"),
                    finished=datetime.datetime.fromtimestamp(when).isoformat(timespec="seconds"),
                    test_accuracy=m.get("test_accuracy"),
                    test_ci95=m.get("test_ci95"),
                    valid_accuracy=m.get("valid_accuracy"),
                    test_n=m["test_n"],
                )
            else:
                cfg = read_json(config, "config")
                if not all(isinstance(cfg.get(k) or {}, dict) for k in ("model", "data")):
                    raise TfdojoError(f"{config}: 'model' and 'data': expected objects")
                entry.update(
                    model=(cfg.get("model") or {}).get("name"),
                    data=(cfg.get("data") or {}).get("path"),
                    epochs=len(read_history(run_dir)),
                    finished=None,
                )
        except TfdojoError as exc:
            entry.update(error=str(exc))
        found.append(entry)
    return sorted(found, key=lambda e: e.get("finished") or "9999", reverse=True)


def best_run(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The finished run with the best *validation* accuracy: choosing by test accuracy
    would tune the choice to the test set, which then no longer measures it."""
    finished = [e for e in entries if e.get("valid_accuracy") is not None]
    return max(finished, key=lambda e: e["valid_accuracy"], default=None)


def format_runs(entries: list[dict[str, Any]]) -> str:
    """The table ``tfdojo runs`` prints."""
    rows = [("run", "model", "epochs", "test acc (95% CI)", "valid acc", "finished")]
    for e in entries:
        if "error" in e:
            rows.append((e["run"], "?", "", f"unreadable: {e['error'][:60]}", "", ""))
        elif e["finished"] is None:
            rows.append((e["run"], str(e["model"]), str(e["epochs"]), "unfinished", "", ""))
        else:
            lo, hi = e["test_ci95"] or (0.0, 1.0)
            test = f"{e['test_accuracy']:.2%} ({lo:.1%}-{hi:.1%})"
            valid = f"{e['valid_accuracy']:.2%}" if e["valid_accuracy"] is not None else ""
            when = e["finished"].replace("T", " ")
            rows.append((e["run"], str(e["model"]), str(e["epochs"]), test, valid, when))
    return aligned(rows)


def model_class_for(run_dir: str | os.PathLike, classes: dict[str, type]):
    """The class among ``classes`` (``--model-code``, by name) for a run of a learner's
    model: the one of the name the run records, or the only one given; ``None`` else."""
    if not classes:
        return None
    try:
        name = read_json(Path(run_dir) / "config.json", "config")["model"]["name"]
    except (TfdojoError, KeyError, TypeError):
        name = None
    if name in classes:
        return classes[name]
    return next(iter(classes.values())) if len(classes) == 1 else None


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
    from tfdojo.data.frame import frame_image, open_image

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
