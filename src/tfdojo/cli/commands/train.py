"""``tfdojo train``: train a model and leave a run folder (config, history, metrics, weights)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from tfdojo.cli.options import add_command, add_overwrite_option, add_quiet_option
from tfdojo.engines.replicated import (
    DEFAULT_TIMEOUT,
    STRATEGIES,
    StrategyConfig,
    parse_worker_hosts,
)
from tfdojo.models import names

NAME = "train"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="train a model (logistic, mlp, cnn, ...) and save the run",
        example="tfdojo train --model mlp --set lr=0.05 --set model.hidden=512,256 --epochs 5\n"
        "  tfdojo train --model mlp --strategy mirrored --devices 2   # 2 logical CPU devices\n"
        "  tfdojo launch --workers 2 -- train --model mlp             # 2 local workers\n"
        "  tfdojo train --strategy multiworker --worker-hosts hostA:2222,hostB:2222 "
        "--task-index 0",
        description="Train a model on a dataset's train split, validate every epoch, then test "
        "it and write RUN/config.json, history.json, metrics.json, weights.npz and ckpt/. "
        "The report (`tfdojo report RUN`, or --report) and a SavedModel (`tfdojo export RUN "
        f"--format savedmodel`) are made when asked for. Models: {', '.join(names())}.",
    )
    p.add_argument(
        "--data", metavar="DIR", help="dataset folder (default: the cache's, built if missing)"
    )
    p.add_argument(
        "--model",
        metavar="NAME",
        help=f"one of {', '.join(names())} (default: cnn), or PATH.py:NAME, a model class of "
        "your own (a tf.Module built as Model(seed=0) and called as "
        "model(x, dropout_rate, seed) -> logits)",
    )
    p.add_argument(
        "--out",
        metavar="RUN",
        help="the run folder to create (default: runs/<model>-<date>-<time>); with --resume, "
        "the run to continue",
    )
    p.add_argument("--config", metavar="FILE.toml", help="settings overriding the model's defaults")
    p.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override one setting, e.g. lr=0.1 or model.hidden=512,256 (repeatable); each "
        "in its range: seed 0..9223372036854775807, epochs 1..10000, patience 0..10000, "
        "batch_size and eval_batch_size 1..65536, lr (0, 1e38], momentum [0, 1), lr_decay "
        "(0, 1], lr_decay_epochs (0, 10000], weight_decay [0, 1], dropout [0, 1), jitter [0, 4], "
        "steps_per_call 0..1000 (0 picks); lr_schedule constant, exponential, step or cosine "
        "(the default: the rate decays to 0 by the last step, so the last epoch's lr is "
        "about 0)",
    )
    add_overwrite_option(p, "run folder")
    p.add_argument("--resume", action="store_true", help="continue RUN from its last checkpoint")
    p.add_argument("--engine", choices=["tensorflow", "numpy"], help="default: tensorflow")
    p.add_argument("--epochs", metavar="N", help="passes over the training set, 1..10000")
    p.add_argument(
        "--seed",
        metavar="S",
        help="seed of weights, shuffles and dropout, 0..9223372036854775807",
    )
    p.add_argument(
        "--precision",
        choices=["auto", "float32", "bfloat16"],
        help="bfloat16: mixed precision (bfloat16 compute, float32 weights and loss); auto "
        "(default): bfloat16 where the CPU has AMX or AVX512-BF16, float32 elsewhere",
    )
    add_quiet_option(p)  # also no line per epoch
    p.add_argument("--json", action="store_true", help="print the run's metrics as one JSON object")
    p.add_argument(
        "--report",
        action="store_true",
        help="also write the run's report, RUN/report/report.html, at the end (about 5 s; "
        "default: not written, `tfdojo report RUN` writes it later)",
    )
    add_strategy_options(p)
    p.set_defaults(func=run)


def add_strategy_options(p) -> None:
    """``--strategy`` and the options of the distributed placements
    (:mod:`tfdojo.engines.replicated`)."""
    g = p.add_argument_group(
        "distributed training",
        "batch_size is the GLOBAL batch: with R replicas each replica gets batch_size / R "
        "images (batch_size must be a multiple of R) and the loss is averaged over the "
        "global batch, so R replicas follow the one-device run at the same batch_size. "
        "Only the chief (worker 0) writes the run folder. multiworker: each worker's "
        "TensorFlow gRPC server listens on its PORT on every interface (0.0.0.0 and [::], "
        "whatever HOST says), unauthenticated: anyone who can reach that port can run "
        "operations in the worker; keep the ports behind a firewall or on a private network.",
    )
    g.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="none",
        help="none: one device (default); mirrored: every local GPU, or --devices N logical "
        "CPU devices; multiworker: MultiWorkerMirroredStrategy over --worker-hosts or TF_CONFIG",
    )
    g.add_argument(
        "--devices",
        metavar="N",
        type=int,
        default=0,
        help="mirrored: how many devices, 0..64 (0: every GPU, or one CPU)",
    )
    g.add_argument(
        "--worker-hosts",
        metavar="HOST:PORT,...",
        help="multiworker: every worker's address, the chief first (instead of TF_CONFIG); "
        "each worker listens on its PORT on every interface",
    )
    g.add_argument(
        "--task-index", metavar="I", type=int, help="multiworker: this worker's position, 0.."
    )
    g.add_argument(
        "--collective-timeout",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="multiworker: stop with an error when the other workers do not answer "
        "within this time, at start-up and in each all-reduce; more than 0, at most 86400 "
        f"(default {DEFAULT_TIMEOUT:g})",
    )
    g.add_argument(
        "--dump-weights",
        metavar="DIR",
        help="debug: each worker writes its final weights to DIR/worker-<i>.npz",
    )


def strategy_config(args: argparse.Namespace):
    """The :class:`tfdojo.engines.replicated.StrategyConfig` of the parsed options."""
    return StrategyConfig(
        kind=args.strategy,
        devices=args.devices,
        worker_hosts=parse_worker_hosts(args.worker_hosts) if args.worker_hosts is not None else (),
        task_index=args.task_index,
        timeout=args.collective_timeout,
        dump_weights=args.dump_weights,
    )


def run(args: argparse.Namespace) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo.core.errors import TfdojoError
    from tfdojo.core.text import plural
    from tfdojo.models.spec import is_reference
    from tfdojo.training import train

    strategy = strategy_config(args)
    model_class = None
    if is_reference(args.model):
        from tfdojo.models.learner import load_class  # imports TensorFlow

        model_class = load_class(args.model)
    log = print if not args.json else (lambda line: print(line, file=sys.stderr))
    callbacks = []
    if args.report:
        from tfdojo.results.report import WriteReport  # matplotlib: only when a report is drawn

        callbacks.append(WriteReport())
    options = dict(
        progress=not args.quiet and not args.json,  # --json: stdout holds the JSON only
        strategy=strategy,
        threads=args.threads,
        model_class=model_class,
        log=log,
        callbacks=callbacks,
    )
    if args.resume and args.overwrite:
        raise TfdojoError("--resume and --overwrite: choose one")
    if args.resume:
        if not args.out:
            raise TfdojoError("--resume: give the run folder to continue with --out RUN")
        changed = args.config or args.set or args.engine or args.seed or args.precision
        if changed or (args.model and not model_class):
            raise TfdojoError(
                "--resume continues with the run's saved config; only --epochs may change "
                "(and --model PATH.py:NAME gives the class of a run of your own model)"
            )
        result = train.resume(args.out, args.data, epochs=args.epochs, **options)
    else:
        cfg = train.make_config(
            args.model,
            args.config,
            args.set,
            engine=args.engine,
            epochs=args.epochs,
            seed=args.seed,
            precision=args.precision,
        )
        result = train.run(cfg, args.data, args.out, overwrite=args.overwrite, **options)
    metrics, out = result.metrics, result.run_dir
    if args.json:
        print(json.dumps({**metrics, "run": str(out)}))
        return 0
    if not metrics.get("chief", True):
        print(
            f"{metrics['worker']}: trained {metrics['epochs']} epochs with the other workers "
            f"({metrics['examples_per_second']:,.0f} ex/s in all); the chief wrote the run"
        )
        return 0
    lo, hi = metrics["test_ci95"]
    print(
        f"{metrics['model']}: test accuracy {metrics['test_accuracy']:.2%} "
        f"(95% CI {lo:.2%}..{hi:.2%}, n={metrics['test_n']:,}), "
        f"valid {metrics['valid_accuracy']:.2%}, {metrics['params']:,} parameters, "
        f"{plural(metrics['epochs'], 'epoch')} in {metrics['train_seconds']:.0f} s "
        f"({metrics['examples_per_second']:,.0f} ex/s, {plural(metrics['threads'], 'thread')})"
    )
    if "replicas" in metrics:
        print(
            f"strategy {metrics['strategy']}: {metrics['replicas']} replicas on "
            f"{metrics['workers']} worker(s), global batch {metrics['batch_size']}"
        )
    print(f"run saved in {out}")
    report = Path(out).resolve() / "report" / "report.html"
    if args.report:
        print(f"report: {report.as_uri()}")
    else:
        command = f"tfdojo report {shlex.quote(str(out))}"
        print(f"report: {command}  (draws the page and its figures, about 5 s)")
    return 0
