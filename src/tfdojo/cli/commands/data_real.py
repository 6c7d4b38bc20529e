"""``tfdojo data download|fetch|import|export``: the real notMNIST, the workshop room's
dataset, IDX files."""

from __future__ import annotations

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
        "download",
        help="download the real notMNIST archive (resumable, size- and sha256-checked)",
        example="tfdojo data download --small --import ~/notmnist-small",
        description="Download notMNIST_small.tar.gz (8,458,043 bytes) or notMNIST_large.tar.gz "
        "(247,336,696 bytes) into the tfdojo cache's downloads folder. An interrupted "
        "download resumes where it stopped; an HTML page, or a file whose size or sha256 "
        "is not the archive's, is refused and never saved under the archive's name.",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--small", dest="kind", action="store_const", const="small", help="18,724 images (default)"
    )
    size.add_argument(
        "--large", dest="kind", action="store_const", const="large", help="~530,000 images"
    )
    p.set_defaults(kind="small")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="where the archives are (default: $TFDOJO_BASE_URL or "
        "http://yaroslavvb.com/upload/notMNIST/)",
    )
    p.add_argument("--out", metavar="DIR", help="folder for the archive (default: the cache's)")
    p.add_argument(
        "--sha256",
        metavar="HEX",
        help="the archive's expected sha256 (default: the one TensorFlow Datasets recorded); "
        "for a mirror serving a different file",
    )
    p.add_argument(
        "--import",
        dest="import_to",
        metavar="DIR",
        help="then import it as a dataset into DIR (like `tfdojo data import`)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="split seed for --import, 0..9223372036854775807 (default 0)",
    )
    add_quiet_option(p)
    p.set_defaults(func=run_download)

    p = add_command(
        group,
        "fetch",
        help="download the workshop room's dataset (resumable, sha256-checked)",
        example="tfdojo data fetch http://192.168.1.20:8765/",
        description="Download the dataset the facilitator's room hands out (`tfdojo dojo "
        "serve --data DIR`) into --out (default: the tfdojo cache's dataset folder, where "
        "training looks). An interrupted download resumes; each file is checked against "
        "the room's sha256 and every array against the manifest's, and a file that does "
        "not match is deleted and refused, so every laptop trains on the same bytes.",
    )
    p.add_argument("url", metavar="URL", help="the room's address")
    p.add_argument("--out", metavar="DIR", help="dataset folder to write (default: the cache's)")
    add_overwrite_option(p, "dataset folder")
    add_quiet_option(p)
    p.set_defaults(func=run_fetch)

    p = add_command(
        group,
        "import",
        help="import the real notMNIST (tar.gz or folder) or MNIST-format IDX files",
        example="tfdojo data import notMNIST_small.tar.gz --out ~/notmnist-small",
        description="Read notMNIST_small/large.tar.gz (never extracted to disk), an extracted "
        "folder of A..J subfolders, or *-images-idx3-ubyte[.gz] files with their labels; skip "
        "and count unreadable, empty, blank or wrong-size images; curate and split by font "
        "like `tfdojo data build`; write DIR/notmnist.npz and DIR/manifest.json (DIR new or "
        "empty, or a dataset of tfdojo's with --overwrite).",
    )
    p.add_argument("path", metavar="PATH", help="archive, folder, or IDX images file")
    p.add_argument("--out", metavar="DIR", required=True, help="dataset folder to write")
    add_overwrite_option(p, "dataset folder")
    p.add_argument(
        "--labels", metavar="FILE", help="IDX labels file (default: found by MNIST naming)"
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="split seed, 0..9223372036854775807 (default 0)",
    )
    add_quiet_option(p)
    p.set_defaults(func=run_import)

    p = add_command(
        group,
        "export",
        help="write a dataset as MNIST-format IDX files",
        example="tfdojo data export --format idx --out ~/notmnist-idx",
        description="Write train-, valid- and test-images-idx3-ubyte.gz and the matching "
        "*-labels-idx1-ubyte.gz, readable by any MNIST loader.",
    )
    add_data_option(p)
    p.add_argument("--format", choices=["idx"], default="idx", help="output format (idx)")
    p.add_argument("--out", metavar="OUTDIR", help="where to write (default: DIR/idx)")
    p.add_argument("--no-gzip", action="store_true", help="write plain, not gzipped, files")
    add_overwrite_option(p, "folder of IDX files")
    p.set_defaults(func=run_export)


def run_download(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.data.download import download

    path = download(
        args.kind, args.base_url, args.out, progress=not args.quiet, expected_sha256=args.sha256
    )
    print(f"notMNIST {args.kind}: {path} ({path.stat().st_size:,} bytes)")
    if args.import_to:
        return _import(path, args.import_to, args.seed, None, args.quiet, False)
    print(f"next: tfdojo data import {path} --out DIR")
    return 0


def run_fetch(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.data.fetch import fetch
    from tfdojo.data.summary import describe

    folder, manifest = fetch(args.url, args.out, overwrite=args.overwrite, progress=not args.quiet)
    print(describe(manifest, folder))
    print(f"\nthe room's dataset is in {folder}; every file matches its sha256")
    return 0


def run_import(args) -> int:
    return _import(args.path, args.out, args.seed, args.labels, args.quiet, args.overwrite)


def _import(path, out, seed, labels, quiet, overwrite) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.data.importer import SKIP_REASONS, import_dataset
    from tfdojo.data.summary import describe

    manifest = import_dataset(
        path, out, seed=seed, labels=labels, progress=not quiet, overwrite=overwrite
    )
    report = manifest["import"]
    print(describe(manifest, out))
    print(f"\nread {report['images']:,} images ({report['format']}) from {report['source']}")
    for reason, n in report["skipped"].items():
        examples = ", ".join(report["skipped_examples"].get(reason, [])[:3])
        print(f"  skipped {n:6,d}: {SKIP_REASONS.get(reason, reason)} (e.g. {examples})")
    return 0


def run_export(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.data.idx import export_idx

    for path in export_idx(data_folder(args), args.out, not args.no_gzip, args.overwrite):
        print(f"wrote {path}")
    return 0
