"""Throughput of 2 local workers (MultiWorkerMirroredStrategy) against 1 process.

On one 2-core machine, three placements of the same training (same global batch,
same data, SGD with momentum, dropout off):

- ``1 process, 2 threads``: the single-device trainer using the whole machine;
- ``1 process, 1 thread``:  the same with one core (what each worker gets below);
- ``2 workers, 1 thread``:  ``tfdojo launch --workers 2`` (each replica computes half
  of each batch, then the gradients are all-reduced over gRPC on 127.0.0.1).

Each run trains ``--epochs`` epochs on the first ``--images`` training images of the
cached dataset (``tfdojo data build``; the tiny font set is used if there is none);
the figure is the median ``examples_per_second`` of the epochs after the first (the
first one includes tracing). Runs are repeated ``--repeats`` times, best kept.

    python benchmarks/distribute_throughput.py
    python benchmarks/distribute_throughput.py --models mlp --images 16384 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PLACEMENTS = {
    "1 process, 2 threads": ["--threads", "2", "train"],
    "1 process, 1 thread": ["--threads", "1", "train"],
    "2 workers, 1 thread each": ["--threads", "1", "launch", "--workers", "2", "--", "train"],
}


def make_subset(n: int, folder: Path) -> Path:
    """The first ``n`` training images of the cached dataset, saved as a dataset folder."""
    from tfdojo.data import dataset

    data = dataset.load()
    train = dataset.make_split(data.train.images[:n], data.train.labels[:n])
    dataset.save(folder, {"train": train, "valid": data.valid, "test": data.test}, {})
    return folder


def run_one(args: list[str], out: Path, timeout: float) -> float:
    """Run ``tfdojo ARGS --out OUT``; the median examples/s of epochs 2.. (all workers')."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "tfdojo", *args, "--out", str(out), "--no-progress"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    rows = json.loads((out / "history.json").read_text())["epochs"]
    return statistics.median(r["examples_per_second"] for r in rows[1:] or rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="logistic,mlp,cnn_course")
    parser.add_argument("--images", type=int, default=32768)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run")
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tfdojo-bench-"))
    try:
        data = make_subset(opts.images, tmp / "data")
        print(f"{os.cpu_count()} cores, {opts.images} images, global batch {opts.batch_size}")
        print()
        print("| model | placement | ex/s | vs 1 process, 2 threads |")
        print("|---|---|---:|---:|")
        for model in opts.models.split(","):
            common = ["--data", str(data), "--model", model, "--epochs", str(opts.epochs)]
            common += ["--set", f"batch_size={opts.batch_size}", "--set", "dropout=0"]
            common += ["--set", "optimizer=sgd"]
            best = {}
            for _ in range(opts.repeats):  # interleaved, so other load hits all alike
                for name, placement in PLACEMENTS.items():
                    speed = run_one([*placement, *common], tmp / "run", opts.timeout)
                    best[name] = max(best.get(name, 0.0), speed)
            base = best["1 process, 2 threads"]
            for name, speed in best.items():
                print(f"| {model} | {name} | {speed:,.0f} | {speed / base:.2f}x |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
