"""``tfdojo play``: a local web page to draw a letter on and watch one or two models decide."""

from __future__ import annotations

import argparse

from tfdojo.cli.options import add_command, add_model_code_option, model_classes

NAME = "play"
NEEDS_TENSORFLOW = True  # its thread pools are set before anything imports it


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="draw a letter in your browser and watch the network decide",
        example="tfdojo play runs/demo-cnn            # then draw; Ctrl-C stops",
        description="Serves a page on this machine: draw a letter (mouse, pen or finger) or "
        "upload an image, and see after each stroke the 28x28 image the model sees, its "
        "softmax and scores, and its first layer (logistic templates, convnet feature maps, "
        "MLP units); a Mistakes tab lists the run's most confident test mistakes. With two "
        "runs, both answer side by side. The same answers as JSON: POST an image to "
        "/api/predict. A run of your own model (trained with --model PATH.py:NAME) needs "
        "--model-code PATH.py:NAME; its first layer is drawn when its first weights have "
        "one of those shapes.",
    )
    p.add_argument("run", metavar="RUN", help="a run folder made by `tfdojo train`")
    p.add_argument("run_b", metavar="RUN_B", nargs="?", help="a second run, shown beside RUN")
    p.add_argument(
        "--port",
        type=int,
        default=8000,
        metavar="N",
        help="port to listen on, 0..65535; 0 picks a free one (default 8000)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on, a name or address of this machine "
        "(default 127.0.0.1: this machine only)",
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    add_model_code_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here, once --threads has sized TensorFlow's pools (cli/main.py)
    from tfdojo.core.serving import check_host, check_port
    from tfdojo.play import Player, serve

    check_port(args.port)  # before the models load: a bad address is refused at once
    check_host(args.host)
    player = Player.open([r for r in (args.run, args.run_b) if r], model_classes(args))
    player.warm_up()
    serve(player, host=args.host, port=args.port, open_browser=not args.no_browser, say=_say)
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
