"""``tfdojo params``: each layer's shapes and parameter count, from the config alone."""

from __future__ import annotations

import argparse

from tfdojo.commands import add_command


def register(sub) -> None:
    from tfdojo.models import names

    p = add_command(
        sub,
        "params",
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


def run(args: argparse.Namespace) -> int:
    import json

    from tfdojo import shapes
    from tfdojo.train import make_config

    cfg = make_config(args.model, args.config, args.set).model
    if args.json:
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
        print(json.dumps({"model": cfg.name, "params": shapes.count_params(cfg), "layers": layers}))
        return 0
    print(
        f"{cfg.name}: {shapes.count_params(cfg):,} parameters, "
        f"{shapes.forward_flops(cfg) / 1e6:.2f} MFLOP per image (forward)\n"
    )
    print(shapes.format_table(cfg))
    return 0
