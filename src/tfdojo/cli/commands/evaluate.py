"""``tfdojo evaluate``: a run's accuracy (95% interval) and per-class accuracy on any data."""

from __future__ import annotations

import argparse
import json

from tfdojo.cli.options import add_command, add_model_code_option, model_classes

NAME = "evaluate"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="accuracy of a trained run on a dataset, notMNIST folder/tarball or IDX file",
        example="tfdojo evaluate runs/cnn --data notMNIST_small.tar.gz --json",
        description="Accuracy with a 95% Wilson interval and per-class accuracy of RUN's model "
        "on --data PATH: a dataset folder (its test split), a notMNIST folder or .tar.gz, or an "
        "IDX images file (labels found by MNIST naming, or given with --labels). Without "
        "--data: the test split the run was scored on.",
    )
    p.add_argument("run", metavar="RUN", help="a run folder made by `tfdojo train`")
    p.add_argument(
        "--data", metavar="PATH", help="the images to evaluate on (default: the run's test split)"
    )
    p.add_argument("--labels", metavar="FILE", help="IDX labels file for an IDX images file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_model_code_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo import runs
    from tfdojo.core.errors import TfdojoError
    from tfdojo.data.importer import load_labelled

    cls = runs.model_class_for(args.run, model_classes(args))
    if args.data is None:
        if args.labels:
            raise TfdojoError("--labels: only with --data IDX-IMAGES")
        images, labels, folder = runs.open_run(args.run, cls).test_set()
        source = f"{folder} (test split)"
    else:
        images, labels, source = load_labelled(args.data, args.labels)
    result = runs.evaluate(args.run, images, labels, cls)
    result["data"] = source
    if args.json:
        print(json.dumps(result))
        return 0
    lo, hi = result["ci95"]
    print(f"{result['model']} on {source}")
    print(
        f"accuracy {result['accuracy']:.2%}  ({result['correct']:,}/{result['n']:,}; "
        f"95% CI {lo:.2%}..{hi:.2%})"
    )
    cells = [f"{k} {v:.1%}" if v is not None else f"{k} -" for k, v in result["per_class"].items()]
    print("per class: " + "  ".join(cells))
    return 0
