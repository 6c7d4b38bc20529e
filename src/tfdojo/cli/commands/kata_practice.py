"""``tfdojo kata stats | redo | debrief``: the practice loop around the checks.

Registered by :mod:`tfdojo.cli.commands.kata` (one call); each action calls one function of
:mod:`tfdojo.teaching.kata` and prints its result.
"""

from __future__ import annotations

import argparse
import json

from tfdojo.cli.options import add_command


def register(actions) -> None:
    """Add the actions to ``kata``'s subparsers, each with its own ``func``."""
    stats = add_command(
        actions,
        "stats",
        help="your attempts, time to pass and hints per kata, and your mistakes by concept",
        example="tfdojo kata stats --json",
        description="Read from the workspace's ledger (.tfdojo/ledger.jsonl), which every "
        "check, hint, redo and solve appends to; no check is run.",
    )
    redo = add_command(
        actions,
        "redo",
        help="blank a kata (yours kept as NAME.py.bak) and write it again, timed",
        example="tfdojo kata redo training_step --timebox 5",
        description="Randori from a blank file: the kata's exercise replaces your file "
        "(yours is kept as NAME.py.bak, .bak2, ...) and the clock starts; the next passing "
        "check prints your time and your best. --due blanks the katas the review schedule "
        "says are due (Leitner boxes: a clean pass moves a kata up a box, due again in "
        "1, 2, 4, 8, 16 days; hints or solve send it back to box 1).",
    )
    redo.add_argument("name", nargs="?", help="the kata (or --due)")
    redo.add_argument("--due", action="store_true", help="the katas due for review now")
    redo.add_argument(
        "--timebox",
        type=float,
        metavar="MIN",
        help="the attempt's time box in minutes (default: the kata's target time)",
    )
    debrief = add_command(
        actions,
        "debrief",
        help="your code beside the reference's, and why it is written that way",
        example="tfdojo kata debrief training_step",
    )
    debrief.add_argument("name", help="the kata")
    for action in (stats, redo):
        action.add_argument("--json", action="store_true", help="print JSON")
    for action in (stats, redo, debrief):
        action.add_argument("--dir", default="dojo", help="the workspace (default: dojo)")
    stats.set_defaults(func=show_stats)
    redo.set_defaults(func=run_redo)
    debrief.set_defaults(func=show_debrief)


def show_stats(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.kata.stats import format_stats, stats

    found = stats(args.dir)
    print(json.dumps(found, indent=2) if args.json else format_stats(found))
    return 0


def run_redo(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.core.errors import TfdojoError
    from tfdojo.teaching.kata import find, redo, workspace

    if bool(args.name) == bool(args.due):
        raise TfdojoError(
            f"kata redo: expected a kata NAME or --due, received name={args.name!r}, due={args.due}"
        )
    redo.check_timebox(args.timebox)
    due = redo.due(args.dir) if args.due else []
    chosen = [find(r.kata, workspace.TRACK) for r in due] if args.due else []
    chosen = chosen or ([] if args.due else [find(args.name, workspace.TRACK)])
    done = redo.redo(args.dir, chosen, args.timebox) if chosen else []
    if args.json:
        report = {"due": [r.to_dict() for r in due], "redone": [r.to_dict() for r in done]}
        print(json.dumps(report, indent=2))
        return 0
    if args.due and not due:
        print("nothing is due for review now; `tfdojo kata stats` shows when each kata is")
    for r in done:
        kept = f"; yours is kept in {r.backup}" if r.backup else ""
        print(f"blanked {r.path} to its exercise{kept}")
        print(f"    the clock runs: pass it within {r.timebox:g} min (tfdojo kata watch)")
    return 0


def show_debrief(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.kata import debrief, find, workspace

    d = workspace.require(args.dir)
    print(debrief.of_workspace(d, find(args.name, workspace.TRACK)))
    return 0
