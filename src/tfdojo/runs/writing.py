"""Writing a run folder: made ready, locked, its config, history, weights and test split.

:class:`tfdojo.training.callbacks.RunFolder` calls these as a run trains, the same for every
engine, so evaluation cannot tell the engines apart.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import __version__
from tfdojo.core.atomic import atomic_open, ensure_dir, write_json
from tfdojo.core.errors import TfdojoError
from tfdojo.data.dataset import SPLITS, array_sha256, make_split, save
from tfdojo.runs.files import LOCK, RESUMABLE_KEYS, WEIGHTS, is_run, read_json


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
        if "data" in config:
            _check_same_data(run_dir, recorded_data(path, saved), config["data"])
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
        import fcntl  # POSIX only: Windows has no flock
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
    sha = {}
    for name in SPLITS:
        split = data.split(name)
        sha[f"{name}_images"] = array_sha256(split.images)
        sha[f"{name}_labels"] = array_sha256(split.labels)
    path = getattr(data, "path", None)
    return {"path": str(path) if path else None, "sha256": sha}


def recorded_data(path: Path, saved: dict[str, Any]) -> dict[str, Any]:
    """The ``"data"`` record of a saved ``config.json`` (``path``): the dataset's folder and
    the sha256 of every array the run trained on, checked.

    Raises:
        TfdojoError: no such record: the data a resumed run continues on could not be
            checked to be the data it started on, so it is refused.
    """
    data = saved.get("data")
    sha = data.get("sha256") if isinstance(data, dict) else None
    path_ok = isinstance(data, dict) and isinstance(data.get("path"), str | None)
    if not path_ok or not isinstance(sha, dict) or not sha:
        raise TfdojoError(
            f"--resume: {path} records no sha256 of the data the run trained on "
            f'(expected "data": {{"path": ..., "sha256": {{...}}}}), so resuming could train '
            "it on other data unseen; refused: train a new run"
        )
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in sha.items()):
        raise TfdojoError(f"--resume: {path}: data.sha256 expects hex digests by array name")
    return data


def _check_same_data(run_dir: Path, saved: dict[str, Any], now: dict[str, Any]) -> None:
    differ = sorted(k for k, v in now["sha256"].items() if saved["sha256"].get(k) != v)
    if differ:
        raise TfdojoError(
            f"--resume: {run_dir} was trained on {saved.get('path') or 'data held in memory'}, "
            f"but {now.get('path') or 'the data given'} holds other images or labels "
            f"({', '.join(differ)}); resume on the same dataset (--data)"
        )


def save_weights(model, run_dir: str | os.PathLike) -> Path:
    """``RUN/weights.npz``: every parameter by name (``conv1.w``, ...), float32."""
    path = Path(run_dir) / WEIGHTS
    with atomic_open(path, "wb") as f:
        np.savez(f, **model.get_weights())
    return path


def save_test_split(run_dir: Path, test) -> Path:
    """Keep an in-memory dataset's test split in ``RUN/data/`` so reports and compare find it.

    A run trained on data that was never saved (a subsample made in a notebook or a
    lesson) still records the exact test images it was measured on.
    """
    empty = make_split(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    manifest = {"source": "test split of an in-memory dataset", "tfdojo_version": __version__}
    save(run_dir / "data", {"train": empty, "valid": empty, "test": test}, manifest)
    return run_dir / "data"
