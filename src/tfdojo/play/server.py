"""The web app of ``tfdojo play``: a page to draw on, and a small JSON API.

Built on **Flask** (the routes) served by **waitress** (the HTTP server). Why these two:
Flask is the most widely known Python web library, plain synchronous functions that a
learner reads like any other Python, maintained by the Pallets project for 15 years;
waitress is a production-grade multi-threaded WSGI server in pure Python (no compiler, no
dependencies, Linux, macOS and Windows alike), maintained by the Pylons project. The
model's work is synchronous CPU work, so an async framework would buy nothing here, and
waitress answers several requests at once from its thread pool.

Routes::

    GET  /                 the page (static/index.html, play.css, play.js: no CDN, no build)
    GET  /api/runs         each run: name, kind, layers, fixed first-layer weights
    POST /api/predict      image bytes -> {"letter", "probabilities", "logits", "input"}
                           (?run=1 for the second run), as `tfdojo predict --json`
    POST /api/play         image bytes -> what the page shows, for every run
    GET  /api/mistakes     ?run=0&count=48: the run's most confident test mistakes

An image is sent as the request body (``Content-Type: image/png``, ...) or as the
``image`` field of a multipart form. Every error is one line of JSON,
``{"error": "..."}``, with a 4xx status; the server goes on serving.

Limits, so that no client can deny the page to the others:

- a body over :data:`MAX_BYTES` gets a 413 from Flask; waitress itself refuses any body
  over four times that before reading it;
- images over 4096 x 4096 pixels are refused from their header
  (:func:`tfdojo.data.frame.open_image`), and at most :data:`~tfdojo.play.player.DECODE_SLOTS`
  images are decoded at once: a request that finds no slot free within
  :data:`~tfdojo.play.player.DECODE_WAIT` seconds gets a 503 (:meth:`Player.frame`);
- a request's line and headers must arrive within 5 s of its first byte, and its body
  within 60 s: a client that trickles its request is disconnected however steadily it
  trickles; an idle connection is closed after 30 s; at most 500 are open at once
  (:mod:`tfdojo.core.serving`);
- an answer never holds NaN or infinity, which JSON cannot carry (:class:`FiniteJSON`);
- query values are ASCII whole numbers in their range (``run``: 0 or 1; ``count``: 0..48).

Bound to 127.0.0.1, the app also refuses requests whose ``Host`` is not a loopback name (a
web page elsewhere cannot reach it through DNS rebinding).
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import urllib.parse
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request, send_from_directory
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from tfdojo.core import bounds
from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.serving import bound_port, make_server, shorten
from tfdojo.play.player import MISTAKES, Player, PlayError

STATIC = Path(__file__).parent / "static"
MAX_BYTES = 8 * 1024 * 1024
"""Largest request body accepted: 8 MiB (a canvas PNG is ~10 KB, a phone photo ~5 MB)."""
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""The page may load nothing from anywhere but this server."""

log = logging.getLogger(__name__)


def create_app(
    player: Player, max_bytes: int = MAX_BYTES, allowed_hosts: frozenset[str] | None = None
) -> Flask:
    """The Flask app answering for ``player``.

    Args:
        max_bytes: largest request body; larger ones get a 413 JSON error.
        allowed_hosts: host names the ``Host`` header may name (any when None).
    """
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.json = FiniteJSON(app)
    app.config["MAX_CONTENT_LENGTH"] = max_bytes
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 0

    @app.before_request
    def check_host():
        host = urllib.parse.urlsplit(f"//{request.host}").hostname  # "[::1]:80" -> "::1"
        if allowed_hosts is not None and host not in allowed_hosts:
            raise PlayError(
                f"host: {shorten(request.host)!r} is not a name of this machine; open 127.0.0.1",
                403,
            )

    @app.after_request
    def add_headers(response):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/")
    def page():
        return send_from_directory(STATIC, "index.html")

    @app.get("/api/runs")
    def runs():
        return jsonify(player.info())

    @app.post("/api/predict")
    def predict():
        run = player.run_index(request.args.get("run"))
        return jsonify(player.predict(uploaded_bytes(), run))

    @app.post("/api/play")
    def play():
        return jsonify(player.play(uploaded_bytes()))

    @app.get("/api/mistakes")
    def mistakes():
        run = player.run_index(request.args.get("run"))
        try:
            count = bounds.parse_whole(
                "count", request.args.get("count", str(MISTAKES)), 0, MISTAKES
            )
        except TfdojoError as exc:
            raise PlayError(str(exc)) from None
        return jsonify(player.mistakes(run, count))

    @app.errorhandler(PlayError)
    def refused(exc: PlayError):
        return error(str(exc), exc.status)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        size = f"{request.content_length:,} bytes" if request.content_length else "too large"
        return error(
            f"request: the body is {size}, more than the {max_bytes:,} allowed; "
            "send a smaller image",
            413,
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error(f"{request.method} {request.path}: {exc.code} {exc.name}", exc.code or 500)

    @app.errorhandler(Exception)
    def crashed(exc: Exception):
        log.exception("tfdojo play: %s %s failed", request.method, request.path)
        return error(f"{request.method} {request.path}: internal error ({first_line(exc)})", 500)

    return app


class FiniteJSON(DefaultJSONProvider):
    """Flask's JSON, which never writes NaN or infinity.

    JSON has no such numbers: Python's ``json`` writes ``NaN``, which ``JSON.parse`` refuses,
    so the page would get no answer at all. An answer holding one (a run whose weights
    diverged) is refused instead, naming where the number was: a 422 (:class:`PlayError`).
    """

    sort_keys = False  # keep {"letter", "probabilities", ...} in that order

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        try:
            return super().dumps(obj, allow_nan=False, **kwargs)
        except ValueError:
            where = non_finite(obj)
            if where is None:  # not a number at fault: not ours to explain
                raise
            raise PlayError(
                f"{where[0]} is {where[1]}, not a number JSON can carry; the run's "
                "weights or files hold NaN or infinity: train it again",
                422,
            ) from None


def non_finite(obj: Any, path: str = "answer") -> tuple[str, float] | None:
    """Where the first NaN or infinity sits in ``obj`` (dicts and lists), and its value."""
    if isinstance(obj, float):
        return None if math.isfinite(obj) else (path, obj)
    if isinstance(obj, dict):
        items = ((f"{path}.{key}", value) for key, value in obj.items())
    elif isinstance(obj, list | tuple):
        items = ((f"{path}[{i}]", value) for i, value in enumerate(obj))
    else:
        return None
    for where, value in items:
        found = non_finite(value, where)
        if found is not None:
            return found
    return None


def uploaded_bytes() -> bytes:
    """The image of the current request: the ``image`` field of a multipart form, or the
    whole body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            fields = sorted(request.files) or ["none"]
            raise PlayError(f"image: expected a form field 'image', received {', '.join(fields)}")
        return upload.read()
    return request.get_data(cache=False)


def error(message: str, status: int):
    """``{"error": message}`` on one line, with ``status``."""
    response = jsonify({"error": " ".join(message.splitlines())})
    response.status_code = status
    return response


def open_page(url: str, say: Callable[[str], Any]) -> None:
    """Open ``url`` in the desktop's browser, from a thread (a browser may take its time).

    Without a desktop (Linux with neither ``DISPLAY`` nor ``WAYLAND_DISPLAY``, e.g. over
    SSH) no browser is started, since Python would start a text browser in this terminal.
    """
    hint = f"tfdojo play: open {url} in your browser"
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        say(hint)
        return

    def run():
        if not webbrowser.open(url):
            say(hint)

    threading.Thread(target=run, name="open-browser", daemon=True).start()


def serve(
    player: Player,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = True,
    say: Callable[[str], Any] = print,
) -> None:
    """Serve the page and the API until Ctrl-C.

    Args:
        host: the address to bind; anything but loopback lets the network in.
        port: 0 picks a free port.
        open_browser: open the page in the default browser once listening.
        say: where the URL and the notes go (one line each).
    """
    loopback = host in LOOPBACK_NAMES or host.startswith("127.")
    app = create_app(player, allowed_hosts=LOOPBACK_NAMES | {host} if loopback else None)
    server = make_server(app, host, port, max_body_bytes=4 * app.config["MAX_CONTENT_LENGTH"])
    url = f"http://{'[' + host + ']' if ':' in host else host}:{bound_port(server)}/"
    names = " and ".join(f"{run.path} ({run.kind})" for run in player.runs)
    say(f"tfdojo play: {names} on {url}  (Ctrl-C stops)")
    if not loopback:
        say(f"tfdojo play: --host {host} lets other machines on your network reach this page")
    if open_browser:
        open_page(url, say)
    try:
        server.run()  # returns on Ctrl-C (waitress catches KeyboardInterrupt)
    finally:
        server.close()
    say("tfdojo play: stopped")
