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

import contextlib
import os
import sys
import tempfile

from tfdojo.core.errors import TfdojoError

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
    with CapturedFd2(keep=lambda line: not any(marker in line for marker in _TF_NOISE)):
        import tensorflow as tf
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


# -- what the hardware computes natively ------------------------------------------------------

BFLOAT16_FLAGS = ("amx_bf16", "avx512_bf16")
"""CPU features that compute bfloat16 natively (Intel AMX, AVX512-BF16)."""


def parse_cpu_flags(cpuinfo: str) -> set[str]:
    """The ``flags`` of the first processor in a ``/proc/cpuinfo`` text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def cpu_flags(cpuinfo_path: str | os.PathLike = "/proc/cpuinfo") -> set[str]:
    """This CPU's feature flags (empty where ``/proc/cpuinfo`` is missing).

    ``$TFDOJO_CPU_FLAGS`` (space-separated) replaces them: ``TFDOJO_CPU_FLAGS=avx2`` shows
    what ``--precision auto`` picks on a CPU without bfloat16 units.
    """
    if "TFDOJO_CPU_FLAGS" in os.environ:
        return set(os.environ["TFDOJO_CPU_FLAGS"].split())
    try:
        with open(cpuinfo_path, encoding="utf-8", errors="replace") as f:
            return parse_cpu_flags(f.read())
    except OSError:
        return set()


def resolve_precision(
    precision: str, engine: str = "tensorflow", kind: str = ""
) -> tuple[str, str]:
    """``(float32 | bfloat16, why)``: what a run computes in, and why.

    ``auto`` is bfloat16 where the hardware computes it natively (a CPU with AMX or
    AVX512-BF16, or a GPU of compute capability 8.0 or more) and float32 elsewhere;
    the NumPy engine, and ``auto`` for a model of the learner's own (``kind`` "learner"), are
    float32: bfloat16 needs every layer to cast its weights to its input's dtype. ``auto``
    keeps the logistic model (``kind``) in float32 too: one 784 x 10 product per image
    is too little work for bfloat16 to pay for its casts (measured 0.9x).

    Raises:
        TfdojoError: ``bfloat16`` asked of the NumPy engine.
    """
    if engine != "tensorflow":
        if precision == "bfloat16":
            raise TfdojoError(
                "precision: bfloat16 runs on --engine tensorflow only; "
                "the NumPy engine computes in float32"
            )
        return "float32", "the NumPy engine computes in float32"
    if precision != "auto":
        return precision, "asked for"
    if kind == "learner":
        return "float32", "auto: a model of your own computes in float32"
    if kind == "logistic":
        return "float32", "auto: the logistic model is too small for bfloat16 to pay"
    units = [f for f in BFLOAT16_FLAGS if f in cpu_flags()]
    if units:
        return "bfloat16", f"auto: this CPU computes bfloat16 natively ({', '.join(units)})"
    tf = configure_tensorflow()
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability and tuple(capability) >= (8, 0):
            return "bfloat16", f"auto: the GPU computes bfloat16 natively ({capability})"
    return "float32", "auto: no bfloat16 units on this CPU (AMX or AVX512-BF16)"


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
