"""This documentation site on your machine: built from the repository's ``docs/``, served offline.

``tfdojo docs`` builds the site with ``mkdocs build --strict`` (the ``docs`` extra:
mkdocs-material) into a folder of its own, only when the sources changed since the last
build, then serves that folder on 127.0.0.1 with Python's own :mod:`http.server`::

    site = build(sources(), out)      # -> True if it built, False if the site was current
    serve(out, port=8001, open_browser=True, say=print)

The sources (``mkdocs.yml`` and ``docs/``) live in a clone of the repository, beside
``src/tfdojo``; an installed wheel has none, and :func:`sources` says so in one line. The
built site needs no network (no fonts or scripts from elsewhere). Served, everything
works; ``OUT/index.html`` also opens from disk, every page and link but the search
(browsers refuse its worker on ``file://``).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import subprocess
import sys
import urllib.parse
import webbrowser
from collections.abc import Callable
from pathlib import Path

import tfdojo
from tfdojo.core.atomic import write_json
from tfdojo.core.errors import TfdojoError
from tfdojo.core.paths import cache_dir
from tfdojo.core.safe_read import read_json
from tfdojo.core.safe_write import Output, new_folder

ROOT = Path(__file__).resolve().parents[3]
"""The repository this tfdojo runs from, when it runs from a clone (``src/tfdojo/...``)."""
CONFIG = "mkdocs.yml"
STAMP = ".tfdojo-docs.json"
SITE = Output("docs-site", "a site tfdojo docs built", recognise=lambda p: (p / STAMP).is_file())
"""The site's folder: tfdojo's own when it holds the stamp of the sources it was built from."""
"""Written into a site folder after a build: what it was built from (and that tfdojo built it)."""
BUILD_TIMEOUT = 600.0
"""Seconds a build may take (it takes about 5 s on a 2-core machine)."""
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
INSTALL = "pip install -e '.[docs]'"


def default_site_dir() -> Path:
    """Where ``tfdojo docs`` builds the site unless told: ``<cache>/docs-site``."""
    return cache_dir() / "docs-site"


def sources(root: Path | None = None) -> Path:
    """The folder holding ``mkdocs.yml`` and ``docs/`` for this very tfdojo (default
    :data:`ROOT`, the repository around ``src/tfdojo``).

    Raises:
        TfdojoError: no such folder (an installed package, not a clone).
    """
    root = ROOT if root is None else root
    package = Path(tfdojo.__file__).resolve().parent
    if (
        (root / "src" / "tfdojo").resolve() != package
        or not (root / CONFIG).is_file()
        or not (root / "docs").is_dir()
    ):
        raise TfdojoError(
            f"docs: the documentation's sources ({CONFIG} and docs/) are not beside this "
            f"tfdojo ({package}); they come with a clone of the repository: there, run "
            f"{INSTALL}, then tfdojo docs"
        )
    return root


def fingerprint(root: Path) -> list[list]:
    """``[[path, size, mtime_ns], ...]`` of ``mkdocs.yml`` and every file under ``docs/``."""
    files = [root / CONFIG, *sorted((root / "docs").rglob("*"))]
    out = []
    for path in files:
        if path.is_file():
            st = path.stat()
            out.append([path.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns])
    return out


def is_current(root: Path, site: Path) -> bool:
    """Whether ``site`` was built by tfdojo from the sources as they are now."""
    return _stamp(site) == fingerprint(root) and (site / "index.html").is_file()


def build(root: Path, site: str | os.PathLike, rebuild: bool = False) -> bool:
    """Build the site from ``root`` into ``site`` unless it is current; True if it built.

    The build goes into a temporary folder beside ``site`` and is renamed into place, so
    an interrupted or failed build leaves the previous site as it was.

    Raises:
        TfdojoError: ``site`` is a file, inside ``docs/``, or a folder with other content
            than a site tfdojo built; mkdocs-material is not installed; the strict build
            failed (its first warning).
    """
    site = Path(site).expanduser()
    _check_site_dir(root, site)
    if not rebuild and is_current(root, site):
        return False
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        raise TfdojoError(
            "docs: building the site needs mkdocs-material (the docs extra), which is not "
            f"installed; install it with {INSTALL} in {root}"
        )
    stamp = fingerprint(root)
    with new_folder(site, SITE, overwrite=True) as tmp:  # built aside, then swapped in whole
        _mkdocs_build(root, tmp)
        write_json(tmp / STAMP, {"sources": stamp})
    return True


def _check_site_dir(root: Path, site: Path) -> None:
    if site.exists() and not site.is_dir():
        raise TfdojoError(f"--out: expected a folder for the site, received a file: {site}")
    docs = (root / "docs").resolve()
    if site.resolve() == docs or docs in site.resolve().parents:
        raise TfdojoError(
            f"--out: the site cannot go inside the documentation's sources {docs}, received {site}"
        )
    if site.is_dir() and not (site / STAMP).is_file() and any(site.iterdir()):
        raise TfdojoError(
            "--out: expected a new or empty folder, or a site tfdojo docs built, received "
            f"{site}, which holds other files (nothing in it was changed)"
        )


def _mkdocs_build(root: Path, out: Path) -> None:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    command += ["--config-file", str(root / CONFIG), "--site-dir", str(out)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's banner, not a problem
    try:
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise TfdojoError(f"docs: mkdocs build took over {BUILD_TIMEOUT:.0f} s; stopped") from None
    if done.returncode != 0:
        raise TfdojoError(
            f"docs: mkdocs build --strict failed: {mkdocs_problem(done.stdout + done.stderr)}"
        )


def mkdocs_problem(output: str) -> str:
    """The first warning or error of mkdocs' output, without its level and colours."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", ln).strip() for ln in output.splitlines()]
    lines = [ln for ln in lines if ln]
    for line in lines:
        m = re.match(r"^(WARNING|ERROR)\s*-\s*(.*)$", line)
        if m:
            return m.group(2)
    return lines[-1] if lines else "no output"


def _stamp(site: Path) -> list | None:
    try:
        stamp = read_json(site / STAMP, 1024 * 1024, "tfdojo docs' stamp")
    except TfdojoError:
        return None
    return stamp.get("sources") if isinstance(stamp, dict) else None


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's files, to this machine's pages only, without a log line per file."""

    def send_head(self):
        host = urllib.parse.urlsplit(f"//{self.headers.get('Host', '')}").hostname
        if host not in LOOPBACK_NAMES:  # a page elsewhere reaching us through DNS rebinding
            self.send_error(403, "the documentation is served to this machine only")
            return None
        return super().send_head()

    def log_message(self, format, *args):  # noqa: A002 - the name http.server gives it
        pass


def open_server(site: str | os.PathLike, port: int) -> http.server.HTTPServer:
    """An HTTP server for the folder ``site`` on 127.0.0.1:``port`` (0: any free port),
    bound and ready; call ``serve_forever()`` on it.

    Raises:
        TfdojoError: a port out of range, or one that cannot be opened (in use, say).
    """
    if not 0 <= port <= 65535:
        raise TfdojoError(f"--port: expected a port number in 0..65535, received {port}")
    handler = functools.partial(_SiteHandler, directory=str(site))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise TfdojoError(
            f"--port: {port} on 127.0.0.1 cannot be opened ({exc.strerror or exc}); choose "
            f"another, or --port 0 for any free one, received {port}"
        ) from None


def serve(
    site: str | os.PathLike,
    port: int,
    open_browser: bool = True,
    say: Callable[[str], None] = print,
) -> None:
    """Serve ``site`` on 127.0.0.1 until Ctrl-C, saying where; open a browser on it."""
    server = open_server(site, port)
    url = f"http://127.0.0.1:{server.server_port}/"
    say(f"serving the documentation at {url}  (Ctrl-C stops it)")
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.server_close()
