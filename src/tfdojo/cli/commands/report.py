"""``tfdojo report RUN``: one self-contained HTML page (and PNG figures) for a finished run."""

from __future__ import annotations

from tfdojo.cli.options import (
    add_command,
    add_model_code_option,
    add_overwrite_option,
    model_classes,
)

NAME = "report"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="write a run's HTML report: curves, accuracy with interval, errors, weights",
        example="tfdojo report runs/cnn && chromium runs/cnn/report/report.html",
        description=(
            "Write one self-contained HTML page (images embedded) and the same figures as PNG "
            "files: RUN/report/report.html and RUN/report/*.png, or with --out DIR/page.html, "
            "DIR/page.html and DIR/page_files/*.png (an existing one is replaced only with "
            "--overwrite, and only if tfdojo wrote it; the run's own RUN/report/ is always "
            "rewritten). It shows the resolved config, training curves, test accuracy with its "
            "95% interval, confusion matrix, per-letter accuracy, most-confused pairs, the most "
            "confident mistakes with their softmax bars, and the logistic templates or the "
            "first convolution's filters. `tfdojo train` writes it only with --report."
        ),
    )
    p.add_argument("run", metavar="RUN", help="a finished run folder made by `tfdojo train`")
    p.add_argument(
        "--out",
        metavar="OUT.html",
        help="where to write the page (default: RUN/report/report.html)",
    )
    add_overwrite_option(p, "page (and its _files folder)")
    p.add_argument(
        "--data",
        metavar="PATH",
        help="score the model on these test images instead of the run's own test set",
    )
    add_model_code_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo.results.report import Scored, write_report
    from tfdojo.runs import model_class_for

    cls = model_class_for(args.run, model_classes(args))
    scored = Scored.from_folder(args.run, args.data, cls)
    out, figures = write_report(scored, out=args.out, overwrite=args.overwrite)
    print(f"report: {out}")
    print(f"figures: {figures}/*.png")
    return 0
