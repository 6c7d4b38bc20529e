"""How far the font-built notMNIST is from the real one: own test vs real images, per model.

Trains each model on a dataset (default: the cache's), then scores it on its own test
split and on real notMNIST images it has never seen (``../shared/notmnist-real-dev``, when
present: evaluation only, never trained on), with 95% intervals and the gap; with
``--baseline DIR`` (an earlier output of this script), each model is compared with the
baseline's on the real images by the exact McNemar test::

    python benchmarks/real_gap.py --out runs/real-gap/default
    python benchmarks/real_gap.py --data ~/tex24 --out runs/real-gap/tex24 \\
        --baseline runs/real-gap/default

Every experiment goes into docs/results/real-gap.md by hand, with its setting, including the ones
that fail. Without the real images the script says so and only trains.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REAL = Path(__file__).resolve().parents[2] / "shared" / "notmnist-real-dev"


def real_images(folder: Path):
    """``(images, labels)`` of the real dev set, or ``None`` when it is not here."""
    images = folder / "dev-images-idx3-ubyte.gz"
    if not images.exists():
        return None
    from tfdojo.data.importer import load_labelled

    x, y, _ = load_labelled(images, folder / "dev-labels-idx1-ubyte.gz")
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="dataset folder (default: the cache's)")
    parser.add_argument("--models", default="logistic,mlp,cnn")
    parser.add_argument("--out", required=True, help="folder for the runs and real_gap.json")
    parser.add_argument("--real", default=str(REAL), help="folder of the real dev IDX files")
    parser.add_argument("--baseline", help="an earlier --out to compare with (McNemar, real)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], help="passed to tfdojo train")
    parser.add_argument("--epochs", type=int, help="passed to tfdojo train")
    args = parser.parse_args()

    out = Path(args.out)
    real = real_images(Path(args.real))
    if real is None:
        print(f"real images not found in {args.real}: skipped, training only", file=sys.stderr)
    from tfdojo import runs
    from tfdojo.results.compare import compare_predictions

    results = []
    for name in args.models.split(","):
        run = out / name
        if not (run / "metrics.json").exists():
            cmd = [sys.executable, "-m", "tfdojo", "--threads", str(args.threads), "train"]
            cmd += ["--model", name, "--out", str(run), "--quiet", "--overwrite"]
            cmd += ["--data", args.data] if args.data else []
            cmd += ["--epochs", str(args.epochs)] if args.epochs else []
            for s in args.set:
                cmd += ["--set", s]
            subprocess.run(cmd, check=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
        r = runs.open_run(run)
        m = r.metrics
        row = {
            "model": name,
            "run": str(run),
            "train_n": m["train_n"],
            "own_test": m["test_accuracy"],
            "own_ci95": m["test_ci95"],
            "train_seconds": m.get("train_seconds"),
        }
        if real is not None:
            images, labels = real
            pred = r.model().predict(images)
            scored = runs.accuracy_summary(labels, pred)
            row.update(
                real=scored["accuracy"],
                real_ci95=list(scored["ci95"]),
                real_n=scored["n"],
                gap=m["test_accuracy"] - scored["accuracy"],
            )
            base = Path(args.baseline) / name if args.baseline else None
            if base is not None and (base / "metrics.json").exists():
                theirs = runs.open_run(base).model().predict(images)
                c = compare_predictions(labels, theirs, pred, names=("baseline", name))
                row.update(vs_baseline_moved=c.moved, vs_baseline_p=c.p_value)
        results.append(row)

    (out / "real_gap.json").write_text(json.dumps({"data": args.data, "rows": results}, indent=2))
    head = [
        "model",
        "train images",
        "train s",
        "own test",
        f"real dev ({Path(args.real).name})",
        "gap",
    ]
    print("| " + " | ".join([*head, "vs baseline"]) + " |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        lo, hi = r["own_ci95"]
        own = f"{r['own_test']:.2%} ({lo:.1%}–{hi:.1%})"
        if "real" in r:
            rlo, rhi = r["real_ci95"]
            real_cell = f"{r['real']:.2%} ({rlo:.1%}–{rhi:.1%})"
            gap = f"{r['gap'] * 100:+.1f} pt"
        else:
            real_cell = gap = "–"
        vs = (
            f"{r['vs_baseline_moved']:+d} images, p = {r['vs_baseline_p']:.2g}"
            if "vs_baseline_p" in r
            else "–"
        )
        secs = f"{r['train_seconds']:.0f}" if r.get("train_seconds") else "–"
        print(f"| {r['model']} | {r['train_n']:,} | {secs} | {own} | {real_cell} | {gap} | {vs} |")


if __name__ == "__main__":
    main()
