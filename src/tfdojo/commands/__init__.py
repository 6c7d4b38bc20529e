"""One module per command group; each defines ``register(subparsers)``.

:func:`add_command` adds a subcommand with the options every command shares
(``--threads``) and an example in its ``--help``.
"""

from __future__ import annotations

import argparse


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in epilogs as written."""


def add_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--threads N``: accepted before or after the subcommand."""
    parser.add_argument(
        "--threads",
        metavar="N",
        default=argparse.SUPPRESS,
        help="threads/processes to compute with (default: $TFDOJO_THREADS or every core)",
    )


def add_command(sub, name: str, help: str, example: str, description: str | None = None):
    """Add a subcommand parser with the shared options and an example epilog."""
    p = sub.add_parser(
        name,
        help=help,
        description=description or help,
        epilog=f"Example:\n  {example}",
        formatter_class=HelpFormatter,
    )
    add_threads_option(p)
    return p
