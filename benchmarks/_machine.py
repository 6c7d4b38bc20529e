"""The machine a benchmark ran on, in one line, for the first line of every table.

::

    from _machine import cpu_kind
    print(cpu_kind())
    # Intel(R) Xeon(R) Processor, 2 cores: AVX-512, AVX512-BF16, AMX; capped: ONEDNN_MAX_CPU_ISA=...

A figure without the CPU it was measured on cannot be compared: the same run differs 3x
between an AVX2 laptop and a server with AMX. ``ONEDNN_MAX_CPU_ISA`` (oneDNN's cap on the
instructions it uses, which TensorFlow and PyTorch both honour) and PyTorch's
``ATEN_CPU_CAPABILITY`` are named when set: a run capped at AVX2 imitates an AVX2 CPU's
kernels, not its clock, caches or memory.
"""

from __future__ import annotations

import os

FEATURES = (  # (flag in /proc/cpuinfo, name), most telling first
    ("avx512f", "AVX-512"),
    ("avx512_bf16", "AVX512-BF16"),
    ("amx_bf16", "AMX"),
    ("avx2", "AVX2"),
)


ISA_CAPS = ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY")


def cpu_kind(cpuinfo: str = "/proc/cpuinfo") -> str:
    """``"<model name>, <n> cores: <features>"`` and any ISA cap in force."""
    model, flags = "unknown CPU", set()
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and model == "unknown CPU":
                    model = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    names = [name for flag, name in FEATURES if flag in flags]
    if "AVX-512" in names:
        names.remove("AVX2")  # implied
    text = f"{model}, {os.cpu_count()} cores: {', '.join(names) or 'no AVX2'}"
    caps = [f"{k}={os.environ[k]}" for k in ISA_CAPS if os.environ.get(k)]
    return text + (f"; capped: {', '.join(caps)}" if caps else "")
