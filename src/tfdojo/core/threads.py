"""Thread counts, set explicitly and early, for every library that computes.

With two cores, contention changes results a lot, so tfdojo never leaves thread
counts to chance: ``--threads N`` (or ``$TFDOJO_THREADS``) sets the number of
worker processes, TensorFlow's intra- and inter-op pools
(:func:`tfdojo.core.tf_setup.configure_tensorflow`) and the BLAS pools.
The default is every core.

BLAS pools are sized from environment variables read when NumPy is first imported,
so :func:`set_threads` must run before NumPy is imported (the CLI calls it first).
"""

from __future__ import annotations

import os

from tfdojo.core.bounds import parse_whole

_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")

MAX_THREADS = 1024
"""Most threads (and worker processes) asked for: more than the largest machines' cores.
Each is a thread in every pool (TensorFlow's two, BLAS's) or a process of ``data build``."""


def parse_threads(value: str | int | None, source: str = "--threads") -> int:
    """Return a thread count in 1..1024 from ``value``, ``$TFDOJO_THREADS`` or the core count.

    Raises:
        TfdojoError: ``value`` is not a whole number in 1..1024 (:data:`MAX_THREADS`; the
            message echoes it).
    """
    if value is None or value == "":
        env = os.environ.get("TFDOJO_THREADS")
        if env:
            return parse_threads(env, "TFDOJO_THREADS")
        return min(os.cpu_count() or 1, MAX_THREADS)
    return parse_whole(source, str(value), 1, MAX_THREADS)


def set_threads(n: int) -> None:
    """Record ``n`` for child processes and size the BLAS pools (before NumPy loads)."""
    os.environ["TFDOJO_THREADS"] = str(n)
    for var in _BLAS_VARS:
        os.environ[var] = str(n)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def threads() -> int:
    """The thread count in force (``$TFDOJO_THREADS`` or every core)."""
    return parse_threads(None)
