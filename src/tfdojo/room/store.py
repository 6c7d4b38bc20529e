"""A room's state in one SQLite file: its tokens, learners, verdicts, shared files, randori.

SQLite in write-ahead-log mode (WAL) with ``synchronous=FULL``: a write is acknowledged
(the server answers 201) only once its transaction is committed and the log synced to
disk, so a ``kill -9`` of the server, or a power cut, loses nothing that was
acknowledged; a restart opens the same file and carries on (the same tokens, so the
learners' memberships still hold). Readers (the board) never wait for writers.

Each thread has its own connection (SQLite connections are not shared across threads);
writes that check before they insert (the 200-learner limit, a name already taken) run in
one ``BEGIN IMMEDIATE`` transaction, so two joins cannot both take the last place.

Tables::

    room      key -> value: format, room_token, board_token, katas (JSON), created
    learners  id, name, name_key (unique: case and spaces folded), key_hash, joined
    verdicts  id, learner, received (server time), the verdict's fields, pilot (randori)
    shares    id, learner, received, kata, filename, text
    randori   id, started, minutes, names (JSON), shared, stopped
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import ensure_dir
from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.room.rules import MAX_LEARNERS, RoomError

FORMAT = "tfdojo-room-1"
TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""A room token is read off a projector and typed: no 0/o, 1/l/i."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS room (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS learners (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE, joined REAL NOT NULL);
CREATE TABLE IF NOT EXISTS verdicts (
    id INTEGER PRIMARY KEY, learner INTEGER NOT NULL REFERENCES learners(id),
    received REAL NOT NULL, kata TEXT NOT NULL, track TEXT NOT NULL, status TEXT NOT NULL,
    cause TEXT, cause_text TEXT, concept TEXT, seconds REAL NOT NULL, hints INTEGER NOT NULL,
    source TEXT NOT NULL, time TEXT NOT NULL, pilot TEXT);
CREATE TABLE IF NOT EXISTS shares (
    id INTEGER PRIMARY KEY, learner INTEGER NOT NULL REFERENCES learners(id),
    received REAL NOT NULL, kata TEXT NOT NULL, filename TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS randori (
    id INTEGER PRIMARY KEY, started REAL NOT NULL, minutes REAL NOT NULL,
    names TEXT NOT NULL, shared TEXT NOT NULL, stopped REAL);
"""

VERDICT_FIELDS = (
    "kata",
    "track",
    "status",
    "cause",
    "cause_text",
    "concept",
    "seconds",
    "hints",
    "source",
    "time",
)


def room_token() -> str:
    """16 characters in 4 groups (80 bits), e.g. ``kq7m-3xtp-w9ha-c2ve``."""
    chars = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


class Store:
    """The room's SQLite file, opened (and made, when new) at ``path``."""

    def __init__(self, path: str | os.PathLike, synchronous: str = "FULL"):
        self.path = Path(path)
        self.synchronous = synchronous
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if self.path.exists() and not self.path.is_file():
            raise TfdojoError(f"--db: {self.path} is not a regular file; expected a room's file")
        ensure_dir(self.path.parent)
        try:
            if self.path.exists():  # looked at read-only first: another file stays untouched
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                with contextlib.closing(sqlite3.connect(uri, uri=True)) as probe:
                    query = "SELECT name FROM sqlite_master WHERE type='table'"
                    tables = {r[0] for r in probe.execute(query)}
                if tables and "room" not in tables:
                    raise TfdojoError(
                        f"--db: {self.path} is an SQLite database but not a tfdojo room "
                        f"(tables {', '.join(sorted(tables))}); name a new file"
                    )
            db = self._db()
            db.executescript(SCHEMA)
            found = db.execute("SELECT value FROM room WHERE key='format'").fetchone()
            if found is not None and found[0] != FORMAT:
                raise TfdojoError(f"--db: {self.path} holds format {found[0]!r}; expected {FORMAT}")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise TfdojoError(
                f"--db: {self.path} is not a tfdojo room's SQLite file ({first_line(exc)})"
            ) from None
        except TfdojoError:
            self.close()
            raise

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={self.synchronous}")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``), committed on exit."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    db.close()
            self._connections.clear()
        self._local = threading.local()

    # ----------------------------------------------------------------- the room

    def open_room(
        self, katas: list[str] | None, default_katas: list[str] | None = None
    ) -> dict[str, Any]:
        """The room's tokens and katas, made on first use (with ``katas``, else
        ``default_katas``); ``katas`` (if given) replaces an existing room's list.
        Returns ``{"room_token", "board_token", "katas", "created", "new"}``."""
        with self._write() as db:
            values = dict(db.execute("SELECT key, value FROM room").fetchall())
            new = not values
            if new:
                values = {
                    "format": FORMAT,
                    "room_token": room_token(),
                    "board_token": secrets.token_urlsafe(24),
                    "katas": json.dumps(katas if katas is not None else default_katas or []),
                    "created": repr(time.time()),
                }
            elif katas is not None:
                values["katas"] = json.dumps(katas)
            db.executemany("INSERT OR REPLACE INTO room VALUES (?, ?)", values.items())
        return {
            "room_token": values["room_token"],
            "board_token": values["board_token"],
            "katas": json.loads(values["katas"]),
            "created": float(values["created"]),
            "new": new,
        }

    # ----------------------------------------------------------------- learners

    def add_learner(self, name: str, name_key: str, key_hash: str) -> dict[str, Any]:
        """A new learner; refuses (409) a name taken and the learner past :data:`MAX_LEARNERS`."""
        with self._write() as db:
            (count,) = db.execute("SELECT COUNT(*) FROM learners").fetchone()
            taken = db.execute("SELECT name FROM learners WHERE name_key=?", (name_key,)).fetchone()
            if taken is not None:
                raise RoomError(
                    f"name: {name!r} is taken in this room (by {taken[0]!r}); "
                    "join with another, e.g. your name and an initial",
                    409,
                )
            if count >= MAX_LEARNERS:
                raise RoomError(
                    f"room: full, {count} learners have joined (a room takes {MAX_LEARNERS}); "
                    "ask the facilitator to open a second room",
                    409,
                )
            joined = time.time()
            cursor = db.execute(
                "INSERT INTO learners (name, name_key, key_hash, joined) VALUES (?, ?, ?, ?)",
                (name, name_key, key_hash, joined),
            )
        return {"id": cursor.lastrowid, "name": name, "joined": joined}

    def learner_by_key(self, key_hash: str) -> dict[str, Any] | None:
        row = (
            self._db()
            .execute("SELECT id, name, joined FROM learners WHERE key_hash=?", (key_hash,))
            .fetchone()
        )
        return dict(row) if row else None

    def learners(self) -> list[dict[str, Any]]:
        rows = self._db().execute("SELECT id, name, joined FROM learners ORDER BY id").fetchall()
        return [dict(r) for r in rows]

    # ----------------------------------------------------------------- verdicts

    def add_verdict(
        self, learner: int, verdict: dict[str, Any], received: float, pilot: str | None = None
    ) -> int:
        """Store a checked verdict (see :func:`tfdojo.room.rules.check_verdict`); its id once
        it is on disk."""
        with self._write() as db:
            cursor = db.execute(
                f"INSERT INTO verdicts (learner, received, {', '.join(VERDICT_FIELDS)}, pilot) "
                f"VALUES (?, ?, {', '.join('?' * len(VERDICT_FIELDS))}, ?)",
                (learner, received, *(verdict[k] for k in VERDICT_FIELDS), pilot),
            )
        return cursor.lastrowid

    def verdicts(self) -> list[dict[str, Any]]:
        """Every verdict in the order received, with the learner's name."""
        rows = self._db().execute(
            "SELECT v.*, l.name AS name FROM verdicts v JOIN learners l ON l.id = v.learner "
            "ORDER BY v.id"
        )
        return [dict(r) for r in rows]

    # ----------------------------------------------------------------- shares

    def add_share(self, learner: int, share: dict[str, str], received: float) -> int:
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO shares (learner, received, kata, filename, text) "
                "VALUES (?, ?, ?, ?, ?)",
                (learner, received, share["kata"], share["filename"], share["text"]),
            )
        return cursor.lastrowid

    def shares(self) -> list[dict[str, Any]]:
        """Every shared file without its text: id, name, kata, filename, lines, received."""
        rows = self._db().execute(
            "SELECT s.id, l.name AS name, s.kata, s.filename, s.received, "
            "length(s.text) - length(replace(s.text, char(10), '')) + 1 AS lines "
            "FROM shares s JOIN learners l ON l.id = s.learner ORDER BY s.id"
        )
        return [dict(r) for r in rows]

    def share(self, share_id: int) -> dict[str, Any] | None:
        row = (
            self._db()
            .execute(
                "SELECT s.id, l.name AS name, s.kata, s.filename, s.received, s.text "
                "FROM shares s JOIN learners l ON l.id = s.learner WHERE s.id=?",
                (share_id,),
            )
            .fetchone()
        )
        return dict(row) if row else None

    # ----------------------------------------------------------------- randori

    def start_randori(self, names: list[str], minutes: float, shared: str) -> dict[str, Any]:
        """Start a randori (stopping any other): ``names`` take turns, ``minutes`` each."""
        started = time.time()
        with self._write() as db:
            db.execute("UPDATE randori SET stopped=? WHERE stopped IS NULL", (started,))
            db.execute(
                "INSERT INTO randori (started, minutes, names, shared) VALUES (?, ?, ?, ?)",
                (started, minutes, json.dumps(names), shared),
            )
        return {"started": started, "minutes": minutes, "names": names, "shared": shared}

    def stop_randori(self) -> bool:
        """Stop the randori under way; whether there was one."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE randori SET stopped=? WHERE stopped IS NULL", (time.time(),)
            )
        return cursor.rowcount > 0

    def randori(self) -> dict[str, Any] | None:
        """The randori under way, or ``None``."""
        row = (
            self._db()
            .execute(
                "SELECT started, minutes, names, shared FROM randori WHERE stopped IS NULL "
                "ORDER BY id DESC LIMIT 1"
            )
            .fetchone()
        )
        if row is None:
            return None
        return {**dict(row), "names": json.loads(row["names"])}
