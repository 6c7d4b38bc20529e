"""A room: what the server does with each request, as plain Python (the HTTP is in ``app``).

:class:`Room` holds the store (the truth, on disk), the board (the learners' states in
memory, replayed from the store when the room opens) and the rate limit. A write is
stored, and only then folded into the board, under one lock, so the board shows exactly
the acknowledged verdicts, in the order they were stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import threading
import time
from typing import Any

from tfdojo.room.board import Board, iso
from tfdojo.room.highlight import highlight
from tfdojo.room.limits import RateLimit
from tfdojo.room.rules import (
    VERDICT_BURST,
    VERDICTS_PER_MINUTE,
    RoomError,
    check_name,
    check_share,
    check_verdict,
    name_key,
)
from tfdojo.room.store import Store
from tfdojo.room.summary import summarize

STUCK_MINUTES = 10.0
"""A learner on one cause for longer than this is named on the board."""
MAX_RANDORI_NAMES = 40


def key_hash(key: str) -> str:
    """What the store keeps of a learner's key: its sha256 (the key itself stays with the
    learner)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    """``given == expected`` in constant time (no timing tells how much of a guess was right)."""
    return given is not None and hmac.compare_digest(given.encode("utf-8"), expected.encode())


def peak_rss_bytes() -> int:
    """This process's peak resident memory, in bytes (0 where it is not measured).

    On Linux, ``VmHWM`` of ``/proc/self/status``: the peak of this program's memory.
    ``getrusage``'s ``ru_maxrss`` survives ``exec`` there, so a server started by a large
    process (a test runner that imported TensorFlow) would report its parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:  # a file of the kernel's
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError):
        pass
    try:
        import resource  # POSIX only: Windows has no getrusage (then 0: not measured)
    except ImportError:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class Room:
    """The room of a store; ``katas`` (if given) replaces the room's list of katas, a new
    room without them gets ``default_katas``."""

    def __init__(
        self,
        db: str | os.PathLike,
        katas: list[str] | None = None,
        stuck_minutes: float = STUCK_MINUTES,
        default_katas: list[str] | None = None,
        synchronous: str = "FULL",
    ):
        self.store = Store(db, synchronous=synchronous)
        info = self.store.open_room(katas, default_katas)
        self.new = info["new"]
        self.room_token = info["room_token"]
        self.board_token = info["board_token"]
        self.stuck_minutes = stuck_minutes
        self.board = Board(info["katas"])
        self.limit = RateLimit(VERDICTS_PER_MINUTE, VERDICT_BURST)
        self._lock = threading.Lock()
        self._names: dict[str, int] = {}
        for learner in self.store.learners():
            self.board.add_learner(learner["id"], learner["name"])
            self._names[name_key(learner["name"])] = learner["id"]
        self.verdict_count = 0
        for v in self.store.verdicts():
            self.board.add(v["learner"], v)
            self.verdict_count += 1
        self.randori_state = self.store.randori()

    def close(self) -> None:
        self.store.close()

    # ----------------------------------------------------------------- learners

    def join(self, name: Any, key: str | None = None) -> tuple[dict[str, Any], bool]:
        """A learner joins as ``name``, or (with the ``key`` of an earlier join) rejoins.

        Returns:
            ``({"learner": id, "name": name, "key": key}, new)``.

        Raises:
            RoomError: the name is not printable text of 1-40 characters (400), taken or
                the room is full (409).
        """
        if key is not None:
            found = self.store.learner_by_key(key_hash(key))
            if found is not None:
                return {"learner": found["id"], "name": found["name"], "key": key}, False
        name = check_name(name)
        key = secrets.token_urlsafe(24)
        with self._lock:
            learner = self.store.add_learner(name, name_key(name), key_hash(key))
            self.board.add_learner(learner["id"], name)
            self._names[name_key(name)] = learner["id"]
        return {"learner": learner["id"], "name": name, "key": key}, True

    def learner(self, key: str | None) -> dict[str, Any]:
        """The learner whose key this is; 403 for none."""
        found = self.store.learner_by_key(key_hash(key)) if key else None
        if found is None:
            raise RoomError(
                "learner: this laptop has not joined this room (or the room was made anew); "
                "run `tfdojo dojo join URL --token TOKEN --name NAME` again",
                403,
            )
        return found

    # ----------------------------------------------------------------- writes

    def verdict(self, learner: dict[str, Any], body: Any) -> dict[str, Any]:
        """Store one verdict of ``learner``; ``{"id", "received"}`` once it is on disk.

        Raises:
            RoomError: a malformed verdict (400), too many of them (429).
        """
        wait = self.limit.take(learner["id"])
        if wait:
            raise RoomError(
                f"verdicts: {learner['name']} sent more than {VERDICTS_PER_MINUTE} a minute; "
                f"the next is accepted in {wait:.0f} s",
                429,
            )
        verdict = check_verdict(body)
        with self._lock:
            received = time.time()
            pilot = self._pilot(learner["id"], received)
            verdict_id = self.store.add_verdict(learner["id"], verdict, received, pilot)
            self.board.add(learner["id"], {**verdict, "received": received, "pilot": pilot})
            self.verdict_count += 1
        return {"id": verdict_id, "received": iso(received)}

    def share(self, learner: dict[str, Any], body: Any) -> dict[str, Any]:
        """Keep one kata file a learner chose to share."""
        share = check_share(body)
        received = time.time()
        return {
            "id": self.store.add_share(learner["id"], share, received),
            "received": iso(received),
        }

    # ----------------------------------------------------------------- randori

    def start_randori(self, body: Any) -> dict[str, Any]:
        """``{"names": [...], "minutes": 5, "shared": "randori"}``: the names take turns at
        the shared workspace (the learner who joined as ``shared``), ``minutes`` each."""
        if not isinstance(body, dict):
            raise RoomError("randori: expected a JSON object")
        names = body.get("names")
        if not isinstance(names, list) or not 2 <= len(names) <= MAX_RANDORI_NAMES:
            raise RoomError(f"names: expected 2 to {MAX_RANDORI_NAMES} names, received {names!r}")
        names = [check_name(n) for n in names]
        minutes = body.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            raise RoomError(f"minutes: expected a number of minutes, received {minutes!r}")
        if not 0.5 <= minutes <= 60:
            raise RoomError(f"minutes: expected 0.5 to 60, received {minutes:g}")
        shared = check_name(body.get("shared", "randori"))
        with self._lock:
            self.randori_state = self.store.start_randori(names, float(minutes), shared)
        return self.randori(time.time())

    def stop_randori(self) -> bool:
        with self._lock:
            self.randori_state = None
            return self.store.stop_randori()

    def _pilot(self, learner_id: int, now: float) -> str | None:
        state = self.randori_state
        if state is None or self._names.get(name_key(state["shared"])) != learner_id:
            return None
        return self.randori(now)["pilot"]

    def randori(self, now: float) -> dict[str, Any] | None:
        """The randori under way: pilot, co-pilot, seconds left in the turn, and the shared
        workspace's latest verdict since it began (``last``)."""
        state = self.randori_state
        if state is None:
            return None
        names, period = state["names"], state["minutes"] * 60
        elapsed = max(0.0, now - state["started"])
        turn = int(elapsed // period)
        shared_id = self._names.get(name_key(state["shared"]))
        last = self.board.learner(shared_id) if shared_id is not None else None
        if last is not None and last["received"] < state["started"]:
            last = None
        return {
            "names": names,
            "minutes": state["minutes"],
            "shared": state["shared"],
            "turn": turn + 1,
            "pilot": names[turn % len(names)],
            "copilot": names[(turn + 1) % len(names)],
            "seconds_left": round(period - elapsed % period, 1),
            "last": last,
        }

    # ----------------------------------------------------------------- reads

    def snapshot(self, stuck_minutes: float | None = None) -> dict[str, Any]:
        """Everything the board shows: learners x katas, top causes, stuck learners,
        shared files, the randori."""
        now = time.time()
        stuck = self.stuck_minutes if stuck_minutes is None else stuck_minutes
        board = self.board.snapshot(now, stuck)
        shares = [{**s, "received": iso(s["received"])} for s in self.store.shares()]
        return {**board, "shares": shares, "randori": self.randori(now)}

    def shared_file(self, share_id: int) -> dict[str, Any]:
        """One shared file with its highlighted HTML (escaped on the server)."""
        found = self.store.share(share_id)
        if found is None:
            raise RoomError(f"share: no shared file {share_id} in this room", 404)
        text = found.pop("text")
        return {
            **found,
            "received": iso(found["received"]),
            "lines": text.count("\n") + 1,
            "html": highlight(text),
        }

    def summary(self) -> dict[str, Any]:
        return summarize(self.store.learners(), self.store.verdicts(), self.board.katas)

    def health(self) -> dict[str, Any]:
        return {
            "learners": len(self._names),
            "verdicts": self.verdict_count,
            "peak_rss_bytes": peak_rss_bytes(),
        }
