"""Every run under a folder, as ``tfdojo runs`` lists them, and the one to pick."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

from tfdojo.core.errors import TfdojoError
from tfdojo.core.text import aligned
from tfdojo.runs.files import is_run, read_history, read_json
from tfdojo.runs.reading import open_run


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
            lo, hi = e["test_ci95"] or (0.0, 1.0)  # checked by open_run: two numbers 0..1
            acc = e["test_accuracy"]
            test = "?" if acc is None else f"{acc:.2%} ({lo:.1%}-{hi:.1%})"
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
