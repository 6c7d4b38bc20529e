"""``tfdojo explain softmax|cross-entropy|backprop``: the deck's concepts, with numbers."""

from __future__ import annotations

import json

from tfdojo.cli.options import add_command

NAME = "explain"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="the deck's concepts with numbers: softmax, cross-entropy, back-propagation",
        example="tfdojo explain softmax -1 1 2",
        threads=False,
    )
    group = p.add_subparsers(dest="explain_command", metavar="TOPIC", title="topics")

    s = add_command(
        group,
        "softmax",
        help="the deck's softmax table: score, exp, exp/Σexp, the two properties, scaling",
        example="tfdojo explain softmax -1 1 2",
        threads=False,
    )
    s.add_argument(
        "scores", nargs="*", type=float, metavar="SCORE", help="scores (default: -1 1 2)"
    )
    s.add_argument(
        "--decimals", type=int, default=2, metavar="D", help="decimals, 0..10 (default 2)"
    )
    s.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    s.set_defaults(func=run_softmax)

    c = add_command(
        group,
        "cross-entropy",
        help="D(S, L) = -Σ L_i log S_i = -log S_right, on a worked example",
        example="tfdojo explain cross-entropy -1 1 2 --right 0",
        threads=False,
    )
    c.add_argument(
        "scores", nargs="*", type=float, metavar="SCORE", help="scores (default: -1 1 2)"
    )
    c.add_argument(
        "--right",
        type=int,
        metavar="I",
        help="index of the right class, from 0 (default: the last)",
    )
    c.add_argument(
        "--decimals", type=int, default=4, metavar="D", help="decimals, 0..10 (default 4)"
    )
    c.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    c.set_defaults(func=run_cross_entropy)

    b = add_command(
        group,
        "backprop",
        help="a tiny 2-layer network: forward values, gradients by the chain rule, "
        "and the same from tf.GradientTape",
        example="tfdojo explain backprop",
        threads=False,
    )
    b.add_argument(
        "--no-tensorflow", action="store_true", help="skip the tf.GradientTape comparison"
    )
    b.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    b.set_defaults(func=run_backprop)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_softmax(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching import explain

    scores = args.scores or explain.DECK_SCORES
    if args.json:
        print(json.dumps(explain.softmax_values(scores)))
    else:
        print(explain.explain_softmax(scores, args.decimals))
    return 0


def run_cross_entropy(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching import explain

    scores = args.scores or explain.DECK_SCORES
    if args.json:
        print(json.dumps(explain.cross_entropy_values(scores, args.right)))
    else:
        print(explain.explain_cross_entropy(scores, args.right, args.decimals))
    return 0


def run_backprop(args) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.teaching import explain

    if args.json:
        print(json.dumps(explain.backprop_values(with_tensorflow=not args.no_tensorflow)))
    else:
        print(explain.explain_backprop(with_tensorflow=not args.no_tensorflow))
    return 0
