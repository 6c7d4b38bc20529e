"""``tfdojo predict``: the letter in each image file, with the softmax probabilities."""

from __future__ import annotations

import argparse
import json
import sys

from tfdojo.cli.options import add_command, add_model_code_option, model_classes

NAME = "predict"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="the letter in image files: any size, colour, dark-on-light or light-on-dark",
        example="tfdojo predict runs/cnn letter.png photo.jpg",
        description="Each image is framed like the dataset (inverted if dark-on-light, cropped "
        "to the ink, stretched to 28x28), then RUN's model gives the letter and probabilities.",
    )
    p.add_argument("run", metavar="RUN", help="a run folder made by `tfdojo train`")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="PNG/JPEG/... files")
    p.add_argument("--json", action="store_true", help="print one JSON list")
    add_model_code_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo import runs

    cls = runs.model_class_for(args.run, model_classes(args))
    results = runs.predict_files(args.run, args.images, cls)
    if args.json:
        print(json.dumps(results))
        return 0
    for r in results:
        probs = "  ".join(f"{k} {v:.3f}" for k, v in r["probabilities"].items())
        print(f"{r['image']}: {r['letter']}   {probs}")
        if "warning" in r:
            print(f"tfdojo: warning: {r['image']}: {r['warning']}", file=sys.stderr)
    return 0
