"""``tfdojo doctor``: real checks on this machine, plus the failure cases made on purpose."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from tfdojo.cli import main
from tfdojo.core import paths, precision
from tfdojo.data import dataset
from tfdojo.training import doctor


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """A fresh, empty cache per test (the shared test cache may hold others' datasets)."""
    monkeypatch.setenv("TFDOJO_DATA", str(tmp_path / "cache"))


def tiny_dataset_in_cache() -> None:
    rng = np.random.default_rng(0)
    splits = {}
    for name, n in (("train", 40), ("valid", 10), ("test", 10)):
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        splits[name] = dataset.make_split(x, np.arange(n) % 10)
    dataset.save(paths.default_data_dir(), splits, {"source": "test"})


def mpl_fonts() -> str:
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


FAST_FONTS = ["--no-system-fonts", "--fonts", mpl_fonts()]
"""matplotlib's ~40 fonts: rendering the system's 2,000 faces would take seconds per test."""


def run_json(capsys):
    code = main(["doctor", "--json", *FAST_FONTS])
    out, err = capsys.readouterr()
    report = json.loads(out)
    return code, {c["name"]: c for c in report["checks"]}, report


def test_doctor_without_data_reports_the_fix(capsys):
    code, checks, report = run_json(capsys)
    assert code == 1 and report["ok"] is False
    assert list(checks) == ["python", "tensorflow", "cpu", "threads", "fonts", "data", "chromium"]
    assert checks["data"]["status"] == "problem"
    assert checks["data"]["fix"] == "tfdojo data build"
    assert checks["python"]["status"] == "ok"
    tf = checks["tensorflow"]
    assert tf["status"] == "ok" and tf["data"]["version"].startswith("2.21.")
    # TensorFlow's pools are fixed once per process: the report must show what is in force.
    import tensorflow

    assert tf["data"]["intra_op_threads"] == (
        tensorflow.config.threading.get_intra_op_parallelism_threads()
    )
    assert checks["threads"]["data"]["threads"] == 1
    fonts = checks["fonts"]["data"]
    assert fonts["files"] >= 30  # DejaVu, STIX, Computer Modern
    assert 20 <= fonts["usable_faces"] < fonts["faces"]  # symbol fonts (cmex, cmsy) are not


def test_doctor_with_data_is_well(capsys):
    tiny_dataset_in_cache()
    code, checks, report = run_json(capsys)
    assert checks["data"]["status"] == "ok"
    assert checks["data"]["data"]["counts"] == {"train": 40, "valid": 10, "test": 10}
    # Fonts or chromium may only warn on a bare machine: warnings do not fail.
    assert code == 0 and report["ok"] is True
    assert all(c["status"] in ("ok", "warning") for c in checks.values())


def test_text_output_puts_the_fix_under_each_problem(capsys):
    code = main(["doctor", *FAST_FONTS])
    out = capsys.readouterr().out
    lines = out.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("PROBLEM  data"))
    assert lines[i + 1].strip() == "fix: tfdojo data build"
    assert code == 1
    assert "1 problem(s)" in out


def test_cpu_flags_and_missing_avx(tmp_path, monkeypatch):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse4_1 sse4_2 avx avx2 fma\n\nprocessor\t: 1\n")
    assert precision.parse_cpu_flags(info.read_text()) == {
        "fpu",
        "sse4_1",
        "sse4_2",
        "avx",
        "avx2",
        "fma",
    }
    monkeypatch.setattr(doctor.platform, "machine", lambda: "x86_64")
    c = doctor.check_cpu(info)
    assert c.status == "ok" and c.data["features"] == ["sse4_1", "sse4_2", "avx", "avx2", "fma"]
    info.write_text("flags\t\t: fpu sse4_1 sse4_2\n")
    c = doctor.check_cpu(info)
    assert c.status == "problem" and "need AVX" in c.detail and c.fix


def test_browser_found_or_fix_given(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    c = doctor.check_browser()
    assert c.status == "warning" and c.fix.endswith("install-system-deps.sh --browser")
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    c = doctor.check_browser()
    assert c.status == "ok" and c.detail == str(fake)


def test_too_many_threads_warns():
    cores = os.cpu_count() or 1
    c = doctor.check_threads(cores + 1)
    assert (c.status, c.fix) == ("warning", f"tfdojo --threads {cores} ...")
    assert doctor.check_threads(cores).status == "ok"


@pytest.mark.parametrize("manifest", ["{not json", '{"counts": {}}'])
def test_broken_manifest_is_a_problem(manifest):
    tiny_dataset_in_cache()
    (paths.default_data_dir() / "manifest.json").write_text(manifest)
    c = doctor.check_data()
    assert c.status == "problem" and "unreadable manifest" in c.detail


def test_no_fonts_or_only_broken_fonts_is_a_problem(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    c = doctor.check_fonts([empty], system_fonts=False)
    assert c.status == "problem" and "holds no font files" in c.detail
    assert c.fix.startswith("sudo sh scripts/install-system-deps.sh")
    (empty / "broken.ttf").write_bytes(b"not a font at all")
    c = doctor.check_fonts([empty], system_fonts=False)
    assert c.status == "problem"
    assert c.data == {"files": 1, "faces": 1, "usable_faces": 0}
