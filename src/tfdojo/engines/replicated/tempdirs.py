"""The non-chief workers' checkpoint folders: made per process, removed even after a SIGKILL.

Only the chief writes the run folder; every other worker still has to save its
checkpoints somewhere (TensorFlow's multi-worker checkpointing has every worker save),
so it saves into a temporary folder named after the process that owns it::

    <tmp>/tfdojo-worker<rank>-<host>-<pid>-<random>/

The worker removes it when it ends. A worker killed with SIGKILL cannot, so
:func:`remove_stale` removes the folders whose process is gone: ``tfdojo launch`` calls it
for the workers it started once they have exited, and every worker calls it as it
starts, for the leftovers of earlier runs on its machine. Only folders of this machine
and this user are touched, and never one whose process is still running.

No TensorFlow here, so the launcher can use it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterable
from pathlib import Path

PREFIX = "tfdojo-worker"
# mkdtemp's random suffix is 8 characters of [a-z0-9_]: the pid is the last "-<digits>-".
_NAME = re.compile(rf"^{PREFIX}\d+-(?P<host>.+)-(?P<pid>\d+)-[a-z0-9_]+$")


def make(rank: int) -> Path:
    """A new empty folder for worker ``rank``'s checkpoints, named after this process."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{rank}-{_host()}-{os.getpid()}-"))


def remove_stale(pids: Iterable[int] | None = None, parent: str | Path | None = None) -> list[Path]:
    """Remove the checkpoint folders of workers whose process has ended; return them.

    Args:
        pids: only the folders of these processes (the launcher's workers, once reaped);
            ``None``: of any process of this machine that is not running any more.
        parent: where to look (default: the temporary folder, ``$TMPDIR`` or ``/tmp``).
    """
    wanted = None if pids is None else set(pids)
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    for path in parent.glob(f"{PREFIX}*"):
        m = _NAME.match(path.name)
        if not m or m["host"] != _host() or not path.is_dir() or path.is_symlink():
            continue
        pid = int(m["pid"])
        if (wanted is not None and pid not in wanted) or _running(pid):
            continue
        if path.stat().st_uid != os.getuid():
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _host() -> str:
    """This machine's name, as it may appear in a folder name (no path separators)."""
    return socket.gethostname().replace(os.sep, "_") or "localhost"


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie counts: its parent has not reaped it yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
