"""``tfdojo train``: train a model and leave a run folder (config, history, metrics, SavedModel)."""

from __future__ import annotations

import argparse
import time

from tfdojo.cli import add_command


def register(sub) -> None:
    from tfdojo.models import names

    p = add_command(
        sub,
        "train",
        help="train a model (logistic, mlp, cnn, ...) and save the run",
        example="tfdojo train --model mlp --set lr=0.05 --set model.hidden=512,256 --epochs 5",
        description="Train a model on a dataset's train split, validate every epoch, then test "
        "it and write RUN/config.json, history.json, metrics.json, model/ (SavedModel) and "
        f"ckpt/. Models: {', '.join(names())}.",
    )
    p.add_argument(
        "--data", metavar="DIR", help="dataset folder (default: the cache's, built if missing)"
    )
    p.add_argument("--model", metavar="NAME", help=f"one of {', '.join(names())} (default: cnn)")
    p.add_argument("--out", metavar="RUN", help="run folder (default: runs/<model>-<timestamp>)")
    p.add_argument("--config", metavar="FILE.toml", help="settings overriding the model's defaults")
    p.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override one setting, e.g. lr=0.1 or model.hidden=512,256 (repeatable)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    p.add_argument("--resume", action="store_true", help="continue RUN from its last checkpoint")
    p.add_argument("--engine", choices=["tensorflow", "numpy"], help="default: tensorflow")
    p.add_argument("--epochs", metavar="N", help="passes over the training set")
    p.add_argument("--seed", metavar="S", help="seed of weights, shuffles and dropout")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tfdojo import config as config_lib
    from tfdojo import runs
    from tfdojo.errors import TfdojoError
    from tfdojo.train import make_config

    if args.resume and args.overwrite:
        raise TfdojoError("--resume and --overwrite: choose one")
    if args.resume:
        if not args.out:
            raise TfdojoError("--resume: give the run folder to continue with --out RUN")
        if args.config or args.set or args.model or args.engine or args.seed:
            raise TfdojoError(
                "--resume continues with the run's saved config; only --epochs may change"
            )
        saved = runs.read_json(Path(args.out) / "config.json", "config")
        cfg = config_lib.replace(
            make_config(saved.get("model", {}).get("name")), saved, where="config.json"
        )
        if args.epochs:
            cfg = config_lib.replace(cfg, {"epochs": args.epochs}, where="--epochs")
    else:
        cfg = make_config(
            args.model,
            args.config,
            args.set,
            engine=args.engine,
            epochs=args.epochs,
            seed=args.seed,
        )
    out = (
        Path(args.out)
        if args.out
        else Path("runs") / f"{cfg.model.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    runs.prepare(out, overwrite=args.overwrite, resume=args.resume)
    data = _load_data(args.data)
    if cfg.engine == "numpy":
        try:
            from tfdojo.scratch.train import train
        except ImportError as exc:
            raise TfdojoError(f"--engine numpy: not available in this install ({exc})") from None
    else:
        from tfdojo.train import train
    metrics = train(cfg, data, out, resume=args.resume, progress=args.progress)
    lo, hi = metrics["test_ci95"]
    print(
        f"{metrics['model']}: test accuracy {metrics['test_accuracy']:.2%} "
        f"(95% CI {lo:.2%}..{hi:.2%}, n={metrics['test_n']:,}), "
        f"valid {metrics['valid_accuracy']:.2%}, {metrics['params']:,} parameters, "
        f"{metrics['epochs']} epochs in {metrics['train_seconds']:.0f} s "
        f"({metrics['examples_per_second']:,.0f} ex/s, {metrics['threads']} threads)"
    )
    print(f"run saved in {out}")
    return 0


def _load_data(path):
    from tfdojo.data import dataset

    if path is None and not dataset.exists():
        from tfdojo.data.build import BuildConfig, build
        from tfdojo.paths import default_data_dir

        print(f"no dataset in {default_data_dir()} yet: building it from this machine's fonts")
        build(default_data_dir(), BuildConfig())
    return dataset.load(path)
