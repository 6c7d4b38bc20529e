"""TensorFlow imported quietly, with the thread count in force, before it runs anything.

:func:`configure_tensorflow` must run before TensorFlow executes any op: its thread pools
are fixed then. TensorFlow's C++ start-up banners are kept off the terminal
(:class:`CapturedFd2`), and :func:`quiet_tensorflow` hushes its Python log for a block.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

from tfdojo.core.threads import threads

# Start-up banners TensorFlow's C++ side writes to stderr before its log settings apply.
_TF_NOISE = (
    "oneDNN custom operations",
    "absl::InitializeLog",
    "cpu_feature_guard",
    "rebuild TensorFlow",
)


def configure_tensorflow(n: int | None = None):
    """Import TensorFlow with ``n`` intra-op and inter-op threads; return the module.

    Safe to call more than once: TensorFlow only accepts the setting before its
    runtime starts, and later calls with the same ``n`` are no-ops.
    """
    n = threads() if n is None else n
    tf = import_tensorflow()

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:
        pass  # runtime already initialised; keep the first setting
    return tf


def import_tensorflow():
    """Import TensorFlow without its start-up banners; any other stderr output is kept.

    TensorFlow 2.21 logs "oneDNN custom operations are on..." through absl before
    ``TF_CPP_MIN_LOG_LEVEL`` applies, so the import runs with file descriptor 2
    redirected to a temporary file, whose other lines are printed afterwards.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with CapturedFd2(keep=lambda line: not any(marker in line for marker in _TF_NOISE)):
        import tensorflow as tf  # the first import of TensorFlow: its banners captured
    return tf


class CapturedFd2:
    """Send file descriptor 2 (where TensorFlow's C++ code logs) to a temporary file
    meanwhile; afterwards print the lines ``keep`` accepts (all by default), or none once
    :meth:`drop` was called (the caller turns what was logged into one line of its own)."""

    def __init__(self, keep=lambda line: True):
        self._keep = keep

    def __enter__(self) -> CapturedFd2:
        sys.stderr.flush()
        self._saved = os.dup(2)
        self._log = tempfile.TemporaryFile()
        os.dup2(self._log.fileno(), 2)
        return self

    def drop(self) -> None:
        self._keep = lambda line: False

    def __exit__(self, *exc_info) -> None:
        os.dup2(self._saved, 2)
        os.close(self._saved)
        with self._log:
            self._log.seek(0)
            lines = self._log.read().decode("utf-8", "replace").splitlines()
        for line in lines:
            if self._keep(line):
                print(line, file=sys.stderr)


@contextlib.contextmanager
def quiet_tensorflow(level: str = "ERROR"):
    """Within the block, TensorFlow's Python log shows only ``level`` and above.

    For what tfdojo does on purpose and TensorFlow reports anyway: "INFO: Assets written"
    for every SavedModel (a notebook shows each), and the "retracing" warning when a
    lesson builds one model after another.
    """
    logger = configure_tensorflow().get_logger()
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)
