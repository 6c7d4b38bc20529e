"""``tfdojo shapes``: output size and parameters of a convolution, or of a whole model."""

from __future__ import annotations

import json

from tfdojo.cli.options import add_command

NAME = "shapes"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="output size and parameter count of a convolution (or of every layer of a model)",
        example="tfdojo shapes --input 28x28x3 --patch 3 --depth 8 --stride 1 --padding SAME",
        description="Output size and parameter count of one convolution, with the formula: "
        "SAME ceil(n/s), VALID ceil((n-k+1)/s). --table prints the deck's table; "
        "--model NAME prints every layer of a model (the calculator `tfdojo params` uses).",
    )
    p.add_argument(
        "--input",
        metavar="HxWxD",
        default="28x28x3",
        help="input height x width x depth, each 1..65536 (default 28x28x3; 28x28 means depth 1)",
    )
    p.add_argument(
        "--patch", type=int, default=3, metavar="K", help="patch size K x K, 1..1024 (default 3)"
    )
    p.add_argument(
        "--depth", type=int, default=8, metavar="D", help="output depth, 1..65536 (default 8)"
    )
    p.add_argument("--stride", type=int, default=1, metavar="S", help="stride, 1..1024 (default 1)")
    p.add_argument("--padding", default="SAME", metavar="P", help="SAME or VALID (default SAME)")
    p.add_argument(
        "--table",
        action="store_true",
        help="the deck's table: SAME/1, VALID/1, VALID/2 for this input, patch and depth",
    )
    p.add_argument("--model", metavar="NAME", help="print every layer of this model instead")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        help="with --model: change the architecture, e.g. hidden=512,256 or conv_strides=2",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.cli.commands.params import model_config, model_json
    from tfdojo.core import bounds
    from tfdojo.core.errors import TfdojoError
    from tfdojo.models import shapes
    from tfdojo.teaching import deck

    if args.model:
        cfg = model_config(args.model, sets=args.set)
        print(json.dumps(model_json(cfg)) if args.json else shapes.describe_model(cfg))
        return 0
    if args.set:
        raise TfdojoError(f"--set: only used with --model, received {args.set[0]!r}")
    padding = args.padding.upper() if args.padding.upper() in ("SAME", "VALID") else args.padding
    bounds.whole("--patch", args.patch, 1, 1024)
    bounds.whole("--depth", args.depth, 1, 65536)
    bounds.whole("--stride", args.stride, 1, 1024)
    try:
        shape = deck.parse_input_shape(args.input)
        for side in shape:
            bounds.whole("--input", side, 1, 65536, "a side of whole pixels")
        if args.json:
            settings = [("SAME", 1), ("VALID", 1), ("VALID", 2)] if args.table else None
            settings = settings or [(padding, args.stride)]
            rows = [
                {"input": list(shape), "patch": args.patch, "stride": s, "padding": pad}
                | {
                    k: list(v) if k == "output" else v
                    for k, v in deck.conv_shape(shape, args.patch, args.depth, s, pad).items()
                }
                for pad, s in settings
            ]
            print(json.dumps({"convolutions": rows}))
        elif args.table:
            print(deck.deck_table(shape, args.patch, args.depth))
        else:
            print(deck.describe_conv(shape, args.patch, args.depth, args.stride, padding))
    except ValueError as exc:
        raise TfdojoError(f"--{exc}") from None  # "patch: ..." names the --patch option
    return 0
