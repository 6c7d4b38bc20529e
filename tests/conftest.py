"""Shared fixtures: small real datasets rendered from fonts every machine has.

matplotlib ships DejaVu, STIX and Computer Modern fonts, so these fixtures work on a
fresh machine without the Debian font packages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HEADLESS_CHROMIUM = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Chromium's flags for the browser tests (add a fresh ``--user-data-dir``): no sandbox
(root in CI), no GPU, and no traffic of its own (updates, sync, QUIC)."""


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never touch the user's real cache from a test."""
    monkeypatch.setenv("TFDOJO_DATA", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("TFDOJO_THREADS", os.environ.get("TFDOJO_TEST_THREADS", "1"))


def matplotlib_font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A small real dataset folder (notmnist.npz + manifest.json) built from matplotlib's fonts."""
    from tfdojo.data.build import build
    from tfdojo.data.build_config import BuildConfig

    out = tmp_path_factory.mktemp("tiny_dataset")
    cfg = BuildConfig(variants=3, seed=0)
    build(
        out, cfg, font_dirs=[matplotlib_font_dir()], system_fonts=False, processes=1, progress=False
    )
    return out


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Selenium through Debian's chromedriver (1400x1000)."""
    import shutil
    import tempfile

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        if os.environ.get("TFDOJO_REQUIRE_BROWSER"):
            pytest.fail("TFDOJO_REQUIRE_BROWSER is set but chromium or chromedriver is missing")
        pytest.skip("chromium or chromedriver (Debian: chromium-driver) is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="tfdojo-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        *HEADLESS_CHROMIUM,
        "--no-proxy-server",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
