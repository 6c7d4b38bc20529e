"""``tfdojo lessons``: the four lessons, their notebooks, and how to open them in Jupyter."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

from tfdojo.cli.options import add_command
from tfdojo.core.errors import TfdojoError

NAME = "lessons"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="list the lessons and their notebooks; `open` starts Jupyter Lab on them",
        example="tfdojo lessons open",
        description="List the four lessons, their commands and notebooks. `tfdojo lessons "
        "open` starts Jupyter Lab on the notebooks' folder (install it with "
        "pip install -e '.[notebooks]').",
        threads=False,
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=["list", "open"],
        default="list",
        help="list (default): the lessons, their commands and notebooks; open: Jupyter Lab",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.lessons import NUMBERS, notebooks_dir

    folder = notebooks_dir()
    if args.action == "open":
        if folder is None:
            raise TfdojoError(
                "lessons open: the notebooks live in the repository's lessons/ folder; "
                "clone it and install it with pip install -e '.[notebooks]'"
            )
        if importlib.util.find_spec("jupyterlab") is None:
            raise TfdojoError(
                "lessons open: Jupyter is not installed; run pip install -e '.[notebooks]' "
                f"then jupyter lab {folder}"
            )
        print(f"starting: jupyter lab {folder}")
        os.execv(sys.executable, [sys.executable, "-m", "jupyterlab", str(folder)])
    for n in NUMBERS:
        m = importlib.import_module(f"tfdojo.teaching.lessons.lesson{n}")
        nb = sorted(folder.glob(f"0{n}-*.ipynb")) if folder else []
        print(f"{n}. {m.TITLE}\n   tfdojo lesson {n} [--quick]")
        if nb:
            print(f"   notebook: {nb[0]}")
    print(
        "\nNotebooks: pip install -e '.[notebooks]', then `tfdojo lessons open` "
        f"(or jupyter lab {folder or 'lessons/'}). Solutions: lessons/solutions/."
    )
    return 0
