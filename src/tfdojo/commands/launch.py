"""``tfdojo launch --workers N -- train ...``: N local workers (see distribute.launcher)."""

from __future__ import annotations

import argparse

from tfdojo.commands import add_command


def register(sub) -> None:
    p = add_command(
        sub,
        "launch",
        help="run `tfdojo train` as N local workers (MultiWorkerMirroredStrategy)",
        example="tfdojo launch --workers 2 -- train --model mlp --epochs 3 --out runs/mlp-2w",
        description="Start N worker processes on this machine (127.0.0.1, free ports), each "
        "running the given `train` command with --strategy multiworker and its own TF_CONFIG; "
        "stream their logs prefixed [w0], [w1], ...; if one fails, stop all of them and exit "
        "with status 1. --threads N gives each worker N threads (default: cores / workers). "
        "batch_size stays the global batch, split over the workers. Restart a stopped run "
        "with the same command plus --resume --out RUN.",
    )
    p.add_argument("--workers", metavar="N", type=int, default=2, help="worker processes (2)")
    p.add_argument(
        "--grace",
        metavar="SECONDS",
        type=float,
        default=10.0,
        help="after a failure, seconds the other workers get to stop before being killed",
    )
    p.add_argument(
        "train_command", metavar="-- train ...", nargs=argparse.REMAINDER, help="the train command"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    from tfdojo.distribute.launcher import launch

    threads = args.threads if args.threads_given else None  # default: cores / workers
    command = list(args.train_command)
    if command[:1] == ["--"]:
        command = command[1:]
    return launch(command, args.workers, threads=threads, grace=args.grace, cores=os.cpu_count())
