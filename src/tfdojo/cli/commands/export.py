"""``tfdojo export RUN --format tflite|keras|savedmodel [--out PATH]``: a model for other tools."""

from __future__ import annotations

from tfdojo.cli.options import (
    add_command,
    add_model_code_option,
    add_overwrite_option,
    model_classes,
)
from tfdojo.training.export import FORMATS

NAME = "export"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="write a run's model as a TF Lite file, a Keras file or a SavedModel",
        example="tfdojo export runs/demo-cnn --format tflite --out letters.tflite",
        description="Every format takes uint8 images (N, 28, 28), white on black, and gives "
        "the ten probabilities float32 (N, 10), as `tfdojo predict` does. tflite: for "
        "tf.lite.Interpreter (phones, microcontrollers); keras: a .keras file for "
        "keras.saving.load_model (tfdojo's own models); savedmodel: a folder for TF Serving. "
        "Without --out it goes into the run folder: RUN/export/model.tflite, "
        "RUN/export/model.keras or RUN/export/savedmodel/. An existing --out is replaced "
        "only with --overwrite, and only if it is an export tfdojo wrote.",
    )
    p.add_argument("run", metavar="RUN", help="a run folder made by `tfdojo train`")
    p.add_argument("--format", required=True, choices=FORMATS, help="what to write")
    p.add_argument(
        "--out",
        metavar="PATH",
        help="the file (folder) to write (default: RUN/export/model.tflite, "
        "RUN/export/model.keras or RUN/export/savedmodel)",
    )
    add_overwrite_option(p, "export")
    add_model_code_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo.runs import model_class_for, open_run
    from tfdojo.training.export import export

    run = open_run(args.run, model_class_for(args.run, model_classes(args)))
    out = export(run, args.format, args.out, args.overwrite)
    print(f"wrote {out} ({args.format})")
    return 0
