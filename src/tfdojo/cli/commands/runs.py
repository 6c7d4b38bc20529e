"""``tfdojo runs [FOLDER]``: the runs you have trained, their accuracy and date."""

from __future__ import annotations

import json

from tfdojo.cli.options import add_command

NAME = "runs"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="list the run folders under FOLDER: model, epochs, test accuracy, date",
        example="tfdojo runs runs --best",
        description="Every run folder under FOLDER (default: runs), newest first, with its "
        "model, epochs, test accuracy and 95% interval, validation accuracy and the date it "
        "finished; unfinished runs say so.",
    )
    p.add_argument("folder", metavar="FOLDER", nargs="?", default="runs", help="default: runs")
    p.add_argument(
        "--best",
        action="store_true",
        help="only the run with the best validation accuracy (never chosen by test accuracy)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.runs import best_run, format_runs, list_runs

    entries = list_runs(args.folder)
    if args.best:
        best = best_run(entries)
        entries = [best] if best else []
    if args.json:
        print(json.dumps({"runs": entries}))
    elif not entries:
        print(
            f"no finished run under {args.folder}" if args.best else f"no run under {args.folder}"
        )
    else:
        print(format_runs(entries))
    return 0
