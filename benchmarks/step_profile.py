"""Where a training step's time goes: oneDNN's kernels one by one, and everything else.

For a preset, float32, batch 128, ``--threads`` threads, without dropout and jitter (as
:mod:`train_throughput` times it): the steady step time of tfdojo's
TensorFlow engine (timed), then the same steps run again with ``ONEDNN_VERBOSE=1`` so oneDNN
names each primitive it executes, which implementation it picked (``brg_conv_fwd:avx2``,
``jit:avx2``, ``gemm:jit``; ``ref`` would be a slow fallback) and how long it took. The
rest of the step (gathers, casts, ReLU and bias gradients, dropout masks, the optimiser, the
loop) is the step time minus oneDNN's::

    python benchmarks/step_profile.py --model lenet5 --threads 1
    ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/step_profile.py --model cnn   # AVX2 kernels

It is the profile :mod:`train_throughput` points to where tfdojo is not 1.3x ahead.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import time

from _machine import cpu_kind

BATCH = 128
STEPS = 20


def steps(model: str, threads: int, verbose: bool) -> float:
    """Seconds per step of ``STEPS`` steps after a warm-up (printed markers around them)."""
    import numpy as np  # inner: the parent process only reads the workers' output

    from tfdojo.core.tf_setup import configure_tensorflow  # inner: likewise

    configure_tensorflow(threads)
    from tfdojo import engines  # inner: after the thread pools are set
    from tfdojo.training import settings  # inner: likewise

    rng = np.random.default_rng(0)
    n = BATCH * STEPS
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    sets = ["precision=float32", f"steps_per_call={STEPS}", "dropout=0", "jitter=0"]
    cfg = settings.make_config(model, sets=sets)  # train_throughput's step: the model's own
    engine = engines.make(cfg, images, labels)
    batches = settings.epoch_batches(0, 0, n, BATCH)
    rates = settings.learning_rates(cfg, range(len(batches)), len(batches))
    engine.train_steps(batches, rates)  # traced and warmed
    best = float("inf")
    for _ in range(1 if verbose else 3):
        print("@@ begin", flush=True)
        start = time.perf_counter()
        engine.train_steps(batches, rates)
        best = min(best, time.perf_counter() - start)
        print("@@ end", flush=True)
    return best / STEPS


def kernels(output: str) -> dict[tuple[str, str, str], list[float]]:
    """(primitive, implementation, direction) -> [count, milliseconds] between the markers."""
    table: dict = collections.defaultdict(lambda: [0, 0.0])
    inside = False
    for line in output.splitlines():
        if line.startswith("@@ "):
            inside = line == "@@ begin"
            continue
        fields = line.split(",")
        if not inside or not line.startswith("onednn_verbose") or "exec" not in fields:
            continue
        i = fields.index("exec")
        prim, impl, prop = fields[i + 2], fields[i + 3] or "-", fields[i + 4]
        shape = next((f for f in fields if f.startswith("mb")), "")
        row = table[(prim, impl, f"{prop} {shape}".strip())]
        row[0] += 1
        row[1] += float(fields[-1])
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verbose-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker or args.verbose_worker:
        print(f"@@ step {steps(args.model, args.threads, args.verbose_worker)!r}", flush=True)
        return

    me = [sys.executable, __file__, "--model", args.model, "--threads", str(args.threads)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    quiet = subprocess.run([*me, "--worker"], env=env, capture_output=True, text=True, check=True)
    step = float(quiet.stdout.split("@@ step ")[-1])
    loud = subprocess.run(
        [*me, "--verbose-worker"],
        env=dict(env, ONEDNN_VERBOSE="1"),
        capture_output=True,
        text=True,
        check=True,
    )
    table = kernels(loud.stdout)
    total = sum(ms for _, ms in table.values()) / STEPS  # oneDNN's milliseconds a step
    threads = f"{args.threads} thread{'s' if args.threads != 1 else ''}"
    print(f"{cpu_kind()}; {threads}, float32, batch {BATCH}")
    print(
        f"\n{args.model}: {step * 1e3:.2f} ms a step ({BATCH / step:,.0f} ex/s); "
        f"oneDNN kernels {total:.2f} ms (timed under ONEDNN_VERBOSE, which adds its own cost)\n"
    )
    print("| ms a step | share | primitive | implementation | what |\n|---:|---:|---|---|---|")
    rows = sorted(table.items(), key=lambda kv: -kv[1][1])
    for (prim, impl, what), (_, ms) in rows[: args.top]:
        share = ms / STEPS / (step * 1e3)
        print(f"| {ms / STEPS:.2f} | {share:.0%} | {prim} | {impl} | {what} |")
    rest = step * 1e3 - total
    print(f"| {rest:.2f} | {rest / (step * 1e3):.0%} | everything else | TensorFlow | |")


if __name__ == "__main__":
    main()
