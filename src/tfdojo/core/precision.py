"""What the hardware computes natively, and the precision ``--precision auto`` picks."""

from __future__ import annotations

import os

from tfdojo.core.errors import TfdojoError
from tfdojo.core.tf_setup import configure_tensorflow

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
