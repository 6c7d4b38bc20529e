"""``tfdojo data build|info|show``: notMNIST rebuilt from the fonts on this machine."""

from __future__ import annotations

import json

from tfdojo.cli.options import (
    add_command,
    add_data_option,
    add_overwrite_option,
    add_quiet_option,
    data_folder,
)


def register(group) -> None:
    p = add_command(
        group,
        "build",
        help="render notMNIST (A-J, 28x28) from this machine's fonts",
        example="tfdojo data build --fonts ~/my-fonts --variants 12 --seed 0",
        description="Render the letters A-J from every usable font face found in the system "
        "folders, matplotlib's fonts and any --fonts DIR; curate, split by font family, "
        "augment the training glyphs; write DIR/notmnist.npz and DIR/manifest.json. --out DIR "
        "must be new or empty, or a dataset of tfdojo's with --overwrite.",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: the tfdojo cache)")
    add_overwrite_option(p, "dataset folder")
    p.add_argument(
        "--fonts",
        metavar="DIR",
        action="append",
        default=[],
        help="extra folder searched recursively for fonts (repeatable)",
    )
    p.add_argument(
        "--no-system-fonts",
        action="store_true",
        help="use only the --fonts folders (not the system's and matplotlib's fonts)",
    )
    p.add_argument(
        "--variants",
        type=int,
        metavar="N",
        help="augmented variants per training glyph, 0..100 (default 12)",
    )
    p.add_argument(
        "--seed", type=int, metavar="S", help="random seed, 0..9223372036854775807 (default 0)"
    )
    p.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        help="any other build setting, in its range: the shares styles, lowercase and "
        "reframe in [0, 1]; rotation, a spread in degrees in [0, 45]; shear in [0, 1]; "
        "valid_fraction and test_fraction in (0, 0.5); render_size, font pixels in 32..256; "
        "near_rms, an RMS pixel difference in [0, 255]; augment_eval, true or false "
        "(e.g. --set styles=0.25 --set augment_eval=true)",
    )
    add_quiet_option(p)
    p.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing if the output folder already holds a dataset that loads",
    )
    p.set_defaults(func=run_build)

    p = add_command(
        group,
        "info",
        help="print a dataset's summary",
        example="tfdojo data info --data ~/notmnist-small",
        threads=False,
    )
    add_data_option(p)
    p.add_argument("--json", action="store_true", help="print the manifest as one JSON object")
    p.set_defaults(func=run_info)

    p = add_command(
        group,
        "show",
        help="write a grid of sample images per class",
        example="tfdojo data show --out grid.png --split test",
        threads=False,
    )
    add_data_option(p)
    p.add_argument(
        "--out",
        metavar="FILE",
        default="notmnist-grid.png",
        help="the image to write, .png, .pdf or .svg (default: notmnist-grid.png here)",
    )
    add_overwrite_option(p, "figure")
    p.add_argument(
        "--split",
        default="train",
        choices=["train", "valid", "test"],
        help="which split's images (default: train)",
    )
    p.add_argument(
        "--per-class",
        type=int,
        default=10,
        metavar="N",
        help="images per letter, 1..50 (default 10)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="which images are drawn, 0..9223372036854775807 (default 0)",
    )
    p.set_defaults(func=run_show)


def build_config(args):
    # imported here: `tfdojo --help` loads no library
    from tfdojo.core.typed_config import parse_sets, replace
    from tfdojo.data.build_config import BuildConfig

    cfg = BuildConfig()
    overrides = parse_sets(args.set)
    if args.variants is not None:
        overrides["variants"] = args.variants
    if args.seed is not None:
        overrides["seed"] = args.seed
    return replace(cfg, overrides, where="--set")


def run_build(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.data.build import build
    from tfdojo.data.dataset import exists, load, resolve
    from tfdojo.data.summary import describe

    out = resolve(args.out)
    cfg = build_config(args)
    if args.if_missing and exists(out):
        ds = load(out)  # verifies it: a damaged dataset is an error, not "present"
        print(f"dataset already built in {out} ({len(ds.train):,} training images); kept")
        return 0
    manifest = build(
        out,
        cfg,
        args.fonts,
        not args.no_system_fonts,
        args.threads,
        progress=not args.quiet,
        overwrite=args.overwrite or args.out is None,  # the cache is tfdojo's own
    )
    print(describe(manifest, out))
    print(
        f"\nbuilt in {manifest['timing_seconds']['total']:.1f} s "
        f"with {manifest['processes']} processes -> {out}"
    )
    return 0


def run_info(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.data.dataset import load
    from tfdojo.data.summary import describe

    ds = load(data_folder(args))  # verifies the arrays against the manifest
    if args.json:
        print(json.dumps({"dataset": str(ds.path), **ds.manifest}))
    else:
        print(describe(ds.manifest, ds.path))
    return 0


def run_show(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.core.safe_write import check_figure, save_figure
    from tfdojo.data.dataset import load
    from tfdojo.results.plots import sample_grid

    check_figure(args.out, args.overwrite)  # before the data is read
    fig = sample_grid(load(data_folder(args)), args.split, args.per_class, args.seed)
    path = save_figure(fig, args.out, args.overwrite, dpi=110)
    print(f"wrote {path}")
    return 0
