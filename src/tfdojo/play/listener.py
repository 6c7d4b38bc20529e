"""The HTTP server under ``tfdojo play``'s app: waitress, with deadlines and limits.

waitress (the Pylons project's multi-threaded WSGI server, pure Python) answers requests
from a pool of threads; one thread reads every connection. What it does not bound, this
module does, so that no client can keep the page from answering the others:

- a request's line and headers must arrive within :data:`HEADERS_SECONDS` of its first
  byte, and its body within :data:`REQUEST_SECONDS`, whatever a client trickles
  (:class:`DeadlineServer`);
- an idle connection is closed after :data:`IDLE_SECONDS`, and at most
  :data:`CONNECTION_LIMIT` are open at once;
- ``--port`` is 0..65535 and ``--host`` an address of this machine (:func:`check_port`,
  :func:`check_host`), refused in one line before anything starts.
"""

from __future__ import annotations

import errno
import socket
import time
from typing import Any

from flask import Flask
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from tfdojo.core.errors import TfdojoError, first_line

HEADERS_SECONDS = 5
"""Most seconds a request's line and headers may take to arrive, from its first byte (a
browser sends them in one packet)."""
REQUEST_SECONDS = 60
"""Most seconds a whole request may take to arrive, body included (8 MiB at 140 KB/s)."""
IDLE_SECONDS = 30
"""An open connection with no request for this long is closed (waitress's ``channel_timeout``)."""
CONNECTION_LIMIT = 500
"""Most connections open at once (waitress's default, 100, is filled by 100 slow clients)."""
HOST_HINT = "expected an address of this machine, such as 127.0.0.1 (the default), localhost or ::1"


def shorten(text: str, limit: int = 40) -> str:
    """``text`` as an error message echoes it: cut to ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + "..."


class DeadlineChannel(HTTPChannel):
    """waitress's HTTP connection, noting when the request it is receiving began."""

    receiving_since = 0.0
    """``time.monotonic()`` at the first byte of the request being received."""

    def received(self, data: bytes) -> bool:
        if self.request is None and data:  # the first bytes of a new request
            self.receiving_since = time.monotonic()
        return super().received(data)


class DeadlineServer(TcpWSGIServer):
    """waitress's TCP server, closing a connection whose request arrives too slowly.

    waitress's ``channel_timeout`` counts inactivity only: a client that sends one header
    line every 2 s is never idle and keeps its connection for ever, and a hundred such
    clients fill waitress's connection limit, so the page's own requests wait. Here the
    server's maintenance (every second, ``cleanup_interval``) also closes a connection whose
    request has not finished its headers :data:`HEADERS_SECONDS` after its first byte, or
    its body :data:`REQUEST_SECONDS` after it, whatever it trickles.

    Relies on waitress 3.0's channel (``request``, ``received``, ``will_close``) and server
    (``maintenance``, ``active_channels``, ``channel_class``): pyproject.toml pins
    ``waitress>=3.0.2,<3.1``, and tests/test_play.py checks the deadline on a real server.
    """

    channel_class = DeadlineChannel

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections (channel_timeout)
        t = time.monotonic()
        for channel in list(self.active_channels.values()):
            receiving = channel.request  # the request being received, None between requests
            if receiving is None:
                continue
            limit = REQUEST_SECONDS if receiving.headers_finished else HEADERS_SECONDS
            if t - channel.receiving_since > limit:
                channel.will_close = True  # closed on the loop's next pass


def check_port(port: Any) -> int:
    """``port`` if it is a TCP port number, 0..65535 (0: any free port).

    Raises:
        TfdojoError: ``--port: expected a port number in 0..65535 (0 picks a free one), ...``.
    """
    if isinstance(port, int) and not isinstance(port, bool) and 0 <= port <= 65535:
        return port
    raise TfdojoError(
        f"--port: expected a port number in 0..65535 (0 picks a free one), received {port!r}"
    )


def check_host(host: str) -> None:
    """Refuse a ``--host`` that names no address (resolved as the server will resolve it).

    Raises:
        TfdojoError: one line with the resolver's reason.
    """
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError, ValueError) as exc:  # gaierror, an IDNA label too long, NUL
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else first_line(exc)
        raise TfdojoError(
            f"--host: cannot listen on {shorten(host)!r} ({reason}); {HOST_HINT}"
        ) from None


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 8000, threads: int = 4):
    """A waitress server of :class:`DeadlineServer` sockets bound to ``host:port``.

    As ``waitress.create_server``: one socket for each address ``host`` names (two for
    ``localhost``: 127.0.0.1 and ::1); with tfdojo's limits (see the module's docstring).

    Args:
        port: 0..65535; 0 picks a free port (see :func:`bound_port`).

    Raises:
        TfdojoError: the port is out of range, the host names no address of this machine,
            or the address is in use.
    """
    port = check_port(port)
    check_host(host)
    try:
        adj = Adjustments(
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=4 * app.config["MAX_CONTENT_LENGTH"],
            channel_timeout=IDLE_SECONDS,
            cleanup_interval=1,
            connection_limit=CONNECTION_LIMIT,
            asyncore_use_poll=True,  # select() fails beyond file descriptor 1024
            ident="tfdojo",
        )
    except ValueError as exc:  # waitress's "Invalid host/port specified."
        raise TfdojoError(
            f"--host: cannot listen on {shorten(host)!r} ({exc}); {HOST_HINT}"
        ) from None
    sockets: dict = {}
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(threads)
    servers = []
    try:
        for info in adj.listen:
            servers.append(
                DeadlineServer(app, sockets, dispatcher=dispatcher, adj=adj, sockinfo=info)
            )
    except OSError as exc:
        dispatcher.shutdown()
        wasyncore.close_all(sockets)
        if exc.errno == errno.EADDRNOTAVAIL:
            raise TfdojoError(
                f"--host: cannot listen on {shorten(host)!r} ({exc.strerror}); {HOST_HINT}"
            ) from None
        raise TfdojoError(
            f"--port: cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "choose another with --port N (0 picks a free one)"
        ) from None
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(sockets, adj, listening, dispatcher, servers[-1].log_info)


def bound_port(server) -> int:
    """The port ``server`` listens on (one socket, or several for a name like localhost)."""
    if hasattr(server, "effective_port"):
        return server.effective_port
    return server.effective_listen[0][1]
