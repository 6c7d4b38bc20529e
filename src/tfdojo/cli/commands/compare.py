"""``tfdojo compare RUN_A RUN_B``: is B really better than A on the same test images?"""

from __future__ import annotations

import json

from tfdojo.cli.options import (
    add_command,
    add_model_code_option,
    add_overwrite_option,
    model_classes,
)

NAME = "compare"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="compare two runs on the same test images: intervals, McNemar, rule of 30",
        example="tfdojo compare runs/logistic runs/cnn --report compare.html",
        description=(
            "Score both runs' models on the same test images; print each accuracy with its 95% "
            "interval, the images only one of them gets right, the exact McNemar p-value, and "
            "the deck's rule-of-30 verdict beside the statistical one."
        ),
    )
    p.add_argument("run_a", metavar="RUN_A", help="run folder of the reference model")
    p.add_argument("run_b", metavar="RUN_B", help="run folder of the challenger")
    p.add_argument(
        "--data",
        metavar="PATH",
        help="score both on these images: a dataset folder (its test split), a notMNIST "
        "tarball or A..J folder, or IDX files (default: the runs' own test set)",
    )
    p.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="significance level, 0.000001 to 0.5 (default: 0.05)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--report",
        metavar="OUT.html",
        help="also write an HTML report of the pair (its PNGs in OUT_files/)",
    )
    add_overwrite_option(p, "--report page (and its _files folder)")
    add_model_code_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo.results.compare import compare_runs, format_comparison
    from tfdojo.results.report import write_compare_report

    comparison, context = compare_runs(
        args.run_a, args.run_b, args.data, args.alpha, model_classes(args)
    )
    if args.report:
        out, _ = write_compare_report(comparison, context, args.report, args.overwrite)
        context["report"] = str(out)
    if args.json:
        obj = comparison.to_dict()
        obj["data"] = str(context["data"])
        if args.report:
            obj["report"] = context["report"]
        print(json.dumps(obj, indent=2))
    else:
        print(format_comparison(comparison))
        if args.report:
            print(f"report: {context['report']}")
    return 0
