"""``tfdojo kata``: practise TensorFlow, the course's exercises written by the learner.

Each action calls one function of :mod:`tfdojo.teaching.kata` and prints its result. Checks run
in worker processes (:mod:`tfdojo.teaching.kata.runner`), so this process never imports
TensorFlow and a learner's endless loop is stopped after ``--time-limit`` seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tfdojo.cli.commands import kata_practice
from tfdojo.cli.options import add_command

NAME = "kata"
NEEDS_TENSORFLOW = False

ALL = "*"


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="practise: write the course's exercises in TensorFlow, checked at once",
        example="tfdojo kata start && tfdojo kata watch",
        description="Fourteen TensorFlow katas in the course's order, from tensors to a "
        "convnet in Keras: `start` copies them into a folder of yours, you write the "
        "TODOs, `check` or `watch` tells you at once whether they are right and, if not, "
        "the likely mistake.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)

    start = add_command(
        actions,
        "start",
        help="copy the katas into a workspace; never overwrites your files",
        example="tfdojo kata start dojo",
    )
    start.add_argument("dir", nargs="?", default="dojo", help="the workspace (default: dojo)")
    start.add_argument(
        "--force",
        nargs="?",
        const=ALL,
        action="append",
        metavar="NAME",
        help="reset kata NAME (every kata without a NAME) to its exercise; "
        "your version is kept as NAME.py.bak",
    )

    listing = add_command(
        actions, "list", help="the katas and where you stand", example="tfdojo kata list"
    )
    check = add_command(
        actions,
        "check",
        help="check one kata (04, 04_training_step or training_step) or all of them",
        example="tfdojo kata check training_step",
    )
    check.add_argument("name", nargs="?", help="the kata (default: all)")
    watch = add_command(
        actions,
        "watch",
        help="check the kata you are writing each time you save it; Ctrl-C stops",
        example="tfdojo kata watch",
    )
    hint = add_command(
        actions,
        "hint",
        help="what your last check of a kata named, then its next hint",
        example="tfdojo kata hint 4",
    )
    hint.add_argument("name", help="the kata")
    solve = add_command(
        actions,
        "solve",
        help="write a kata's reference solution into the workspace (yours kept as .bak)",
        example="tfdojo kata solve training_step",
    )
    solve.add_argument("name", help="the kata")
    for action in (listing, check, watch, hint, solve):
        action.add_argument("--dir", default="dojo", help="the workspace (default: dojo)")
    for action in (listing, check):
        action.add_argument("--json", action="store_true", help="print JSON")
    add_infra_options(actions, check)
    for action in (check, watch):
        action.add_argument(
            "--time-limit",
            type=float,
            default=60.0,
            metavar="SECONDS",
            help="stop a check that runs longer; more than 0, at most 3600 (default: 60)",
        )
    kata_practice.register(actions)  # stats, redo, debrief: each sets its own func
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return {
        "start": start,
        "list": listing,
        "check": check,
        "watch": watch,
        "hint": hint,
        "solve": solve,
        "selftest": selftest,
    }[args.action](args)


def start(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.kata import find, katas, workspace

    names = args.force or []
    track = workspace.TRACK
    force = katas(track) if ALL in names else [find(name, track) for name in names]
    done = workspace.start(args.dir, force)
    d = Path(args.dir)
    if all(c.action == "created" for c in done):
        print(f"created {d} with {len(done)} katas and a README.md")
    else:
        for c in done:
            if c.action != "kept":
                saved = f" (yours saved as {c.backup.name})" if c.backup else ""
                print(f"{c.action} {d / c.kata.filename}{saved}")
        print(f"kept {sum(c.action == 'kept' for c in done)} kata files as they are")
    now = workspace.current(d)
    if now is not None:
        print(f"next: open {now.path}, write its TODOs; `tfdojo kata watch` checks each save")
    return 0


def listing(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.kata import ledger, schedule, workspace
    from tfdojo.teaching.kata.display import format_statuses

    statuses = workspace.statuses(args.dir)
    book = ledger.read(args.dir)
    belt = schedule.belt(book, [s.kata.name for s in statuses])
    if args.json:
        listed = [s.to_dict() for s in statuses]
        listed += workspace.notebook_only(book)
        print(json.dumps({"katas": listed, "belt": belt.to_dict()}, indent=2))
    else:
        print(format_statuses(statuses))
        if any(r["event"] == "redo" for r in book.records):  # once randori has begun
            print(belt.line())
    return 0


def check(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.kata import find, katas, workspace
    from tfdojo.teaching.kata.debrief import after_check
    from tfdojo.teaching.kata.display import format_result, summary
    from tfdojo.teaching.kata.runner import run_checks, validate_time_limit

    validate_time_limit(args.time_limit)
    d = workspace.require(args.dir)
    track = workspace.TRACK
    names = [find(args.name, track).name] if args.name else [k.name for k in katas(track)]
    results = []
    for result in run_checks(d, names, args.time_limit, strict=args.strict):
        results.append(result)
        (recorded,) = workspace.record(d, [result], source="cli")
        if not args.json:
            print(format_result(result, d), flush=True)
            for line in after_check(d, recorded):
                print(line, flush=True)
    passed = sum(r.passed for r in results)
    if args.json:
        print(json.dumps({"katas": [r.to_dict() for r in results]}, indent=2))
    elif len(results) > 1:
        now = workspace.current(d)
        print(summary(passed, len(results), now.path if now else None))
    return 0 if passed == len(results) else 1


def watch(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.kata.runner import validate_time_limit
    from tfdojo.teaching.kata.watch import watch as watch_workspace

    clear = sys.stdout.isatty()  # a terminal's screen is cleared between checks, a pipe's never
    watch_workspace(args.dir, validate_time_limit(args.time_limit), clear=clear)
    return 0


def hint(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.kata import find, workspace
    from tfdojo.teaching.kata.hints import advise

    kata = find(args.name, workspace.TRACK)
    print("\n".join(advise(workspace.require(args.dir), kata).lines(kata)))
    return 0


def solve(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching.kata import find, workspace

    kata = find(args.name, workspace.TRACK)
    backup = workspace.solve(args.dir, kata)
    print(f"wrote the reference solution of {kata.stem} to {Path(args.dir) / kata.filename}")
    if backup is not None:
        print(f"your version is kept in {backup}")
    return 0


# --------------------------------------------------- the checks' own checks (kata infra)


def add_infra_options(actions, check) -> None:
    """``kata check --strict`` and ``kata selftest``."""
    check.add_argument(
        "--strict",
        action="store_true",
        help="more cases at random shapes and batch sizes, the kata's rules read from your "
        "code (kata 3 may not call tf.nn.softmax), your function under tf.function",
    )
    test = add_command(
        actions,
        "selftest",
        help="replay the reference solutions and the deliberate mistakes through the checks",
        example="tfdojo kata selftest --kata training_step",
        description="Checks the checks: every reference solution (and right variant) must "
        "pass, every deliberate mistake of the catalogue must fail with the cause it names. "
        "Runs in this process, one kata file after another; exits 1 unless all hold.",
    )
    test.add_argument("--kata", action="append", metavar="NAME", help="only this kata (repeat)")
    test.add_argument("--json", action="store_true", help="print JSON")
    test.add_argument("--strict", action="store_true", help="check as kata check --strict does")


def selftest(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.core.tf_setup import configure_tensorflow
    from tfdojo.teaching.kata import selftest as replay

    configure_tensorflow(args.threads)  # before any check imports it
    show = None if args.json else (lambda case: print(case, flush=True))
    report = replay.run(args.kata, strict=args.strict, progress=show)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.summary())
    return 0 if report.clean else 1
