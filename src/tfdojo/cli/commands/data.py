"""``tfdojo data ...``: build, import, download, inspect and export datasets."""

from __future__ import annotations

from tfdojo.cli.commands import data_fonts, data_real
from tfdojo.cli.options import add_command

NAME = "data"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="build notMNIST from fonts, import/download the real one, inspect, export",
        example="tfdojo data build && tfdojo data info && tfdojo data show --out grid.png",
    )
    group = p.add_subparsers(dest="data_command", metavar="ACTION", title="actions")
    data_fonts.register(group)
    data_real.register(group)
    p.set_defaults(func=lambda args: p.print_help() or 2)
