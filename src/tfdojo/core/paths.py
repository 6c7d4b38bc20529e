"""Where tfdojo keeps its data: a per-user cache, so later commands find it untold.

``$TFDOJO_DATA`` wins; otherwise ``$XDG_CACHE_HOME/tfdojo`` (``~/.cache/tfdojo``).
The default dataset lives in ``<cache>/fonts`` (built from fonts); downloads go to
``<cache>/downloads``.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The root of tfdojo's per-user cache (not created here)."""
    if os.environ.get("TFDOJO_DATA"):
        return Path(os.environ["TFDOJO_DATA"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "tfdojo"


def default_data_dir() -> Path:
    """The folder of the default dataset (``notmnist.npz`` + ``manifest.json``)."""
    return cache_dir() / "fonts"


def downloads_dir() -> Path:
    """Where ``tfdojo data download`` puts archives."""
    return cache_dir() / "downloads"
