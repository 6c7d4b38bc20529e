"""One module per command group; each defines ``register(subparsers)``.

:func:`add_command` adds a subcommand with the options every command shares
(``--threads``) and an example in its ``--help``.
"""

from __future__ import annotations

import argparse

from tfdojo.core.errors import TfdojoError


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in epilogs as written."""


def add_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--threads N``: accepted before or after the subcommand."""
    parser.add_argument(
        "--threads",
        metavar="N",
        default=argparse.SUPPRESS,
        help="threads/processes to compute with, 1..1024 (default: $TFDOJO_THREADS or every core)",
    )


def add_command(
    sub, name: str, help: str, example: str, description: str | None = None, threads: bool = True
):
    """Add a subcommand parser with the shared options and an example epilog.

    ``threads=False`` for commands that compute nothing worth threads (no ``--threads``).
    """
    p = sub.add_parser(
        name,
        help=help,
        description=description or help,
        epilog=f"Example:\n  {example}",
        formatter_class=HelpFormatter,
    )
    if threads:
        add_threads_option(p)
    return p


def add_model_code_option(parser: argparse.ArgumentParser) -> None:
    """``--model-code PATH.py:NAME``: the class of a run trained on a learner's own model."""
    parser.add_argument(
        "--model-code",
        metavar="PATH.py:NAME",
        action="append",
        default=[],
        help="for a run trained with --model PATH.py:NAME: the class to rebuild it with "
        "(tfdojo never imports code a run folder names); repeat for two such runs",
    )


def model_classes(args: argparse.Namespace) -> dict[str, type]:
    """The classes of ``--model-code``, by name (as runs record it in model.name)."""
    from tfdojo.models.learner import load_class, parse_reference  # TensorFlow: tf.Module

    return {
        parse_reference(ref, "--model-code")[1]: load_class(ref, "--model-code")
        for ref in args.model_code
    }


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """``--data DIR`` (or the folder as the first argument): the dataset a command reads."""
    parser.add_argument(
        "--data", metavar="DIR", help="dataset folder (default: the tfdojo cache's)"
    )
    parser.add_argument("dir", nargs="?", metavar="DIR", help=argparse.SUPPRESS)


def data_folder(args: argparse.Namespace):
    """The dataset folder of ``--data`` (or the positional folder); ``None``: the cache's."""
    if args.data and args.dir and args.data != args.dir:
        raise TfdojoError(f"--data: given twice, {args.data!r} and {args.dir!r}; keep one")
    return args.data or args.dir


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    """``--quiet`` (or ``--no-progress``): no progress bars, the same flag on every command."""
    parser.add_argument(
        "--quiet",
        "--no-progress",
        dest="quiet",
        action="store_true",
        help="no progress bar (--no-progress is the same)",
    )


def add_overwrite_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--overwrite``: replace an earlier output of tfdojo's at ``--out``, never anything else
    (:func:`tfdojo.core.safe_write.prepare`)."""
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help=f"replace an existing {what} that tfdojo wrote (never anything else)",
    )
