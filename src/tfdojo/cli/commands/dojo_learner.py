"""``tfdojo dojo join|share|leave``: a learner's side of the workshop room."""

from __future__ import annotations

import argparse
from pathlib import Path

from tfdojo.cli.options import add_command


def register(actions) -> None:
    join = add_command(
        actions,
        "join",
        help="join the room (a learner): your kata checks then appear on its board",
        example="tfdojo dojo join http://192.168.1.20:8765/ --token kq7m-3xtp-w9ha-c2ve --name Ada",
        description="Joins the room the facilitator opened and remembers it in the kata "
        "workspace (DIR/.tfdojo/room.json). From then on each kata check sends its verdict "
        "(the kata, pass or failing, the likely cause, seconds, hints; never your code). "
        "Offline, verdicts wait in DIR/.tfdojo/outbox.json and go with a later check.",
        threads=False,
    )
    join.add_argument("url", metavar="URL", help="the room's address, as the facilitator shows")
    join.add_argument("--token", required=True, help="the room token the facilitator shows")
    join.add_argument("--name", required=True, help="your name on the board (1-40 characters)")
    join.set_defaults(func=run_join)

    share = add_command(
        actions,
        "share",
        help="send one kata file to the room for the retrospective (only when you ask)",
        example="tfdojo dojo share training_step",
        threads=False,
    )
    share.add_argument("name", metavar="NAME", help="the kata (04, 04_training_step, ...)")
    share.set_defaults(func=run_share)

    leave = add_command(
        actions,
        "leave",
        help="forget the room: checks send nothing any more",
        example="tfdojo dojo leave",
        threads=False,
    )
    leave.set_defaults(func=run_leave)
    for action in (join, share, leave):
        action.add_argument("--dir", default="dojo", help="the kata workspace (default: dojo)")


def run_join(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.room.client import MEMBERSHIP, join, room_dir

    member, new = join(args.dir, args.url, args.token, args.name)
    how = "joined" if new else "already in"
    print(f"{how} the room {member['url']} as {member['name']}")
    print(f"your kata checks now go to its board (kept in {room_dir(args.dir) / MEMBERSHIP})")
    return 0


def run_share(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.room.client import share
    from tfdojo.teaching.kata import find
    from tfdojo.teaching.kata.workspace import TRACK

    kata = find(args.name, TRACK)
    path = Path(args.dir) / kata.filename
    share(args.dir, kata.name, path)
    print(f"shared {path} with the room")
    return 0


def run_leave(args: argparse.Namespace) -> int:
    # imported here: `tfdojo --help` loads no library
    from tfdojo.room.client import leave

    print("left the room" if leave(args.dir) else f"{args.dir}: had joined no room")
    return 0
