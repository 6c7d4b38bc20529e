"""``tfdojo docs``: build this documentation site if needed, and serve it on 127.0.0.1."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tfdojo.cli.options import add_command

NAME = "docs"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="this documentation, offline: build the site if needed and serve it on 127.0.0.1",
        example="tfdojo docs            # then read http://127.0.0.1:8001/; Ctrl-C stops",
        description="Build the documentation site from the repository's mkdocs.yml and docs/ "
        "(mkdocs build --strict; needs the docs extra, pip install -e '.[docs]') into a "
        "folder of its own, only when the sources changed since the last build, then serve "
        "it on 127.0.0.1 and open a browser on it. The site needs no network; its "
        "index.html also opens from disk (all but the search). An installed package has no "
        "docs/: use a clone.",
        threads=False,
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="the site's folder (default: <cache>/docs-site); only a new or empty folder, "
        "or one tfdojo docs built",
    )
    p.add_argument(
        "--build-only",
        action="store_true",
        help="build the site if needed and print where its index.html is; serve nothing",
    )
    p.add_argument("--rebuild", action="store_true", help="build even if the site is up to date")
    p.add_argument(
        "--port",
        type=int,
        default=8001,
        help="port to listen on (default 8001; tfdojo play takes 8000; 0 picks a free one)",
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching import docs_site

    site = Path(args.out).expanduser() if args.out else docs_site.default_site_dir()
    root = docs_site.sources()
    start = time.perf_counter()
    if docs_site.build(root, site, rebuild=args.rebuild):
        print(f"built the documentation in {time.perf_counter() - start:.1f} s: {site}")
    else:
        print(f"the documentation is up to date: {site}")
    if args.build_only:
        print(f"open {site / 'index.html'} (no search from disk), or serve it: tfdojo docs")
        return 0
    docs_site.serve(site, port=args.port, open_browser=not args.no_browser, say=_say)
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
