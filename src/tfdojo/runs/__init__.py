"""A run folder: what a training run leaves behind, written, read and listed here only.

- :mod:`~tfdojo.runs.files`: the files and their format (``config.json``, ``history.json``,
  ``metrics.json``, ``weights.npz``, ...);
- :mod:`~tfdojo.runs.writing`: a folder made ready and locked, then written as a run trains;
- :mod:`~tfdojo.runs.reading`: :func:`open_run`, the one reader, and :class:`Run`;
- :mod:`~tfdojo.runs.listing`: every run under a folder (``tfdojo runs``);
- :mod:`~tfdojo.runs.inference`: a run's answers (``evaluate``, ``predict``, play).
"""

from tfdojo.runs.files import (
    ADDED_KEYS,
    CREATED_BY,
    LOCK,
    RESUMABLE_KEYS,
    SAVED_MODEL,
    WEIGHTS,
    history_row,
    history_summary,
    is_run,
    read_history,
    read_json,
)
from tfdojo.runs.inference import (
    accuracy_summary,
    evaluate,
    load_model,
    predict_files,
    predictions,
)
from tfdojo.runs.listing import best_run, format_runs, list_runs, model_class_for
from tfdojo.runs.reading import Run, open_run
from tfdojo.runs.writing import (
    data_record,
    lock,
    prepare,
    recorded_data,
    save_test_split,
    save_weights,
    start,
    write_history,
)

__all__ = [
    "CREATED_BY",
    "LOCK",
    "ADDED_KEYS",
    "RESUMABLE_KEYS",
    "SAVED_MODEL",
    "WEIGHTS",
    "Run",
    "accuracy_summary",
    "best_run",
    "data_record",
    "evaluate",
    "format_runs",
    "history_row",
    "history_summary",
    "is_run",
    "list_runs",
    "load_model",
    "lock",
    "model_class_for",
    "open_run",
    "predict_files",
    "predictions",
    "prepare",
    "read_history",
    "read_json",
    "recorded_data",
    "save_test_split",
    "save_weights",
    "start",
    "write_history",
]
