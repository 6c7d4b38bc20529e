"""``tfdojo launch --workers N -- train ...``: N local workers (see distribute.launcher)."""

from __future__ import annotations

import argparse
import os

from tfdojo.cli.options import add_command
from tfdojo.training.launcher import DEFAULT_GRACE

NAME = "launch"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="run `tfdojo train` as N local workers (MultiWorkerMirroredStrategy)",
        example="tfdojo launch --workers 2 -- train --model mlp --epochs 3 --out runs/mlp-2w",
        description="Start N worker processes on this machine (127.0.0.1, free ports), each "
        "running the given `train` command with --strategy multiworker and its own TF_CONFIG; "
        "stream their logs prefixed [w0], [w1], ...; if one fails, stop all of them and exit "
        "with status 1 (on SIGINT/SIGTERM: stop all, exit 128 + the signal). Stopping is "
        "SIGTERM, then SIGKILL after --grace seconds; the launcher waits for every worker, "
        "removes their temporary folders and prints the command that resumes the run. "
        "--threads N gives each worker N threads (default: cores / workers). batch_size "
        "stays the global batch, split over the workers. Note: TensorFlow's gRPC server "
        "listens on every interface (0.0.0.0 and [::]), unauthenticated, not only on "
        "127.0.0.1: run it on a machine whose ports are firewalled or on a private network.",
    )
    p.add_argument(
        "--workers", metavar="N", type=int, default=2, help="worker processes, 1..64 (default 2)"
    )
    p.add_argument(
        "--grace",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_GRACE,
        help="seconds the workers get to stop after SIGTERM (a failure, or Ctrl-C) before "
        f"SIGKILL, 0 to 3600 (default {DEFAULT_GRACE:g})",
    )
    p.add_argument(
        "train_command", metavar="-- train ...", nargs=argparse.REMAINDER, help="the train command"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo.training.launcher import launch

    threads = args.threads if args.threads_given else None  # default: cores / workers
    command = list(args.train_command)
    if command[:1] == ["--"]:
        command = command[1:]
    return launch(command, args.workers, threads=threads, grace=args.grace, cores=os.cpu_count())
