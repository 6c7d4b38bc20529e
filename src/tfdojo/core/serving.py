"""A waitress server that gives each request's headers a few seconds to arrive (slowloris).

waitress closes a connection that has been *silent* for ``channel_timeout`` seconds (two
minutes by default), so a client sending one byte every few seconds keeps a connection,
and a thread of attention, forever: the "slowloris" attack, cheap from any laptop on a
venue's network. :func:`make_server` builds the same waitress server as
``waitress.create_server`` with one rule more: between the first byte of a request (or the
moment the connection opened, or the last answer on it) and the end of that request's
headers, at most ``header_timeout`` seconds may pass; past that the connection is closed.
A request's body and a slow answer are not timed here (the body is bounded by
``max_body_bytes``, and waitress's inactivity timeout still applies).

The check runs in waitress's own loop thread (its ``maintenance``, every
``cleanup_interval`` = 1 second), so it touches a connection only where waitress does.
Used by ``tfdojo dojo serve``; meant for ``tfdojo play``'s server as well.
"""

from __future__ import annotations

import time

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from tfdojo.core.errors import TfdojoError, first_line

HEADER_TIMEOUT = 5.0
"""Seconds a request's headers may take to arrive (a browser or urllib sends them in
one packet; a phone on a crowded Wi-Fi in well under a second)."""


class DeadlineChannel(HTTPChannel):
    """waitress's connection, remembering when the request it is reading began."""

    request_began = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_began = time.time()
        return super().received(data)

    def waiting_since(self) -> float | None:
        """When this connection began waiting for headers (``None``: it is not waiting for
        headers: a request is being answered, or its headers are in and its body is
        coming)."""
        if self.requests:
            return None
        if self.request is None:  # nothing received since it opened or last answered
            return self.last_activity
        return None if self.request.headers_finished else self.request_began


class DeadlineServer(TcpWSGIServer):
    """waitress's TCP server, closing connections whose headers are late."""

    channel_class = DeadlineChannel
    header_timeout = HEADER_TIMEOUT

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # waitress's own inactivity timeout
        cutoff = now - self.header_timeout
        for channel in list(self.active_channels.values()):
            began = channel.waiting_since()
            if began is not None and began < cutoff:
                channel.will_close = True  # closed by the loop at its next turn


def make_server(
    app,
    host: str = "127.0.0.1",
    port: int = 8000,
    threads: int = 4,
    max_body_bytes: int = 1 << 20,
    header_timeout: float = HEADER_TIMEOUT,
    connection_limit: int = 100,
):
    """A waitress server of ``app`` bound to ``host:port`` (0: a free port, see
    :func:`bound_port`), with the header deadline of this module.

    Args:
        threads: requests answered at once.
        max_body_bytes: waitress refuses (413) a larger body before reading it.
        header_timeout: seconds a request's headers may take, see the module's docstring.
        connection_limit: open connections at most; past it waitress stops accepting.

    Raises:
        TfdojoError: the address is in use or cannot be bound.
    """
    try:
        adj = Adjustments(
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=max_body_bytes,
            connection_limit=connection_limit,
            cleanup_interval=1,
            ident="tfdojo",
        )
    except (OSError, ValueError) as exc:  # a name that does not resolve, a bad port
        raise TfdojoError(
            f"--host: cannot listen on {host}:{port} ({first_line(exc)}); "
            "expected an address of this machine, e.g. 127.0.0.1 or 0.0.0.0"
        ) from None
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    mapping: dict = {}
    servers = []
    try:
        for sockinfo in adj.listen:
            server = DeadlineServer(app, mapping, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
            server.header_timeout = header_timeout
            servers.append(server)
    except OSError as exc:
        for server in servers:
            server.close()
        dispatcher.shutdown()
        raise TfdojoError(
            f"--port: cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "choose another with --port N (0 picks a free one)"
        ) from None
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(mapping, adj, listening, dispatcher, servers[-1].log_info)


def bound_port(server) -> int:
    """The port ``server`` listens on (one socket, or several for a name like localhost)."""
    if hasattr(server, "effective_port"):
        return server.effective_port
    return server.effective_listen[0][1]
