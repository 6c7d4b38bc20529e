"""``tfdojo tensorboard [RUNS]``: TensorBoard on the runs' logs (the ``tensorboard`` extra)."""

from __future__ import annotations

import time

from tfdojo.cli.options import add_command

NAME = "tensorboard"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="show the runs' curves and weight images in TensorBoard (pip install "
        "'tfdojo[tensorboard]')",
        example="tfdojo tensorboard runs --port 6006",
        description="Serve TensorBoard on 127.0.0.1 for every run under RUNS (or one run): "
        "loss, accuracy, learning rate and speed per epoch, and the first layer's weights "
        "as images after each epoch. Stop it with Ctrl-C.",
    )
    p.add_argument("runs", metavar="RUNS", nargs="?", default="runs", help="default: runs")
    p.add_argument(
        "--port", type=int, default=6006, metavar="N", help="port, 0..65535 (default: 6006)"
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1 only)"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.training.tensorboard import serve

    url = serve(args.runs, args.host, args.port)
    print(f"TensorBoard on {args.runs}: {url}  (Ctrl-C stops it)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopped")
    return 0
