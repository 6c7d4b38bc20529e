"""Wait for the other workers in Python, before TensorFlow starts: bounded and interruptible.

TensorFlow 2.21 starts a multi-worker strategy in one C++ call that holds Python's global
lock (GIL) until every worker has registered with the chief: while it waits, no Python
code runs in the process, no signal handler, no other thread. So the long wait happens
here first, over the same ports, and TensorFlow is started once everyone is there::

    chief (the leader)                        every other worker
    ------------------                        ------------------
    port free? else "port P on H is in use"   listens on its own port (taken? same message)
    connects to each worker's port,           connects to the chief's port every 0.2 s:
      every 0.2 s, until all accept             the chief's TensorFlow answers there
    starts TensorFlow (listens on its port)   -> stops listening, starts TensorFlow

Either side gives up after ``timeout`` seconds with one line naming the workers it did not
reach. TensorFlow's own wait then lasts a second or so (its registration has its own
``timeout``, for a worker that dies in between).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import time
from collections.abc import Iterator

from tfdojo.core.errors import TfdojoError
from tfdojo.engines.replicated.cluster import Cluster

POLL = 0.2  # seconds between attempts to connect


def wait_for_workers(cluster: Cluster, timeout: float) -> None:
    """Return once the workers this one needs are listening (the chief: all of them; the
    others: the chief), within ``timeout`` seconds.

    Raises:
        TfdojoError: this worker's port is in use, or workers not reached (named).
    """
    deadline = time.monotonic() + timeout
    if cluster.me == cluster.leader:
        check_port_free(cluster)  # TensorFlow binds it in a moment
        missing = [t for t in cluster.tasks() if t != cluster.me]
        while missing:
            missing = [t for t in missing if not accepts(cluster.address(t))]
            if missing:
                _wait_or_fail(cluster, missing, deadline, timeout)
        return
    with _listening(cluster) as server:
        while not accepts(cluster.address(cluster.leader)):
            _answer(server)
            _wait_or_fail(cluster, [cluster.leader], deadline, timeout)


def accepts(address: str, timeout: float = POLL) -> bool:
    """Whether something listens at ``host:port`` (a TCP connection opens, and is closed)."""
    host, port = address.rsplit(":", 1)
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError:  # refused, unreachable, timed out, or a name that does not resolve
        return False
    return True


def check_port_free(cluster: Cluster) -> None:
    """Refuse to start when this task's port is already taken on this machine.

    TensorFlow's gRPC server listens on ``0.0.0.0:PORT`` (every interface, whatever host
    the cluster names), so the port is tried the same way, then released.

    Raises:
        TfdojoError: the port is in use, naming ``host:port``.
    """
    with _listening(cluster):
        pass


def not_reached(cluster: Cluster, missing, timeout: float, kind: str = "") -> TfdojoError:
    """The error naming the tasks ``missing`` after ``timeout`` s (``kind``: TF's error)."""
    return TfdojoError(
        f"{cluster.name}: {cluster.describe(missing)} not reached within "
        f"--collective-timeout {timeout:g} s{f' ({kind})' if kind else ''}; start every "
        "worker, with the same command, within that time"
    )


def _wait_or_fail(cluster: Cluster, missing, deadline: float, timeout: float) -> None:
    if time.monotonic() >= deadline:
        raise not_reached(cluster, missing, timeout)
    time.sleep(POLL)


@contextlib.contextmanager
def _listening(cluster: Cluster) -> Iterator[socket.socket]:
    """A socket listening on this task's port on every interface, IPv6 and IPv4 (else IPv4
    only), as gRPC does, with ``SO_REUSEADDR``: connections closing in ``TIME_WAIT`` neither
    count as "in use" nor keep TensorFlow from binding the port right after."""
    host, port = cluster.address().rsplit(":", 1)
    try:
        s = socket.socket(socket.AF_INET6)
    except OSError:  # no IPv6 on this machine
        s = socket.socket(socket.AF_INET)
    with s:
        try:
            if s.family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # IPv4 too
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("", int(port)))
            s.listen()
        except OSError as exc:
            where = f"port {port} on {host.strip('[]')}"
            if exc.errno == errno.EADDRINUSE:
                raise TfdojoError(
                    f"{cluster.name}: {where} is in use; choose another "
                    "(--worker-hosts or TF_CONFIG)"
                ) from None
            raise TfdojoError(
                f"{cluster.name}: cannot listen on {where} ({exc.strerror})"
            ) from None
        s.setblocking(False)
        yield s


def _answer(server: socket.socket) -> None:
    """Accept and close the chief's waiting connections, so they never fill the backlog."""
    while True:
        try:
            conn, _ = server.accept()
        except (BlockingIOError, InterruptedError):
            return
        conn.close()
