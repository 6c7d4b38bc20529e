"""``tfdojo lesson N`` runs a lesson end to end; ``tfdojo lessons`` lists them and opens Jupyter."""

from __future__ import annotations

import argparse
import sys

from tfdojo.cli.options import add_command

NAME = "lesson"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="run lesson N (1-4) end to end: train its variants, print its results table",
        example="tfdojo lesson 1 --quick",
        description="Run one lesson of the dojo end to end: 1 notMNIST and the logistic "
        "classifier, 2 fully connected networks, 3 regularisation, 4 convolutions. Prints "
        "the results table (with significance against the lesson's reference and the "
        "course's published results) and writes OUT/lessonN/index.html, results.md, "
        "results.json and one run folder per variant (`tfdojo report RUN` draws its "
        "report). With --real PATH, every row is also scored on those labelled images (a "
        "real notMNIST download, say).",
    )
    p.add_argument("number", metavar="N", help="the lesson: 1, 2, 3 or 4")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a small version (at most 5,000 training images, 1-2 epochs): under a minute",
    )
    p.add_argument(
        "--out", metavar="DIR", help="lessons folder (default: runs/lessons); writes DIR/lessonN"
    )
    p.add_argument(
        "--data", metavar="DIR", help="dataset folder (default: the cache's, `tfdojo data build`)"
    )
    p.add_argument(
        "--real",
        metavar="PATH",
        help="also score every row on these labelled images, shown beside the test "
        "accuracy: anything `tfdojo evaluate --data` reads (notMNIST folder or .tar.gz, "
        "IDX images file, dataset folder)",
    )
    p.add_argument(
        "--real-labels",
        metavar="FILE",
        help="IDX labels file for an IDX --real images file (default: found by MNIST naming)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the results (results.json) as one JSON object instead of the tables",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo.core.errors import TfdojoError
    from tfdojo.core.safe_read import read_text
    from tfdojo.teaching.lessons import lesson_module, run_lesson
    from tfdojo.teaching.lessons.variants import RESULTS_MAX_BYTES

    lesson_module(args.number)  # refuse a wrong number before loading anything
    if args.real_labels and not args.real:
        raise TfdojoError("--real-labels: only with --real IDX-IMAGES")
    log = (lambda line: print(line, file=sys.stderr)) if args.json else print
    result = run_lesson(
        int(args.number),
        args.data,
        args.out,
        args.quick,
        log=log,
        threads=args.threads,
        real=args.real,
        real_labels=args.real_labels,
    )
    if args.json:
        print(read_text(result.out.parent / "results.json", RESULTS_MAX_BYTES).strip())
        return 0
    for heading, text in result.notes:
        print(f"\n{heading}\n{text}")
    print(f"\nLesson {result.number} results ({result.seconds:.0f} s)\n")
    print(result.table())
    print(f"\nreport: {result.out}")
    return 0
