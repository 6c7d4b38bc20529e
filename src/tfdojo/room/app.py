"""The room's web app: the board page and a small JSON API (docs/reference/room-api.md).

Flask routes over a :class:`~tfdojo.room.room.Room`, served by waitress
(:mod:`tfdojo.room.server`). Routes::

    POST /api/join           room token                    {"name"} -> {"learner", "name", "key"}
    POST /api/verdict        room token + learner key      a verdict -> {"id", "received"}
    POST /api/share          room token + learner key      {"kata", "filename", "text"}
    GET  /api/health         room token                    {"learners", "verdicts", ...}
    GET  /api/board          board token                   the board as JSON (?stuck=MINUTES)
    GET  /api/share/ID       board token                   a shared file, highlighted HTML
    GET  /api/summary        board token                   the retrospective
    POST /api/randori        board token                   {"names", "minutes", "shared"}
    DELETE /api/randori      board token                   stops it
    GET  /board, /           the board page (static/: it asks for the board token)
    GET  /data/              the dataset's files (size, sha256); GET /data/NAME the file

Tokens come as ``Authorization: Bearer TOKEN``, a learner's key as
``X-Tfdojo-Learner: KEY``; both are compared in constant time (a key by its sha256).
Every error is one line of JSON, ``{"error": "..."}``, with a 4xx status, and the server
goes on. Nothing a client sends is ever run; texts are stored as sent and escaped where
they are shown (the page sets them as text, the shared files are escaped on the server).
The ``Host`` header must be an IP address, a loopback name or a name given with
``--allow-host`` (a page elsewhere cannot reach the room through DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import logging
import urllib.parse
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, redirect, request, send_from_directory
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from tfdojo.core.errors import first_line
from tfdojo.room.room import Room, same_token
from tfdojo.room.rules import MAX_BODY_BYTES, RoomError
from tfdojo.room.shelf import Shelf

STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'none'"
)
LEARNER_HEADER = "X-Tfdojo-Learner"

log = logging.getLogger(__name__)


def host_allowed(host_header: str, names: frozenset[str]) -> bool:
    """Whether a ``Host`` header names this server: an IP address (no DNS, so no rebinding),
    a loopback name, or one of ``names``."""
    host = urllib.parse.urlsplit(f"//{host_header}").hostname or ""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return host in LOOPBACK_NAMES or host in names


def create_app(
    room: Room, shelf: Shelf | None = None, allowed_hosts: frozenset[str] = frozenset()
) -> Flask:
    """The Flask app of ``room``; ``shelf`` is the dataset it hands out (``None``: none);
    ``allowed_hosts``: host names the ``Host`` header may name besides IP addresses and
    loopback names."""
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 0
    app.json.sort_keys = False
    names = frozenset(h.lower() for h in allowed_hosts)

    def token() -> str | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None

    def need_room_token() -> None:
        if not same_token(token(), room.room_token):
            raise RoomError(
                "token: missing or wrong room token; expected `Authorization: Bearer TOKEN` "
                "with the token `tfdojo dojo serve` printed",
                403,
            )

    def need_board_token() -> None:
        if not same_token(token(), room.board_token):
            raise RoomError("token: the board needs the facilitator's board token", 403)

    def learner() -> dict[str, Any]:
        need_room_token()
        return room.learner(request.headers.get(LEARNER_HEADER))

    def body() -> Any:
        size = request.content_length or 0
        if size > MAX_BODY_BYTES:
            raise RequestEntityTooLarge()
        if not request.is_json:
            raise RoomError(
                "request: expected Content-Type: application/json, received "
                f"{request.mimetype or 'none'}"
            )
        data = request.get_json(silent=True, cache=False)
        if data is None:
            raise RoomError(f"request: expected a JSON body, received {size} bytes that are not")
        return data

    @app.before_request
    def check_host():
        if not host_allowed(request.host, names):
            raise RoomError(
                f"host: {request.host!r} is not a name of this room; use its IP address "
                "(or start the room with --allow-host NAME)",
                403,
            )

    @app.after_request
    def add_headers(response):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/")
    def home():
        return redirect("/board")

    @app.get("/board")
    def board_page():
        return send_from_directory(STATIC, "board.html")

    @app.post("/api/join")
    def join():
        need_room_token()
        data = body()
        if not isinstance(data, dict):
            raise RoomError('join: expected {"name": NAME}')
        answer, new = room.join(data.get("name"), request.headers.get(LEARNER_HEADER))
        return jsonify(answer), 201 if new else 200

    @app.post("/api/verdict")
    def verdict():
        who = learner()
        return jsonify(room.verdict(who, body())), 201

    @app.post("/api/share")
    def share():
        who = learner()
        return jsonify(room.share(who, body())), 201

    @app.get("/api/health")
    def health():
        need_room_token()
        return jsonify(room.health())

    @app.get("/api/board")
    def board():
        need_board_token()
        stuck = request.args.get("stuck")
        if stuck is not None:
            try:
                minutes = float(stuck)
            except ValueError:
                minutes = -1.0
            if not 0 <= minutes <= 600:
                raise RoomError(f"stuck: expected minutes from 0 to 600, received {stuck!r}")
            return jsonify(room.snapshot(minutes))
        return jsonify(room.snapshot())

    @app.get("/api/share/<int:share_id>")
    def shared_file(share_id: int):
        need_board_token()
        return jsonify(room.shared_file(share_id))

    @app.get("/api/summary")
    def summary():
        need_board_token()
        return jsonify(room.summary())

    @app.post("/api/randori")
    def randori_start():
        need_board_token()
        return jsonify(room.start_randori(body())), 201

    @app.delete("/api/randori")
    def randori_stop():
        need_board_token()
        return jsonify({"stopped": room.stop_randori()})

    @app.get("/data/")
    def data_index():
        if shelf is None:
            raise RoomError(
                "data: this room hands out no dataset; the facilitator starts it with "
                "`tfdojo dojo serve --data DIR`",
                404,
            )
        return jsonify(shelf.index())

    @app.get("/data/<name>")
    def data_file(name: str):
        if shelf is None or name not in shelf.files:
            raise RoomError(f"data: no file {name!r} here; GET /data/ lists them", 404)
        response = send_from_directory(shelf.folder, name, conditional=True, etag=True)
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.errorhandler(RoomError)
    def refused(exc: RoomError):
        return error(str(exc), exc.status)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        size = f"{request.content_length:,} bytes" if request.content_length else "too large"
        return error(
            f"request: the body is {size}, more than the {MAX_BODY_BYTES:,} a room reads", 413
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error(f"{request.method} {request.path}: {exc.code} {exc.name}", exc.code or 500)

    @app.errorhandler(Exception)
    def crashed(exc: Exception):
        log.exception("tfdojo dojo: %s %s failed", request.method, request.path)
        return error(f"{request.method} {request.path}: internal error ({first_line(exc)})", 500)

    return app


def error(message: str, status: int):
    """``{"error": message}`` on one line, with ``status``."""
    response = jsonify({"error": " ".join(message.splitlines())})
    response.status_code = status
    return response
