"""Training throughput of the NumPy engine against tfdojo's TensorFlow trainer.

For each model and thread count, both engines train on the same random uint8 batches
(batch 128, SGD with momentum, no dropout) and we report examples per second of the
training steps alone (forward, backward, update), and the ratio NumPy / TensorFlow.
Each (engine, model, threads) cell runs in its own process, so the BLAS and TensorFlow
thread pools are sized before NumPy/TensorFlow load; cells are interleaved, repeated
``--repeats`` times, and the best repeat is kept (the least disturbed by other load).

    .venv/bin/python benchmarks/numpy_engine.py --models logistic mlp cnn_course --threads 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

BATCH = 128


def worker(engine: str, model_name: str, seconds: float) -> float:
    """Examples/s of ``engine`` training ``model_name`` for about ``seconds``."""
    import numpy as np

    from tfdojo import models
    from tfdojo.training.settings import TrainConfig, learning_rates

    cfg = TrainConfig(
        model=models.get(model_name).model, engine=engine, batch_size=BATCH, dropout=0.0
    )
    rng = np.random.default_rng(0)
    n = 16 * BATCH
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    batches = rng.permutation(n).reshape(-1, BATCH).astype(np.int32)
    rates = learning_rates(cfg, np.arange(len(batches)), len(batches))

    # The two engines implement one contract: only the engine differs.
    from tfdojo import engines
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow()
    trainer = engines.make(cfg, images, labels)
    k = trainer.steps_per_call

    def run_epoch() -> None:
        for i in range(0, len(batches), k):
            trainer.train_steps(batches[i : i + k], rates[i : i + k])  # returns once done

    run_epoch()  # warm-up (tracing, caches)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run_epoch()
        done += n
    return done / (time.perf_counter() - start)


def measure(engine: str, model: str, threads: int, seconds: float) -> float:
    env = dict(os.environ, TFDOJO_THREADS=str(threads), TF_CPP_MIN_LOG_LEVEL="2")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        env[var] = str(threads)
    cmd = [sys.executable, __file__, "--worker", engine, model, str(seconds)]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["examples_per_second"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=["logistic", "mlp", "cnn_course"])
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--seconds", type=float, default=3.0, help="timed seconds per cell")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        engine, model, seconds = args.worker
        print(json.dumps({"examples_per_second": worker(engine, model, float(seconds))}))
        return
    best: dict[tuple[str, str, int], float] = {}
    for _ in range(args.repeats):
        for model in args.models:
            for threads in args.threads:
                for engine in ("numpy", "tensorflow"):
                    key = (engine, model, threads)
                    best[key] = max(
                        best.get(key, 0.0), measure(engine, model, threads, args.seconds)
                    )
    print(f"batch {BATCH}, SGD+momentum, training steps only, best of {args.repeats}\n")
    print("| model | threads | NumPy engine ex/s | TF trainer ex/s | NumPy / TF |")
    print("|---|---:|---:|---:|---:|")
    for model in args.models:
        for threads in args.threads:
            a, b = best[("numpy", model, threads)], best[("tensorflow", model, threads)]
            print(f"| {model} | {threads} | {a:,.0f} | {b:,.0f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
