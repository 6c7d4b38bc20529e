"""``tfdojo params``: each layer's shapes and parameter count, from the config alone."""

from __future__ import annotations

import argparse
import dataclasses
import json

from tfdojo.cli.options import add_command
from tfdojo.core.errors import TfdojoError
from tfdojo.models import ModelConfig, names, shapes
from tfdojo.models.spec import source_file

NAME = "params"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="print a model's layers: output shapes, weight shapes, parameter counts",
        example="tfdojo params --model cnn_course --set model.conv_strides=1",
        description="Shapes and parameter counts per layer (logistic: 784x10 + 10 = 7,850). "
        f"Models: {', '.join(names())}.",
    )
    p.add_argument("--model", metavar="NAME", default="cnn", help="default: cnn")
    p.add_argument("--config", metavar="FILE.toml", help="settings overriding the model's defaults")
    p.add_argument(
        "--set", metavar="KEY=VALUE", action="append", default=[], help="e.g. model.hidden=512"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def model_config(name: str, toml_path=None, sets: list[str] | None = None):
    """The architecture of preset ``name`` with the file's and ``--set``'s changes.

    ``--set`` takes the training config's keys (``model.hidden=512``) or, for short,
    the model's own (``hidden=512``).
    """
    # imported here: `tfdojo --help` loads no library
    from tfdojo.training.settings import make_config

    own = {f.name for f in dataclasses.fields(ModelConfig)}
    sets = [f"model.{s}" if s.split("=", 1)[0].strip() in own else s for s in sets or []]
    cfg = make_config(name, toml_path, sets).model
    if cfg.source:  # PATH.py:NAME: a missing file or a folder is refused as such first
        path, cls = source_file(cfg.source)
        raise TfdojoError(
            f"--model: {cls} of {path} is a model of your own: its layers are its own, "
            f"unknown to tfdojo's calculator (it knows {', '.join(names())}); "
            f"`tfdojo train --model {cfg.source}` reports its parameter count"
        )
    return cfg


def run(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.models import shapes

    cfg = model_config(args.model, args.config, args.set)
    print(json.dumps(model_json(cfg)) if args.json else shapes.describe_model(cfg))
    return 0


def model_json(cfg) -> dict:
    """``--json`` of params and shapes --model: the model's layers and parameter count."""
    layers = [
        {
            "name": l.name,
            "kind": l.kind,
            "output_shape": list(l.output_shape),
            "weights": {k: list(v) for k, v in l.weights.items()},
            "params": l.params,
        }
        for l in shapes.layers(cfg)
    ]
    return {"model": cfg.name, "params": shapes.count_params(cfg), "layers": layers}
