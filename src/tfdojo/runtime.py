"""Thread counts, set explicitly and early, for every library that computes.

With two cores, contention changes results a lot, so tfdojo never leaves thread
counts to chance: ``--threads N`` (or ``$TFDOJO_THREADS``) sets the number of
worker processes, TensorFlow's intra- and inter-op pools and the BLAS pools.
The default is every core.

BLAS pools are sized from environment variables read when NumPy is first imported,
so :func:`set_threads` must run before NumPy is imported (the CLI calls it first);
:func:`configure_tensorflow` must run before TensorFlow executes anything.
"""

from __future__ import annotations

import os
import sys
import tempfile

from tfdojo.errors import TfdojoError

# Start-up banners TensorFlow's C++ side writes to stderr before its log settings apply.
_TF_NOISE = (
    "oneDNN custom operations",
    "absl::InitializeLog",
    "cpu_feature_guard",
    "rebuild TensorFlow",
)

_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def parse_threads(value: str | int | None, source: str = "--threads") -> int:
    """Return a thread count >= 1 from ``value``, ``$TFDOJO_THREADS`` or the core count.

    Raises:
        TfdojoError: ``value`` is not a whole number >= 1 (the message echoes it).
    """
    if value is None or value == "":
        env = os.environ.get("TFDOJO_THREADS")
        if env:
            return parse_threads(env, "TFDOJO_THREADS")
        return os.cpu_count() or 1
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if n < 1 or str(value).strip() != str(n):
        raise TfdojoError(f"{source}: expected a whole number >= 1, received {value!r}")
    return n


def set_threads(n: int) -> None:
    """Record ``n`` for child processes and size the BLAS pools (before NumPy loads)."""
    os.environ["TFDOJO_THREADS"] = str(n)
    for var in _BLAS_VARS:
        os.environ[var] = str(n)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def threads() -> int:
    """The thread count in force (``$TFDOJO_THREADS`` or every core)."""
    return parse_threads(None)


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
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode("utf-8", "replace").splitlines()
    for line in lines:
        if not any(marker in line for marker in _TF_NOISE):
            print(line, file=sys.stderr)
    return tf
