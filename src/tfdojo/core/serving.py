"""The HTTP server under tfdojo's web apps (``tfdojo play``, ``tfdojo dojo serve``): waitress,
with deadlines and limits.

waitress (the Pylons project's multi-threaded WSGI server, pure Python) answers requests
from a pool of threads; one thread reads every connection. It closes a connection that has
been *silent* for ``channel_timeout`` seconds, so a client sending one header line every
few seconds keeps a connection, and a slot, forever: the "slowloris" attack, cheap from any
laptop on a venue's network. What waitress does not bound, this module does:

- a request's line and headers must arrive within ``header_timeout`` seconds of its first
  byte (or of the connection's opening, or of the last answer on it), and its body within
  ``request_timeout`` seconds, whatever a client trickles (:class:`DeadlineServer`);
- an idle connection is closed after ``idle_timeout`` seconds, at most ``connection_limit``
  are open at once, and a body over ``max_body_bytes`` is refused (413) before it is read;
- ``--port`` is 0..65535 and ``--host`` an address of this machine (:func:`check_port`,
  :func:`check_host`), refused in one line before anything starts.

The deadlines are checked in waitress's own loop thread (its ``maintenance``, every
``cleanup_interval`` = 1 second), so they touch a connection only where waitress does. They
rely on waitress 3.0's channel (``request``, ``received``, ``requests``, ``last_activity``,
``will_close``) and server (``maintenance``, ``active_channels``, ``channel_class``):
pyproject.toml pins ``waitress>=3.0.2,<3.1``; tests/test_play.py and tests/test_room_server.py
check the deadlines on real servers.
"""

from __future__ import annotations

import errno
import socket
import time
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from tfdojo.core.errors import TfdojoError, first_line

HEADER_TIMEOUT = 5.0
"""Seconds a request's line and headers may take to arrive (a browser or urllib sends them
in one packet; a phone on a crowded Wi-Fi in well under a second)."""
REQUEST_TIMEOUT = 60.0
"""Seconds a whole request may take to arrive, body included (8 MiB at 140 KB/s)."""
IDLE_TIMEOUT = 30
"""An open connection with no request for this long is closed (waitress's ``channel_timeout``)."""
CONNECTION_LIMIT = 500
"""Connections open at once at most (waitress's default, 100, is filled by 100 slow clients)."""
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

    def overdue(self, now: float, header_timeout: float, request_timeout: float) -> bool:
        """Whether its request is late: headers not in ``header_timeout`` seconds after the
        request's first byte (or after the connection opened or last answered, when nothing
        came since), or the whole request not in ``request_timeout`` seconds."""
        if self.requests:  # a request is being answered: not the client's to hurry
            return False
        receiving = self.request  # the request being received, None between requests
        if receiving is None:  # waiting for a first byte: since the open or the last answer
            waited = time.time() - self.last_activity
            return waited > header_timeout
        limit = request_timeout if receiving.headers_finished else header_timeout
        return now - self.receiving_since > limit


class DeadlineServer(TcpWSGIServer):
    """waitress's TCP server, closing a connection whose request arrives too slowly."""

    channel_class = DeadlineChannel
    header_timeout = HEADER_TIMEOUT
    request_timeout = REQUEST_TIMEOUT

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections (channel_timeout)
        t = time.monotonic()
        for channel in list(self.active_channels.values()):
            if channel.overdue(t, self.header_timeout, self.request_timeout):
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


def make_server(
    app,
    host: str = "127.0.0.1",
    port: int = 8000,
    threads: int = 4,
    max_body_bytes: int = 1 << 20,
    header_timeout: float = HEADER_TIMEOUT,
    request_timeout: float = REQUEST_TIMEOUT,
    idle_timeout: int = IDLE_TIMEOUT,
    connection_limit: int = CONNECTION_LIMIT,
):
    """A waitress server of ``app`` bound to ``host:port``, with the limits of this module.

    As ``waitress.create_server``: one socket for each address ``host`` names (two for
    ``localhost``: 127.0.0.1 and ::1).

    Args:
        port: 0..65535; 0 picks a free port (see :func:`bound_port`).
        threads: requests answered at once.
        max_body_bytes: waitress refuses (413) a larger body before reading it.
        header_timeout, request_timeout, idle_timeout, connection_limit: see the module's
            docstring.

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
            max_request_body_size=max_body_bytes,
            channel_timeout=idle_timeout,
            cleanup_interval=1,
            connection_limit=connection_limit,
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
            server = DeadlineServer(app, sockets, dispatcher=dispatcher, adj=adj, sockinfo=info)
            server.header_timeout, server.request_timeout = header_timeout, request_timeout
            servers.append(server)
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
