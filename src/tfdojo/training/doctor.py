"""The workshop's "Installation" step as a check-up: is this machine ready for the dojo?

Each check returns a :class:`Check`: a name, a status (``ok``, ``warning`` or
``problem``), what was found, and for anything not ok the command that fixes it.
``tfdojo doctor`` prints them (or ``--json``) and exits 1 if any is a problem.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import shutil
import sys
from collections.abc import Iterable
from typing import Any

from tfdojo.core import paths
from tfdojo.core.errors import TfdojoError
from tfdojo.core.precision import cpu_flags
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.data import dataset
from tfdojo.data.build import parallel_map, select_faces
from tfdojo.data.fonts import find_font_files
from tfdojo.data.render import render_file

OK, WARNING, PROBLEM = "ok", "warning", "problem"

PYTHON_RANGE = ((3, 11), (3, 14))
"""Supported Python versions: [3.11, 3.14)."""

TF_SERIES = "2.21"
CPU_FEATURES = ("sse4_1", "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni")
CPU_FEATURES += ("avx512_bf16", "amx_tile")
"""x86 features TensorFlow's kernels (Eigen, oneDNN) use when the CPU has them."""

ENOUGH_FACES = 1500
"""Usable font faces for a full-size dataset (the Debian Latin font set gives ~2,000)."""

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FIX_SYSTEM = "sudo sh scripts/install-system-deps.sh"
FIX_VENV = "make venv   (or: python -m pip install -e '.[dev]')"


@dataclasses.dataclass
class Check:
    """One line of the check-up; ``fix`` is the command that solves a non-ok status."""

    name: str
    status: str
    detail: str
    fix: str | None = None
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


def check_python() -> Check:
    v = sys.version_info
    version = platform.python_version()
    data = {"version": version, "executable": sys.executable}
    lo, hi = PYTHON_RANGE
    if lo <= (v.major, v.minor) < hi:
        return Check("python", OK, f"Python {version} ({sys.executable})", data=data)
    return Check(
        "python",
        PROBLEM,
        f"Python {version}; tfdojo needs {lo[0]}.{lo[1]} to {hi[0]}.{hi[1] - 1}",
        "install Python 3.11-3.13, then: make venv",
        data,
    )


def check_tensorflow(n_threads: int) -> Check:

    try:
        tf = configure_tensorflow(n_threads)
    except Exception as exc:  # noqa: BLE001 - any import failure is the problem to report
        return Check("tensorflow", PROBLEM, f"cannot import TensorFlow ({exc})", FIX_VENV)
    version = tf.__version__
    build = dict(tf.sysconfig.get_build_info())
    onednn = _onednn_enabled()
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        onednn = False
    data = {
        "version": version,
        "onednn": onednn,
        "cuda_build": bool(build.get("is_cuda_build")),
        "devices": [d.device_type for d in tf.config.list_physical_devices()],
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
    }
    kind = "oneDNN on" if onednn else ("oneDNN off" if onednn is False else "oneDNN unknown")
    detail = f"TensorFlow {version} ({kind}; devices: {', '.join(data['devices'])})"
    if not version.startswith(TF_SERIES + "."):
        return Check("tensorflow", PROBLEM, f"{detail}; tfdojo needs {TF_SERIES}.x", FIX_VENV, data)
    return Check("tensorflow", OK, detail, data=data)


def _onednn_enabled() -> bool | None:
    try:  # not public API; TensorFlow has no public switch to ask
        from tensorflow.python.util import _pywrap_util_port  # TensorFlow's: doctor reports it

        return bool(_pywrap_util_port.IsMklEnabled())
    except Exception:  # noqa: BLE001
        return None


def check_cpu(cpuinfo_path: str | os.PathLike = "/proc/cpuinfo") -> Check:
    machine = platform.machine().lower()

    flags = cpu_flags(cpuinfo_path)
    used = [f for f in CPU_FEATURES if f in flags]
    data = {"machine": machine, "cores": os.cpu_count(), "features": used}
    if not flags:
        return Check("cpu", OK, f"{machine}, {os.cpu_count()} cores (features unknown)", data=data)
    detail = f"{machine}, {os.cpu_count()} cores; TensorFlow can use: {' '.join(used) or 'none'}"
    if machine in ("x86_64", "amd64") and "avx" not in flags:
        return Check(
            "cpu",
            PROBLEM,
            detail + "; TensorFlow's x86 wheels need AVX",
            "use a machine (or VM CPU model) with AVX",
            data,
        )
    return Check("cpu", OK, detail, data=data)


def check_threads(n: int) -> Check:
    cores = os.cpu_count() or 1
    data = {"threads": n, "cores": cores, "TFDOJO_THREADS": os.environ.get("TFDOJO_THREADS")}
    detail = f"{n} threads (--threads / $TFDOJO_THREADS; {cores} cores)"
    if n > cores:
        return Check(
            "threads",
            WARNING,
            detail + "; more threads than cores slows TensorFlow down",
            f"tfdojo --threads {cores} ...",
            data,
        )
    return Check("threads", OK, detail, data=data)


def check_fonts(
    font_dirs: Iterable[str | os.PathLike] = (), system_fonts: bool = True, processes: int = 1
) -> Check:
    """Font files and faces found, and how many faces are usable for A-J.

    A face is usable when ``tfdojo data build`` would use it
    (:func:`tfdojo.data.build.select_faces`). Rendering ~2,000 faces takes a few seconds.
    """

    fix = FIX_SYSTEM + "   (or: tfdojo data build --fonts DIR)"
    try:
        files = find_font_files(font_dirs, system_fonts)
    except TfdojoError as exc:
        return Check("fonts", PROBLEM, str(exc), fix)
    rendered = parallel_map(render_file, [str(f) for f in files], processes, "fonts", False)
    faces = [face for group in rendered for face in group]
    n_usable = len(select_faces(faces)[0])
    data = {"files": len(files), "faces": len(faces), "usable_faces": n_usable}
    detail = f"{len(files)} font files, {len(faces)} faces, {n_usable} usable for A-J"
    if n_usable == 0:
        return Check("fonts", PROBLEM, detail, fix, data)
    if n_usable < ENOUGH_FACES:
        return Check(
            "fonts", WARNING, f"{detail}; {ENOUGH_FACES}+ give a full-size dataset", fix, data
        )
    return Check("fonts", OK, detail, data=data)


def check_data() -> Check:

    cache = paths.cache_dir()
    d = paths.default_data_dir()
    downloads = sorted(p.name for p in paths.downloads_dir().glob("*.tar.gz"))
    data: dict[str, Any] = {"cache": str(cache), "dataset": str(d), "downloads": downloads}
    if not dataset.exists(d):
        return Check("data", PROBLEM, f"no dataset in {d}", "tfdojo data build", data)
    try:
        manifest = dataset.read_manifest(d / dataset.MANIFEST_NAME)
        counts = {s: int(manifest["counts"][s]["total"]) for s in dataset.SPLITS}
    except (TfdojoError, ValueError, KeyError, TypeError) as exc:
        return Check(
            "data", PROBLEM, f"{d}: unreadable manifest ({exc})", "tfdojo data build", data
        )
    size = (d / dataset.NPZ_NAME).stat().st_size
    data.update(counts=counts, npz_bytes=size)
    split_text = ", ".join(f"{s} {n:,}" for s, n in counts.items())
    detail = f"{d}: {split_text} images ({size / 1e6:.1f} MB)"
    if downloads:
        detail += f"; downloads: {', '.join(downloads)}"
    return Check("data", OK, detail, data=data)


def check_browser() -> Check:
    found = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if found:
        return Check("chromium", OK, found, data={"path": found})
    return Check(
        "chromium",
        WARNING,
        "no chromium/chrome on PATH (only the report tests need it)",
        FIX_SYSTEM + " --browser",
    )


def run_checks(
    threads: int, font_dirs: Iterable[str | os.PathLike] = (), system_fonts: bool = True
) -> list[Check]:
    """Every check, in the order the workshop's installation step goes.

    Args:
        threads: the threads tfdojo computes with (``--threads``).
        font_dirs, system_fonts: where to look for fonts, as for ``tfdojo data build``.
    """
    n = threads
    return [
        check_python(),
        check_tensorflow(n),
        check_cpu(),
        check_threads(n),
        check_fonts(font_dirs, system_fonts, n),
        check_data(),
        check_browser(),
    ]


def has_problem(checks: list[Check]) -> bool:
    return any(c.status == PROBLEM for c in checks)


def format_text(checks: list[Check]) -> str:
    """One line per check, and under each that is not ok the command that fixes it."""
    marks = {OK: "ok     ", WARNING: "warning", PROBLEM: "PROBLEM"}
    lines = []
    for c in checks:
        lines.append(f"{marks[c.status]}  {c.name:10} {c.detail}")
        if c.fix:
            lines.append(f"{'':9}  {'':10} fix: {c.fix}")
    n = sum(c.status == PROBLEM for c in checks)
    w = sum(c.status == WARNING for c in checks)
    lines.append("")
    lines.append(
        "all is well" if not n and not w else f"{n} problem(s), {w} warning(s): see the fix lines"
    )
    return "\n".join(lines)


def to_json(checks: list[Check]) -> str:
    return json.dumps(
        {"ok": not has_problem(checks), "checks": [dataclasses.asdict(c) for c in checks]},
        indent=2,
        sort_keys=True,
    )
