"""``tfdojo dojo ...``: the workshop room; the facilitator's actions (serve, board, randori,
export) here, the learners' (join, share, leave) in :mod:`dojo_learner`."""

from __future__ import annotations

import argparse
import json
import logging

from tfdojo.cli.commands import dojo_learner
from tfdojo.cli.options import add_command
from tfdojo.core.errors import TfdojoError

NAME = "dojo"
NEEDS_TENSORFLOW = False


def register(sub) -> None:
    p = add_command(
        sub,
        NAME,
        help="the workshop room: a facilitator's board of every learner's kata checks",
        example="tfdojo dojo serve --host 0.0.0.0 --katas 1-5",
        description="A facilitator serves a room on the venue's network; learners join it, "
        "and each `tfdojo kata check` then sends its verdict (status, likely cause, time, "
        "hints; never code) to the room's board: learners x katas, the room's top causes, "
        "who is stuck. A learner may share a kata file for the retrospective.",
        threads=False,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)

    serve = add_command(
        actions,
        "serve",
        help="open the room (the facilitator): the board and the API learners send to",
        example="tfdojo dojo serve --host 0.0.0.0 --port 8765 --katas 1-5 --data ~/notmnist",
        description="Serves the room until Ctrl-C and prints the command learners join with "
        "(its room token) and the board's address (with the board token: keep it to "
        "yourself). State lives in an SQLite file (--db): a restart carries on with the "
        "same tokens and every verdict acknowledged. Binds 127.0.0.1 unless --host names "
        "an interface (0.0.0.0: every one).",
        threads=False,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument(
        "--port", type=int, default=8765, help="port to listen on (default 8765; 0: a free one)"
    )
    serve.add_argument(
        "--katas",
        metavar="LIST",
        help="the evening's katas: 1-5, 1,3,7-9 or names (default: the room's, or all 14)",
    )
    serve.add_argument(
        "--db", metavar="FILE", help="the room's SQLite file (default: the tfdojo cache's)"
    )
    data = serve.add_mutually_exclusive_group()
    data.add_argument(
        "--data",
        metavar="DIR",
        help="the dataset folder to hand out (`tfdojo data fetch URL`); default: the cache's, "
        "if `tfdojo data build` made one",
    )
    data.add_argument("--no-data", action="store_true", help="hand out no dataset")
    serve.add_argument(
        "--stuck-minutes",
        type=float,
        default=10.0,
        metavar="N",
        help="name learners on one cause for more than N minutes (default 10)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name learners may use for this machine (IP addresses always work)",
    )
    serve.add_argument(
        "--ready-file",
        metavar="FILE",
        help='once listening, write {"url", "token", "board_token"} there as JSON',
    )
    serve.set_defaults(func=run_serve)

    board = add_command(
        actions,
        "board",
        help="the board in this terminal (or as JSON)",
        example="tfdojo dojo board --url http://127.0.0.1:8765/ --token BOARD_TOKEN --json",
        threads=False,
    )
    add_room_options(board)
    board.add_argument("--stuck-minutes", type=float, metavar="N", help="stuck after N minutes")
    board.add_argument("--json", action="store_true", help="print the board's JSON")
    board.set_defaults(func=run_board)

    randori = add_command(
        actions,
        "randori",
        help="learners take turns at one shared workspace: pilot, co-pilot, countdown",
        example="tfdojo dojo randori --url URL --token BOARD_TOKEN --minutes 5 Ada Bo Cy",
        description="Shows on the board the pilot (at the keyboard of the shared workspace), "
        "the co-pilot and the time left, rotating every --minutes; the shared workspace's "
        "verdicts appear large. The shared laptop joins as --shared (default: randori).",
        threads=False,
    )
    add_room_options(randori)
    randori.add_argument("names", nargs="*", metavar="NAME", help="the learners, in turn order")
    randori.add_argument("--minutes", type=float, default=5.0, help="minutes per turn (default 5)")
    randori.add_argument(
        "--shared", default="randori", help="the name the shared workspace joined as"
    )
    randori.add_argument("--stop", action="store_true", help="end the randori under way")
    randori.set_defaults(func=run_randori)

    export = add_command(
        actions,
        "export",
        help="write the room as CSV, JSON and a retrospective page",
        example="tfdojo dojo export --out room-2026-11-27",
        description="Reads the room's SQLite file (while it serves or after) and writes "
        "tfdojo-room-verdicts.csv, tfdojo-room.json and tfdojo-room-summary.html (time "
        "per kata, the most common causes, hints used) into --out.",
        threads=False,
    )
    export.add_argument("--db", metavar="FILE", help="the room's file (default: the cache's)")
    export.add_argument(
        "--out",
        metavar="DIR",
        default="room-export",
        help="folder to write (default: room-export here)",
    )
    export.set_defaults(func=run_export)

    dojo_learner.register(actions)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def add_room_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the room's address")
    parser.add_argument("--token", required=True, help="the board token `serve` printed")


def parse_katas(text: str | None) -> list[str] | None:
    """``--katas``: ``1-5``, ``1,3,7-9`` or names, as the kata names of the workspace track."""
    # imported here: the kata registry (no TensorFlow) only when --katas is given
    from tfdojo.teaching.kata import find, katas
    from tfdojo.teaching.kata.workspace import TRACK

    if text is None:
        return None
    every = katas(TRACK)
    chosen: list[str] = []
    for part in text.split(","):
        part = part.strip()
        low, dash, high = part.partition("-")
        if dash and low.isdigit() and high.isdigit():
            numbers = range(int(low), int(high) + 1)
            if not numbers or int(low) < 1 or int(high) > len(every):
                raise TfdojoError(
                    f"--katas: expected a range within 1-{len(every)}, received {part!r}"
                )
            names = [every[n - 1].name for n in numbers]
        elif part:
            names = [find(part, TRACK).name]
        else:
            raise TfdojoError(f"--katas: expected 1-5, 1,3,7-9 or names, received {text!r}")
        chosen += [n for n in names if n not in chosen]
    return chosen


def run_serve(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.core.paths import default_data_dir
    from tfdojo.data.dataset import exists
    from tfdojo.room.server import serve
    from tfdojo.teaching.kata import katas
    from tfdojo.teaching.kata.workspace import TRACK

    # waitress warns of its queue on a burst of joins (40 laptops at once): not news on the night
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    if not 0 <= args.port <= 65535:
        raise TfdojoError(f"--port: expected 0 to 65535, received {args.port}")
    if not 0 < args.stuck_minutes <= 600:
        raise TfdojoError(f"--stuck-minutes: expected 0 to 600, received {args.stuck_minutes:g}")
    data = args.data
    if data is None and not args.no_data and exists(None):
        data = default_data_dir()
    serve(
        db=args.db,
        katas=parse_katas(args.katas),
        default_katas=[k.name for k in katas(TRACK)],
        host=args.host,
        port=args.port,
        data=data,
        stuck_minutes=args.stuck_minutes,
        allow_hosts=tuple(args.allow_host),
        ready_file=args.ready_file,
        say=_say,
    )
    return 0


def run_board(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.room.board import format_board
    from tfdojo.room.client import board

    found = board(args.url, args.token, args.stuck_minutes)
    print(json.dumps(found, indent=1, ensure_ascii=False) if args.json else format_board(found))
    return 0


def run_randori(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.room.client import randori, stop_randori

    if args.stop:
        stopped = stop_randori(args.url, args.token)
        print("randori: stopped" if stopped else "randori: none was under way")
        return 0
    state = randori(args.url, args.token, args.names, args.minutes, args.shared)
    print(
        f"randori: {', '.join(state['names'])}, {args.minutes:g} minutes each at "
        f"{state['shared']}'s workspace; pilot {state['pilot']}, co-pilot {state['copilot']}"
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.room.export import export
    from tfdojo.room.server import default_db

    for path in export(args.db or default_db(), args.out):
        print(f"wrote {path}")
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
