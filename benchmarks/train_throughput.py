"""Training throughput: tfdojo's trainer vs Keras 3 ``model.fit`` vs a plain PyTorch eager loop,
in float32 and in mixed bfloat16.

Same architectures (from the tfdojo presets), same uint8 images, batch size, SGD with
momentum 0.9. Mixed bfloat16 is each framework's own recipe: tfdojo ``--precision
bfloat16``, Keras' ``mixed_bfloat16`` policy (the logits cast to float32 for the loss),
PyTorch's ``torch.autocast("cpu", torch.bfloat16)``. Each framework and precision runs
in its own process per thread count (thread pools and Keras' policy are fixed at
start-up), and the processes are interleaved over ``--repeats`` rounds so that load from
other users hits all of them alike. The best round per cell is reported. Also reported:
achieved GFLOP/s (:func:`train_flops` per example, from ``tfdojo.models.shapes``) against a
large matmul's in the same precision.

    python benchmarks/train_throughput.py                      # 1 and 2 threads, both precisions
    python benchmarks/train_throughput.py --threads 2 --precisions bfloat16 --models cnn

PyTorch is optional (``pip install -e '.[bench]'``); without it its columns say "-".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _machine import cpu_kind

MODELS = ("logistic", "mlp", "cnn_course", "lenet5", "cnn")
PRECISIONS = ("float32", "bfloat16")
FRAMEWORKS = ("tfdojo", "keras", "torch")
N_IMAGES = 128 * 256  # 32,768 images, a multiple of the batch size


def make_data(n: int):
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(
        np.uint8
    )


def timed(run_once, seconds: float) -> float:
    """Examples per second of ``run_once() -> examples``, after one warm-up call."""
    run_once()
    done, start = 0, time.perf_counter()
    while True:
        done += run_once()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def matmul_peak(tf, precision: str, n: int = 2048) -> float:
    """GFLOP/s of an n x n matmul in ``precision`` (2 n^3 FLOPs), best of a few."""
    a = tf.cast(tf.random.normal([n, n]), precision)
    b = tf.cast(tf.random.normal([n, n]), precision)
    tf.matmul(a, b).numpy()
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        tf.matmul(a, b).numpy()
        best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def bench_tfdojo(name: str, batch: int, seconds: float, precision: str) -> float:
    from tfdojo import engines
    from tfdojo.training import settings

    images, labels = make_data(N_IMAGES)
    # the same work as Keras' and PyTorch's loops: no dropout, no jitter, no L2
    sets = [f"batch_size={batch}", "dropout=0", "jitter=0", "weight_decay=0"]
    sets.append(f"precision={precision}")
    cfg = settings.make_config(name, sets=sets)
    trainer = engines.make(cfg, images, labels)
    k = trainer.steps_per_call
    batches = settings.epoch_batches(0, 0, N_IMAGES, batch)
    rates = settings.learning_rates(cfg, range(len(batches)), len(batches))
    pos = [0]

    def once() -> int:
        i = pos[0] % len(batches)
        chunk = batches[i : i + k]
        loss, _ = trainer.train_steps(chunk, rates[i : i + k])
        float(loss)
        pos[0] = i + k
        return len(chunk) * batch

    return timed(once, seconds)


def keras_model(name: str):
    """The preset's architecture in Keras layers (:mod:`tfdojo.models.keras_twin`)."""
    from tfdojo import models
    from tfdojo.models.keras_twin import keras_model as twin

    return twin(models.get(name).model)


def bench_keras(name: str, batch: int, seconds: float, precision: str) -> float:
    import keras
    import numpy as np

    if precision == "bfloat16":  # before any layer is built
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    images, labels = make_data(N_IMAGES)
    x = ((images.astype(np.float32) - 127.5) / 255)[..., None]  # Keras gets float32 ready-made
    model = keras_model(name)
    if precision == "bfloat16":  # the loss in float32, as Keras' mixed-precision guide says
        model = keras.Sequential([model, keras.layers.Activation("linear", dtype="float32")])
    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x[: batch * 4], labels[: batch * 4], batch_size=batch, epochs=1, verbose=0)  # trace

    def once() -> int:  # one epoch of fit over all the images, as fit is meant to be used
        model.fit(x, labels, batch_size=batch, epochs=1, verbose=0, shuffle=True)
        return len(x)

    return timed(once, seconds)


def torch_model(name: str):
    import torch.nn as nn

    from tfdojo import models
    from tfdojo.models import shapes

    cfg = models.get(name).model
    mods: list = []
    for spec in shapes.layers(cfg):
        if spec.kind == "conv":
            k = spec.size
            pad = (k - 1) // 2 if spec.padding == "SAME" else 0
            mods += [
                nn.Conv2d(spec.input_shape[-1], spec.output_shape[-1], k, spec.stride, pad),
                nn.ReLU(),
            ]
        elif spec.kind == "pool":
            mods.append(nn.MaxPool2d(spec.size, spec.stride, ceil_mode=True))
        elif spec.kind == "flatten":
            mods.append(nn.Flatten())
        else:
            if not mods:
                mods.append(nn.Flatten())
            mods.append(nn.Linear(spec.input_shape[0], spec.output_shape[0]))
            if spec.relu:
                mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def bench_torch(
    name: str, batch: int, seconds: float, threads: int, precision: str
) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    images, labels = make_data(N_IMAGES)
    X = torch.from_numpy(images)
    y = torch.from_numpy(labels.astype("int64"))
    model = torch_model(name)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(N_IMAGES)
    pos = [0]

    def once() -> int:
        i = pos[0] % (N_IMAGES // batch)
        idx = perm[i * batch : (i + 1) * batch]
        xb = ((X[idx].float() - 127.5) / 255).unsqueeze(1)  # (B, 1, 28, 28), NCHW
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bfloat16"):
            logits = model(xb)
        loss = loss_fn(logits.float(), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        (logits.argmax(1) == y[idx]).sum().item()
        pos[0] = i + 1
        return batch

    return timed(once, seconds)


def worker(framework: str, precision: str, threads: int, models_: list[str], args) -> dict:
    """Run in a fresh process: examples/s of ``framework`` in ``precision`` for each model."""
    batch, seconds = args.batch_size, args.seconds
    if framework == "torch":
        try:
            import torch
        except ImportError:
            return {name: None for name in models_}
        torch.set_num_interop_threads(threads)
        return {name: bench_torch(name, batch, seconds, threads, precision) for name in models_}
    from tfdojo.core.tf_setup import configure_tensorflow

    tf = configure_tensorflow(threads)
    out: dict = {"_peak_gflops": matmul_peak(tf, precision)} if framework == "tfdojo" else {}
    fn = bench_tfdojo if framework == "tfdojo" else bench_keras
    for name in models_:
        out[name] = fn(name, batch, seconds, precision)
    return out


def run_worker(framework: str, precision: str, threads: int, args) -> dict:
    env = dict(os.environ)
    for var in ("TFDOJO_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    cmd = [sys.executable, __file__, "--worker", f"{framework}:{precision}"]
    cmd += ["--threads", str(threads), "--models", ",".join(args.models)]
    cmd += ["--batch-size", str(args.batch_size), "--seconds", str(args.seconds)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{framework} {precision} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def train_flops(cfg) -> int:
    """FLOPs of one example's training step: forward, backward to the weights, and backward
    to the inputs of every layer but the first (3x forward, less the first layer's 1x)."""
    from tfdojo.models import shapes

    first = next(l for l in shapes.layers(cfg) if l.macs)
    return 3 * shapes.forward_flops(cfg) - 2 * first.macs


def table(results: dict, args) -> str:
    from tfdojo import models

    def fmt(v):
        return "-" if v is None else f"{v:,.0f}"

    def ratio(a, b):
        return "-" if not a or not b else f"{a / b:.2f}x"

    lines = [
        "| model | threads | precision | tfdojo ex/s | Keras fit ex/s | PyTorch ex/s | vs Keras "
        "| vs PyTorch | tfdojo GFLOP/s (% of matmul peak) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for threads in args.threads:
        for precision in args.precisions:
            cell = results[threads][precision]
            peak = cell["tfdojo"]["_peak_gflops"]
            for name in args.models:
                t, k, p = (cell[f].get(name) for f in FRAMEWORKS)
                gflops = t * train_flops(models.get(name).model) / 1e9
                lines.append(
                    f"| {name} | {threads} | {precision} | {fmt(t)} | {fmt(k)} | {fmt(p)} "
                    f"| {ratio(t, k)} | {ratio(t, p)} "
                    f"| {gflops:.1f} ({gflops / peak:.0%} of {peak:.0f}) |"
                )
    if len(args.precisions) == 2:
        lines += [
            "",
            "| model | threads | tfdojo | Keras fit | PyTorch |",
            "|---|---:|---:|---:|---:|",
        ]
        for threads in args.threads:
            r = results[threads]
            for name in args.models:
                cells = [
                    ratio(r["bfloat16"][f].get(name), r["float32"][f].get(name)) for f in FRAMEWORKS
                ]
                lines.append(f"| {name} | {threads} | " + " | ".join(cells) + " |")
        lines.append("(bfloat16 over float32, per framework)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--precisions", default=",".join(PRECISIONS))
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per cell")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved rounds; best kept")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.models = args.models.split(",")
    if args.worker:
        framework, precision = args.worker.split(":")
        print(json.dumps(worker(framework, precision, int(args.threads), args.models, args)))
        return
    args.threads = [int(t) for t in args.threads.split(",")]
    args.precisions = args.precisions.split(",")
    results: dict = {
        t: {p: {f: {} for f in FRAMEWORKS} for p in args.precisions} for t in args.threads
    }
    for r in range(args.repeats):
        for threads in args.threads:
            for precision in args.precisions:
                for framework in FRAMEWORKS:
                    res = run_worker(framework, precision, threads, args)
                    print(
                        f"round {r + 1} threads {threads} {framework} {precision}: {res}",
                        file=sys.stderr,
                    )
                    best = results[threads][precision][framework]
                    for key, v in res.items():
                        if v is not None and (best.get(key) is None or v > best[key]):
                            best[key] = v
    cmd = "python benchmarks/train_throughput.py " + " ".join(sys.argv[1:])
    print(
        f"{cpu_kind()}\n"
        f"batch {args.batch_size}, SGD+momentum, best of {args.repeats} interleaved rounds "
        f"of {args.seconds:g} s; `{cmd.strip()}`\n"
    )
    print(table(results, args))


if __name__ == "__main__":
    main()
