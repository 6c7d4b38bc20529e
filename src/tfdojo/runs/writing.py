"""Writing a run folder: made ready, locked, its config, history, weights and test split.

:class:`tfdojo.training.callbacks.RunFolder` calls these as a run trains, the same for every
engine, so evaluation cannot tell the engines apart.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo import __version__
from tfdojo.core import safe_write
from tfdojo.core.atomic import atomic_open, ensure_dir, write_json
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_write import Output, inside
from tfdojo.data.dataset import SPLITS, array_sha256, make_split, save
from tfdojo.runs.files import (
    ADDED_KEYS,
    LOCK,
    RESUMABLE_KEYS,
    SAVED_MODEL,
    WEIGHTS,
    is_run,
    read_json,
)

RUN = Output("run", "a run folder", recognise=is_run, names=frozenset({LOCK}))
"""A run folder, recognised by its ``config.json`` (:func:`tfdojo.runs.files.is_run`), or
one whose training stopped before writing it (it holds only ``.lock``)."""
ENTRIES = ("config.json", "history.json", "metrics.json", WEIGHTS, SAVED_MODEL, "ckpt")
ENTRIES += ("tensorboard", "report", "data", "export", LOCK)
"""What tfdojo writes in a run folder: none may be a link (a resumed run writes them all)."""


def prepare(run_dir: str | os.PathLike, overwrite: bool = False, resume: bool = False) -> Path:
    """Check (and with ``overwrite``, empty) the run folder before training.

    Raises:
        TfdojoError: the folder exists and is not empty, without ``--overwrite`` or
            ``--resume``; ``--overwrite`` of a folder tfdojo did not make (never
            deleted); ``--resume`` of a folder that is not a run, or whose files are
            links (never followed).
    """
    run_dir = Path(run_dir)
    _refuse_if_locked(run_dir)
    if resume:
        if not is_run(run_dir):
            raise TfdojoError(f"--resume: {run_dir} is not a tfdojo run folder (no config.json)")
        for name in ENTRIES:
            inside(run_dir, name)
        return run_dir
    safe_write.prepare(run_dir, RUN, overwrite, hint=" or --resume to continue it")
    if run_dir.is_dir() and any(run_dir.iterdir()):  # an earlier run, and --overwrite
        safe_write.remove(run_dir, RUN)
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
    path = inside(run_dir, "config.json")
    if resume:
        saved = {**ADDED_KEYS, **read_json(path, "config")}  # a key added since: its old value
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
    return write_json(inside(run_dir, "history.json"), {"epochs": history})


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
    path = inside(run_dir, LOCK)
    with open(path, "a+", encoding="utf-8") as f:  # flock needs the file open
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


def _refuse_if_locked(run_dir: Path) -> None:
    """Refuse a folder another process holds ``.lock`` of; the file is only looked at."""
    try:
        import fcntl  # POSIX only: Windows has no flock
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        fd = os.open(run_dir / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return  # no lock file: nobody trains into it
    with os.fdopen(fd, "rb") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = f.read(32).decode("ascii", "replace").strip() or "?"
            raise TfdojoError(
                f"--out: {run_dir} is being trained into by another process (pid {pid}); "
                "wait for it to finish or choose another folder"
            ) from None
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
    path = inside(run_dir, WEIGHTS)
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
    folder = inside(run_dir, "data")
    save(folder, {"train": empty, "valid": empty, "test": test}, manifest)
    return folder
