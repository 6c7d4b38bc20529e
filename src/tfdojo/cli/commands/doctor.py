"""``tfdojo doctor``: the workshop's installation check."""

from __future__ import annotations

from tfdojo.cli.options import add_command

NAME = "doctor"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="check the installation: Python, TensorFlow, CPU, threads, fonts, data",
        example="tfdojo doctor --json",
        description="The workshop's installation step as a check-up: Python and TensorFlow "
        "versions, the CPU features TensorFlow uses, threads, fonts found and usable faces, "
        "the data cache and a browser. Each problem comes with the command that fixes it. "
        "Exit status 0 when all is well, 1 when a problem is found.",
    )
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.add_argument(
        "--fonts",
        metavar="DIR",
        action="append",
        default=[],
        help="also check the fonts in DIR, as `tfdojo data build --fonts DIR` would (repeatable)",
    )
    p.add_argument(
        "--no-system-fonts",
        action="store_true",
        help="check only the --fonts folders (not the system's and matplotlib's fonts)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.training.doctor import format_text, has_problem, run_checks, to_json

    checks = run_checks(args.threads, args.fonts, not args.no_system_fonts)
    print(to_json(checks) if args.json else format_text(checks))
    return 1 if has_problem(checks) else 0
