"""A learner's side of the room: the membership, the verdicts sent (or queued), a shared file.

Joining (:func:`join`) writes the membership into the kata workspace::

    dojo/.tfdojo/room.json     {"url", "token", "name", "learner", "key", "joined"}
    dojo/.tfdojo/outbox.json   {"verdicts": [...], "retry_after": 0}: not yet sent

:func:`send_verdict` is what ``tfdojo kata check`` calls after each check. It never raises
for network trouble: it sends what the outbox holds first, in order, then the new verdict;
whatever could not go (the room unreachable, busy or restarting) stays in the outbox for
the next call, and the answer's ``note`` says so in one line. A room that does not answer
at all (a laptop off the venue's Wi-Fi) is not tried again for :data:`BACKOFF` seconds, so
checks stay fast offline. A workspace that never joined sends nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import ensure_dir, write_json
from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.safe_read import read_json, read_text
from tfdojo.room.rules import MAX_SHARE_BYTES, RoomError, check_kata, check_name, check_verdict

ROOM_DIR = ".tfdojo"
MEMBERSHIP = "room.json"
OUTBOX = "outbox.json"
TIMEOUT = 2.0
"""Seconds to wait for the room (on a venue's network it answers in milliseconds)."""
BACKOFF = 20.0
"""Seconds without trying after the room did not answer in time."""
MAX_OUTBOX = 2000
MAX_OUTBOX_BYTES = MAX_OUTBOX * 4096
"""The outbox file read back: 2,000 verdicts of a few hundred bytes each fit in 8 MiB."""
"""Verdicts kept while offline (an evening's worth); the oldest go first past it."""
FLUSH_SECONDS = 5.0
MAX_ANSWER = 4 << 20
LEARNER_HEADER = "X-Tfdojo-Learner"


class Unreachable(Exception):
    """The room did not answer (refused, unreachable, timed out): network trouble."""

    def __init__(self, reason: str, timed_out: bool = False):
        super().__init__(reason)
        self.timed_out = timed_out


@dataclasses.dataclass(frozen=True)
class Sent:
    """What :func:`send_verdict` did: verdicts ``sent`` now, ``queued`` in the outbox,
    ``dropped`` (refused by the room as malformed), and a one-line ``note`` (``None``: all
    went, nothing to say)."""

    sent: int = 0
    queued: int = 0
    dropped: int = 0
    note: str | None = None


def room_url(url: str) -> str:
    """``http://host:port/`` from what a learner typed; one line for anything else."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TfdojoError(
            f"URL: expected the room's address, e.g. http://192.168.1.20:8765/, received {url!r}"
        )
    return f"{parts.scheme}://{parts.netloc}/"


def call(
    method: str,
    url: str,
    token: str,
    body: Any = None,
    key: str | None = None,
    timeout: float = TIMEOUT,
) -> tuple[int, Any]:
    """One request to the room; ``(status, JSON answer)``.

    Raises:
        Unreachable: no answer (connection refused, no route, timeout, a broken answer).
    """
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "tfdojo"}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers[LEARNER_HEADER] = key
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the room is local
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, _json(response.read(MAX_ANSWER))
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, _json(exc.read(MAX_ANSWER))
    except TimeoutError as exc:
        raise Unreachable(f"no answer in {timeout:g} s", timed_out=True) from exc
    except urllib.error.URLError as exc:
        timed_out = isinstance(exc.reason, TimeoutError)
        raise Unreachable(first_line(exc.reason), timed_out=timed_out) from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise Unreachable(first_line(exc)) from exc


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {"error": data[:200].decode("utf-8", "replace").strip() or "(empty answer)"}


def refusal(status: int, answer: Any) -> str:
    """The room's one-line error from an answer."""
    message = answer.get("error") if isinstance(answer, dict) else None
    return f"{message or 'refused'} (HTTP {status})"


# --------------------------------------------------------------------------- membership


def room_dir(workspace: str | os.PathLike) -> Path:
    return Path(workspace) / ROOM_DIR


def membership(workspace: str | os.PathLike) -> dict[str, Any] | None:
    """The workspace's membership (``None``: it has not joined a room).

    Raises:
        TfdojoError: the file is there but is not a membership.
    """
    path = room_dir(workspace) / MEMBERSHIP
    if not path.is_file():
        return None
    try:
        found = read_json(path, 64 * 1024, "a room membership")
        if not all(isinstance(found.get(k), str) for k in ("url", "token", "key", "name")):
            raise ValueError("fields missing")
    except (ValueError, TfdojoError) as exc:
        why = first_line(exc).removeprefix(f"{path}: ")
        if why.startswith("not valid JSON (") and why.endswith(")"):
            why = why.removeprefix("not valid JSON (")[:-1]  # the parser's own words
        raise TfdojoError(
            f"{path}: not a room membership ({why}); run `tfdojo dojo join` again"
        ) from None
    return found


def join(workspace: str | os.PathLike, url: str, token: str, name: str) -> tuple[dict, bool]:
    """Join the room at ``url`` as ``name``; remember it in the workspace.

    Joining again the same room keeps the same place (the room knows this laptop's key).

    Returns:
        ``(membership, new)``.

    Raises:
        TfdojoError: the room cannot be reached or refuses (a wrong token, a name taken,
            the room full), with the room's reason.
    """
    url = room_url(url)
    name = check_name(name)
    token = token.strip()
    before = membership(workspace)
    key = before["key"] if before and before["url"] == url and before["token"] == token else None
    try:
        status, answer = call("POST", url + "api/join", token, {"name": name}, key=key)
    except Unreachable as exc:
        raise TfdojoError(f"{url}: the room does not answer ({exc}); check the address") from None
    if status not in (200, 201):
        raise TfdojoError(f"{url}: {refusal(status, answer)}")
    found = {
        "url": url,
        "token": token,
        "name": answer["name"],
        "learner": answer["learner"],
        "key": answer["key"],
        "joined": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    folder = ensure_dir(room_dir(workspace))
    write_json(folder / MEMBERSHIP, found)
    with contextlib.suppress(OSError):
        os.chmod(folder / MEMBERSHIP, 0o600)  # the key is this laptop's alone
    return found, status == 201


def leave(workspace: str | os.PathLike) -> bool:
    """Forget the room (its membership and outbox); whether there was one."""
    folder = room_dir(workspace)
    was = (folder / MEMBERSHIP).is_file()
    for name in (MEMBERSHIP, OUTBOX):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    return was


# --------------------------------------------------------------------------- verdicts


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the outbox's lock (``check`` and ``watch`` may run at once)."""
    try:
        import fcntl  # POSIX only: Windows has no flock, one process per workspace there
    except ImportError:
        yield
        return
    with open(folder / "outbox.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read_outbox(folder: Path) -> dict[str, Any]:
    """The outbox (empty when there is none, or when it is unreadable: it is only a queue)."""
    try:
        found = read_json(folder / OUTBOX, MAX_OUTBOX_BYTES, "the room's outbox")
        if isinstance(found.get("verdicts"), list):
            return found
    except TfdojoError:
        pass
    return {"verdicts": [], "retry_after": 0}


def send_verdict(workspace: str | os.PathLike, verdict: dict[str, Any]) -> Sent:
    """Send ``verdict`` to the workspace's room, after whatever the outbox holds.

    Never raises for network trouble (the verdict is queued, see the module's docstring).

    Raises:
        RoomError: ``verdict`` is not in the room's format (a bug of the caller).
    """
    verdict = check_verdict(verdict)
    try:
        member = membership(workspace)
    except TfdojoError as exc:
        return Sent(note=f"room: {exc}")
    if member is None:
        return Sent()
    folder = ensure_dir(room_dir(workspace))
    with _locked(folder):
        box = read_outbox(folder)
        queue = [*box["verdicts"], verdict]
        sent = dropped = 0
        trouble = None
        retry_after = box.get("retry_after", 0)
        deadline = time.monotonic() + FLUSH_SECONDS
        if time.time() < retry_after:
            trouble = "the room did not answer a moment ago"
        while queue and trouble is None and time.monotonic() < deadline:
            try:
                status, answer = call(
                    "POST", member["url"] + "api/verdict", member["token"], queue[0], member["key"]
                )
            except Unreachable as exc:
                trouble = f"the room does not answer ({exc})"
                retry_after = time.time() + BACKOFF if exc.timed_out else 0
                break
            if status == 201:
                sent += 1
            elif status in (400, 413):  # the room will never take this one
                dropped += 1
            else:  # 403 (joined anew?), 429 (busy), 5xx: keep it for later
                trouble = f"the room refused: {refusal(status, answer)}"
                break
            queue.pop(0)
        if trouble is None:
            retry_after = 0
        lost = max(0, len(queue) - MAX_OUTBOX)
        queue = queue[lost:]
        if queue or box["verdicts"] or (folder / OUTBOX).exists():
            write_json(folder / OUTBOX, {"verdicts": queue, "retry_after": retry_after})
    where = folder / OUTBOX
    note = None
    if queue:
        what = "verdict" if len(queue) == 1 else "verdicts"
        note = f"room: {trouble or 'busy'}; {len(queue)} {what} kept in {where}, sent later"
        if lost:
            note += f" ({lost} oldest dropped)"
    elif len(box["verdicts"]) or dropped:
        earlier = len(box["verdicts"])
        note = f"room: sent the {earlier} kept while the room was away" + (
            f"; {dropped} refused as malformed" if dropped else ""
        )
    return Sent(sent, len(queue), dropped, note)


# --------------------------------------------------------------------------- sharing


def share(workspace: str | os.PathLike, kata: str, path: str | os.PathLike) -> dict[str, Any]:
    """Send the kata file ``path`` to the room, for the retrospective (only when asked).

    Raises:
        TfdojoError: not joined, not a regular file, larger than 64 KiB, not UTF-8, or the
            room unreachable or refusing.
    """
    member = membership(workspace)
    if member is None:
        raise TfdojoError(
            f"{workspace}: has not joined a room; run `tfdojo dojo join URL --token T --name N`"
        )
    path = Path(path)
    if not path.is_file():
        raise TfdojoError(f"{path}: expected your kata file, found no regular file")
    text = read_text(path, MAX_SHARE_BYTES, "your kata file, UTF-8 Python text")
    body = {"kata": check_kata(kata), "filename": path.name, "text": text}
    try:
        status, answer = call(
            "POST", member["url"] + "api/share", member["token"], body, member["key"]
        )
    except Unreachable as exc:
        raise TfdojoError(f"{member['url']}: the room does not answer ({exc})") from None
    if status != 201:
        raise TfdojoError(f"{member['url']}: {refusal(status, answer)}")
    return answer


# --------------------------------------------------------------------------- facilitator


def facilitator_call(method: str, url: str, path: str, token: str, body: Any = None) -> Any:
    """A board-token request (``board``, ``randori``); the answer, or one line why not."""
    url = room_url(url)
    try:
        status, answer = call(method, url + path, token, body, timeout=10.0)
    except Unreachable as exc:
        raise TfdojoError(f"{url}: the room does not answer ({exc})") from None
    if status >= 400:
        raise TfdojoError(f"{url}: {refusal(status, answer)}")
    return answer


def board(url: str, token: str, stuck_minutes: float | None = None) -> dict[str, Any]:
    """The board as JSON (``GET /api/board``)."""
    query = "" if stuck_minutes is None else f"?stuck={stuck_minutes:g}"
    return facilitator_call("GET", url, "api/board" + query, token)


def randori(
    url: str, token: str, names: list[str], minutes: float, shared: str = "randori"
) -> dict[str, Any]:
    """Start a randori: ``names`` take turns at the shared workspace, ``minutes`` each."""
    body = {"names": names, "minutes": minutes, "shared": shared}
    return facilitator_call("POST", url, "api/randori", token, body)


def stop_randori(url: str, token: str) -> bool:
    return bool(facilitator_call("DELETE", url, "api/randori", token)["stopped"])


__all__ = ["RoomError", "Sent", "board", "join", "leave", "randori", "send_verdict", "share"]
