"""The ``tfdojo`` command: parse, call one library function, print.

Each subcommand lives in :mod:`tfdojo.cli.commands` as a module with
``register(subparsers)``; it imports NumPy/TensorFlow inside its handler, after
``--threads`` has sized the thread pools. No logic lives only here.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tfdojo import __version__
from tfdojo.cli.commands import (
    compare,
    data,
    docs,
    doctor,
    dojo,
    evaluate,
    explain,
    export,
    kata,
    launch,
    lesson,
    lessons,
    params,
    play,
    predict,
    report,
    runs,
    shapes,
    stats,
    tensorboard,
    train,
)
from tfdojo.cli.options import HelpFormatter, add_threads_option
from tfdojo.core.errors import TfdojoError
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.core.threads import parse_threads, set_threads

COMMANDS = (
    doctor,
    data,
    train,
    evaluate,
    predict,
    export,
    play,
    params,
    explain,
    shapes,
    compare,
    stats,
    report,
    runs,
    tensorboard,
    launch,
    lesson,
    lessons,
    kata,
    dojo,
    docs,
)
"""Every command module, in the order of ``tfdojo --help``; each declares its ``NAME`` and
whether it ``NEEDS_TENSORFLOW`` (then the thread pools are set before anything imports it)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfdojo",
        description="A TensorFlow dojo on notMNIST: build the data from your fonts, "
        "train the workshop's models, check back-propagation by hand, test significance.",
        epilog="Example:\n  tfdojo data build && tfdojo train --model cnn\n\n"
        "Run `tfdojo COMMAND --help` for each command's options and an example.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tfdojo {__version__}")
    add_threads_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in COMMANDS:
        command.register(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill PID``, a service manager, a CI timeout), raised in the main thread as
    Ctrl-C's KeyboardInterrupt is, so that the same clean-up runs: worker processes are
    stopped and joined, temporary files removed, nothing half-written is left behind."""


def _terminate(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends at once
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tfdojo`` console script; returns the exit status.

    SIGTERM is handled as Ctrl-C is (:class:`Terminated`), while the command runs.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if threading.current_thread() is not threading.main_thread():
        return _run(args)  # signal handlers belong to the main thread
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command: its exit status, and one line for a user's error."""
    try:
        n = parse_threads(getattr(args, "threads", None))
        set_threads(n)  # BLAS pools and child processes
        args.threads_given = getattr(args, "threads", None) is not None
        args.threads = n  # every handler passes it on explicitly
        if any(args.command == c.NAME and c.NEEDS_TENSORFLOW for c in COMMANDS):
            configure_tensorflow(n)  # before any module imports it: sets the pools, hides banners
        return int(args.func(args) or 0)
    except TfdojoError as exc:
        print(f"tfdojo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        how = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"tfdojo: {how}; nothing half-written was left behind", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"tfdojo: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
