"""``tfdojo stats test-size``: the change a test set resolves, or the test set a change needs."""

from __future__ import annotations

import json

from tfdojo.cli.options import add_command

NAME = "stats"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="significance tools: plan a test-set size (rule of 30 vs power computations)",
        example="tfdojo stats test-size --n 3000",
    )
    actions = p.add_subparsers(dest="stats_command", metavar="ACTION", title="actions")
    t = add_command(
        actions,
        "test-size",
        help="smallest trustworthy change for a test size, or test size for a change",
        example="tfdojo stats test-size --n 3000   |   tfdojo stats test-size --resolution 0.5%",
        description=(
            "Answer the deck's question two ways, side by side: by the rule of 30 (a change "
            "must move 30 test examples) and by power computations for the exact McNemar test "
            "(two models on the same images) and a binomial test against a fixed accuracy."
        ),
    )
    what = t.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--n",
        type=int,
        metavar="N",
        help="test-set size, 1..10000000: smallest change to trust",
    )
    what.add_argument(
        "--resolution",
        metavar="R",
        help="accuracy change to resolve, 0.01%% to 100%%, e.g. 0.5%% or 0.005: "
        "test-set size needed",
    )
    t.add_argument(
        "--baseline",
        default="80%",
        metavar="ACC",
        help="reference accuracy, strictly between 0%% and 100%% (default: 80%%)",
    )
    t.add_argument(
        "--disagree",
        default="5%",
        metavar="FRAC",
        help="share of test images where exactly one of the two models is right, strictly "
        "between 0%% and 100%% (McNemar's power depends on it; default: 5%%)",
    )
    t.add_argument(
        "--alpha",
        default="0.05",
        metavar="A",
        help="significance level, 0.000001 to 0.5 (default: 0.05)",
    )
    t.add_argument(
        "--power",
        default="80%",
        metavar="P",
        help="wanted power, strictly between 0%% and 100%% (default: 80%%)",
    )
    t.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    t.set_defaults(func=run_test_size)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_test_size(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.core import test_plan

    plan = test_plan.plan_test_size(
        n=args.n,
        resolution=None if args.resolution is None else test_plan.parse_fraction(args.resolution),
        baseline=test_plan.parse_fraction(args.baseline, "--baseline"),
        disagree=test_plan.parse_fraction(args.disagree, "--disagree"),
        alpha=test_plan.parse_fraction(args.alpha, "--alpha"),
        power=test_plan.parse_fraction(args.power, "--power"),
    )
    print(json.dumps(plan.to_dict(), indent=2) if args.json else test_plan.format_plan(plan))
    return 0
