"""Time to a trained convnet: from an empty cache to the default cnn at 97% on its test split.

What a learner waits for after `make demo`'s set-up, run as they would run it: the two
commands in fresh processes, on an empty cache (``TFDOJO_DATA`` set to a new folder)::

    tfdojo data build                      # the fonts -> notMNIST
    tfdojo train --model cnn               # default settings, --precision auto

then what ``tfdojo train`` no longer does, made when the learner asks for it, each in a
fresh process after training::

    tfdojo report RUN                      # the page and its figures (matplotlib)
    tfdojo export RUN --format savedmodel  # a SavedModel for serving

Each command is timed from outside (wall clock, including TensorFlow's import, which is
also timed alone: ``python -c "import tensorflow"`` in a fresh process). The training
command is split into its fixed costs and its epochs by the run folder it writes: the start-up
before the first step (until ``config.json`` appears: the import, the data, the model),
the epochs' steps and validation passes (``history.json``), and the test and the saving
(from the last epoch until the process ends, ``metrics.json`` the last file written)::

    python benchmarks/time_to_accuracy.py                   # 2 threads, the cnn
    python benchmarks/time_to_accuracy.py --epochs 3 --precision float32
    python benchmarks/time_to_accuracy.py --model logistic --set epochs=1   # seconds, a check

The table's first rows are what the learner waits for (data build and training), the last
ones what is now lazy. The last lines say whether the run reached ``--target`` (97%) on its
own test split and, with ``--dev IMAGES`` (an IDX file of real notMNIST, its labels beside
it, as ``tfdojo evaluate --data`` takes it), its accuracy on those real images::

    python benchmarks/time_to_accuracy.py --precision float32 \
        --dev ../shared/notmnist-real-dev/dev-images-idx3-ubyte.gz
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import cpu_kind


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``cmd``; its wall time in seconds, and the wall clock (``time.time``) at its start
    and end, to compare with the files' modification times."""
    start_wall, start = time.time(), time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return seconds, start_wall, start_wall + seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default="cnn", help="the model to train (default: cnn)")
    parser.add_argument("--epochs", type=int, help="default: the model preset's")
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="a setting passed to `tfdojo train --set` (repeatable)",
    )
    parser.add_argument("--precision", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--target", type=float, default=0.97)
    parser.add_argument("--dev", help="real images (IDX) to evaluate the run on, labels beside")
    args = parser.parse_args()

    tfdojo = [sys.executable, "-m", "tfdojo", "--threads", str(args.threads)]
    with tempfile.TemporaryDirectory(prefix="tfdojo-tta-") as tmp:
        env = dict(os.environ, TFDOJO_DATA=str(Path(tmp) / "cache"), TF_CPP_MIN_LOG_LEVEL="2")
        tf_import, _, _ = timed([sys.executable, "-c", "import tensorflow"], env)
        build, _, _ = timed([*tfdojo, "data", "build", "--quiet"], env)
        run = Path(tmp) / "run"
        cmd = [*tfdojo, "train", "--model", args.model, "--out", str(run), "--no-progress"]
        cmd += ["--precision", args.precision]
        for setting in args.set:
            cmd += ["--set", setting]
        if args.epochs:
            cmd += ["--epochs", str(args.epochs)]
        training, began, ended = timed(cmd, env)
        first_step = (run / "config.json").stat().st_mtime  # written just before the first step
        metrics = json.loads((run / "metrics.json").read_text())
        history = json.loads((run / "history.json").read_text())["epochs"]
        report, _, _ = timed([*tfdojo, "report", str(run)], env)
        export, _, _ = timed([*tfdojo, "export", str(run), "--format", "savedmodel"], env)
        dev = None
        if args.dev:
            answer = subprocess.run(
                [*tfdojo, "evaluate", str(run), "--data", args.dev, "--json"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            dev = json.loads(answer.stdout)

    epochs = metrics["train_seconds"]
    steps = sum(r["train_step_seconds"] for r in history)
    start_up = first_step - began
    after = ended - first_step - epochs  # the test, the saving, the process's exit
    print(
        f"{cpu_kind()}; {args.threads} threads, precision {metrics['precision']}; "
        f"`python benchmarks/time_to_accuracy.py {' '.join(sys.argv[1:])}`".rstrip()
    )
    print("| phase | seconds |\n|---|---:|")
    print(f'| TensorFlow\'s import alone (`python -c "import tensorflow"`) | {tf_import:.1f} |')
    print(f"| data build (empty cache) | {build:.1f} |")
    print(f"| training: start-up before the first step (import, data, model) | {start_up:.1f} |")
    n = metrics["epochs"]
    print(f"| training: {n} epoch{'s' if n != 1 else ''}, steps only | {steps:.1f} |")
    print(f"| training: validation after each epoch | {epochs - steps:.1f} |")
    print(f"| training: test and saving | {after:.1f} |")
    print(f"| **waited: data build + training** | **{build + training:.1f}** |")
    print(f"| lazy: `tfdojo report RUN` (its own process) | {report:.1f} |")
    print(f"| lazy: `tfdojo export RUN --format savedmodel` (its own process) | {export:.1f} |")
    acc = metrics["test_accuracy"]
    lo, hi = metrics["test_ci95"]
    reached = "reached" if acc >= args.target else "did NOT reach"
    print(
        f"\n{metrics['model']}: test accuracy {acc:.2%} (95% CI {lo:.2%}..{hi:.2%}, "
        f"n={metrics['test_n']:,}): {reached} {args.target:.0%}; "
        f"{metrics['examples_per_second']:,.0f} training ex/s"
    )
    if dev is not None:
        lo, hi = dev["ci95"]
        print(
            f"real images ({args.dev}): {dev['accuracy']:.2%} (95% CI {lo:.2%}..{hi:.2%}, "
            f"{dev['correct']:,} of {dev['n']:,})"
        )


if __name__ == "__main__":
    main()
