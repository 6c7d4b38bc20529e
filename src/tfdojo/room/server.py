"""``tfdojo dojo serve``: the room's app under waitress, and what it tells the facilitator.

Bound to 127.0.0.1 unless ``host`` names an interface (``0.0.0.0``: every one); then the
laptops of the room join at this machine's address on the venue's network, which
:func:`lan_address` finds without sending anything. Served by waitress with a deadline on
request headers (:mod:`tfdojo.core.serving`), request bodies bounded, 8 threads.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import write_json
from tfdojo.core.errors import TfdojoError
from tfdojo.core.paths import cache_dir
from tfdojo.core.serving import bound_port, make_server
from tfdojo.room.app import create_app
from tfdojo.room.room import STUCK_MINUTES, Room
from tfdojo.room.rules import MAX_BODY_BYTES, MAX_LEARNERS
from tfdojo.room.shelf import Shelf, shelve

THREADS = 8
CONNECTIONS = 2 * MAX_LEARNERS + 50
"""Open connections at most: each learner's client opens one per verdict and closes it."""


def default_db() -> Path:
    """Where a room's state goes without ``--db``: ``<tfdojo cache>/room/room.sqlite``."""
    return cache_dir() / "room" / "room.sqlite"


def lan_address() -> str | None:
    """This machine's address on its network (the interface of the default route), found by
    "connecting" a UDP socket, which sends nothing; ``None`` without a network."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 9))
        return s.getsockname()[0]
    return None


def room_url(host: str, port: int) -> str:
    """The address learners join: ``host`` itself, or for a wildcard this machine's LAN
    address."""
    if host in ("0.0.0.0", "::", ""):
        host = lan_address() or "127.0.0.1"
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def serve(
    db: str | os.PathLike | None = None,
    katas: list[str] | None = None,
    default_katas: list[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    data: str | os.PathLike | None = None,
    stuck_minutes: float = STUCK_MINUTES,
    allow_hosts: tuple[str, ...] = (),
    ready_file: str | os.PathLike | None = None,
    say: Callable[[str], Any] = print,
) -> None:
    """Open the room in ``db`` and serve it until Ctrl-C.

    Args:
        katas: the room's katas (``None``: keep the room's; a new room gets
            ``default_katas``).
        data: a dataset folder to hand out at ``/data/`` (``None``: none).
        ready_file: once listening, write ``{"url", "token", "board_token"}`` there.
        say: where the addresses and notes go, one line each.
    """
    db = Path(db) if db is not None else default_db()
    shelf: Shelf | None = shelve(data) if data is not None else None
    room = Room(db, katas, stuck_minutes, default_katas)
    try:
        app = create_app(room, shelf, frozenset(allow_hosts))
        try:
            server = make_server(
                app,
                host,
                port,
                threads=THREADS,
                max_body_bytes=4 * MAX_BODY_BYTES,
                connection_limit=CONNECTIONS,
            )
        except TfdojoError:
            if room.new:  # the room this call made, and nothing else: leave no file behind
                room.close()
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
            raise
        url = room_url(host, bound_port(server))
        local = f"http://127.0.0.1:{bound_port(server)}/" if not loopback(host) else url
        if ready_file is not None:  # listening already: the socket is bound and listens
            write_json(
                ready_file, {"url": url, "token": room.room_token, "board_token": room.board_token}
            )
        state = "a new room" if room.new else "the room as it was"
        say(f"tfdojo dojo: {state} on {url}  (Ctrl-C stops; state in {db})")
        say(f"  learners: tfdojo dojo join {url} --token {room.room_token} --name YOUR_NAME")
        say(f"  board:    {local}board#{room.board_token}   (keep this token to yourself)")
        if shelf is not None:
            say(f"  dataset:  tfdojo data fetch {url}   ({shelf.folder})")
        else:
            say("  dataset:  none handed out (--data DIR hands one out)")
        if loopback(host):
            say("  only this machine can join: --host 0.0.0.0 lets the room's laptops in")
        try:
            server.run()  # returns on Ctrl-C (waitress catches KeyboardInterrupt)
        finally:
            server.close()
    finally:
        room.close()
    say("tfdojo dojo: stopped; the room is kept in " + str(db))
