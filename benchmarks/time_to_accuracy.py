"""Time to a trained convnet: from an empty cache to the default cnn at 97% on its test split.

What a learner waits for after `make demo`'s set-up, run as they would run it: the two
commands in fresh processes, on an empty cache (``TFDOJO_DATA`` set to a new folder)::

    tfdojo data build                      # the fonts -> notMNIST
    tfdojo train --model cnn               # default settings, --precision auto

Each phase is timed from outside (wall clock, including TensorFlow's import), and the
training run's own ``metrics.json`` and ``history.json`` split the training command into
its epochs and the rest (start-up, testing, saving, the report)::

    python benchmarks/time_to_accuracy.py                   # 2 threads
    python benchmarks/time_to_accuracy.py --epochs 3 --precision float32

The last line says whether the run reached ``--target`` (97%) on its own test split.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, help="default: the cnn preset's")
    parser.add_argument("--precision", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--target", type=float, default=0.97)
    args = parser.parse_args()

    tfdojo = [sys.executable, "-m", "tfdojo", "--threads", str(args.threads)]
    with tempfile.TemporaryDirectory(prefix="tfdojo-tta-") as tmp:
        env = dict(os.environ, TFDOJO_DATA=str(Path(tmp) / "cache"), TF_CPP_MIN_LOG_LEVEL="2")
        build = timed([*tfdojo, "data", "build", "--quiet"], env)
        run = Path(tmp) / "run"
        cmd = [*tfdojo, "train", "--model", "cnn", "--out", str(run), "--no-progress"]
        cmd += ["--precision", args.precision]
        if args.epochs:
            cmd += ["--epochs", str(args.epochs)]
        training = timed(cmd, env)
        metrics = json.loads((run / "metrics.json").read_text())
        history = json.loads((run / "history.json").read_text())["epochs"]

    epochs = metrics["train_seconds"]
    steps = sum(r["train_step_seconds"] for r in history)
    print(
        f"{platform.machine()}, {args.threads} threads, precision {metrics['precision']}; "
        f"`python benchmarks/time_to_accuracy.py {' '.join(sys.argv[1:])}`".rstrip()
    )
    print(f"| phase | seconds |\n|---|---:|\n| data build (empty cache) | {build:.1f} |")
    print(f"| training: {metrics['epochs']} epochs, steps only | {steps:.1f} |")
    print(f"| training: validation after each epoch | {epochs - steps:.1f} |")
    print(f"| training: start-up, test, saving, report | {training - epochs:.1f} |")
    print(f"| **total** | **{build + training:.1f}** |")
    acc = metrics["test_accuracy"]
    lo, hi = metrics["test_ci95"]
    reached = "reached" if acc >= args.target else "did NOT reach"
    print(
        f"\ntest accuracy {acc:.2%} (95% CI {lo:.2%}..{hi:.2%}, n={metrics['test_n']:,}): "
        f"{reached} {args.target:.0%}; {metrics['examples_per_second']:,.0f} training ex/s"
    )


if __name__ == "__main__":
    main()
