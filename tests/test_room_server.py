"""``tfdojo dojo``: a real server on 127.0.0.1 and learners sending it verdicts; the board in
a terminal, the refusals (tokens, sizes, a full room, late headers, a foreign Host), a
shared file, the randori, the export, and what survives a ``kill -9``."""

from __future__ import annotations

import contextlib
import csv
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.room_server import CAUSES, RoomServer, http, verdict
from tfdojo.cli import main
from tfdojo.room import client
from tfdojo.room.store import Store

KATAS = ["tensors", "logistic", "softmax_cross_entropy", "training_step", "minibatch_loop"]
NAMES = [f"learner{i:02d}" for i in range(19)] + ["<script>alert('x')</script>"]
STORY = (
    [("softmax_cross_entropy", "softmax_cross_entropy/integer-labels")] * 6
    + [("training_step", "training_step/assign-not-assign_sub")] * 4
    + [("training_step", "training_step/loss-outside-tape")] * 2
    + [("logistic", "logistic/bias-shape")]
    + [("minibatch_loop", None)] * 7
)
"""Where each of the 20 learners ends: failing on a cause, or passing (None)."""
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """A room of 5 katas and 20 learners, each with 2 or 3 verdicts sent by the client
    library from their own workspace."""
    folder = tmp_path_factory.mktemp("room")
    server = RoomServer(folder / "room.sqlite", extra=("--katas", "1-5"))
    server.workspaces = {}
    for name, (kata, cause) in zip(NAMES, STORY):
        ws = folder / f"ws-{len(server.workspaces)}"
        member, new = client.join(ws, server.url, server.token, name)
        assert new and member["name"] == name
        sent = [client.send_verdict(ws, verdict("tensors", "pass"))]
        if cause:
            sent.append(client.send_verdict(ws, verdict(kata, cause=cause, hints=1)))
        else:
            sent.append(client.send_verdict(ws, verdict(kata, "pass", seconds=40.0)))
        assert sent == [client.Sent(1, 0, 0, None)] * 2
        server.workspaces[name] = ws
    yield server
    server.stop()


def board_json(room, capsys) -> dict:
    argv = ["dojo", "board", "--url", room.url, "--token", room.board_token, "--json"]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_serve_prints_the_join_command_and_the_board(room):
    assert room.lines == [
        f"tfdojo dojo: a new room on {room.url}  (Ctrl-C stops; state in {room.db})",
        f"  learners: tfdojo dojo join {room.url} --token {room.token} --name YOUR_NAME",
        f"  board:    {room.url}board#{room.board_token}   (keep this token to yourself)",
        "  dataset:  none handed out (--data DIR hands one out)",
        "  only this machine can join: --host 0.0.0.0 lets the room's laptops in",
    ]
    assert room.url == f"http://127.0.0.1:{room.port}/"
    assert re.fullmatch(r"([a-km-np-z2-9]{4}-){3}[a-km-np-z2-9]{4}", room.token)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", room.board_token)


def test_twenty_learners_and_the_top_causes_on_the_board(room, capsys):
    board = board_json(room, capsys)
    assert board["katas"] == KATAS
    assert [r["name"] for r in board["learners"]] == NAMES
    assert [(r["current"], r["status"], r["cause"]) for r in board["learners"]] == [
        (kata, "failing" if cause else "pass", cause) for kata, cause in STORY
    ]
    assert board["learners"][0]["cells"] == {"tensors": "pass", "softmax_cross_entropy": "failing"}
    assert [(c["cause"], c["learners"], c["kata"], c["concept"]) for c in board["top_causes"]] == [
        ("softmax_cross_entropy/integer-labels", 6, "softmax_cross_entropy", "labels"),
        ("training_step/assign-not-assign_sub", 4, "training_step", "tape"),
        ("training_step/loss-outside-tape", 2, "training_step", "tape"),
        ("logistic/bias-shape", 1, "logistic", "shapes"),
    ]
    assert board["top_causes"][0]["cause_text"] == "integer labels where one-hot was expected"
    assert board["top_causes"][0]["names"] == NAMES[:6]
    assert board["stuck"] == [] and board["shares"] == [] and board["randori"] is None

    argv = ["dojo", "board", "--url", room.url, "--token", room.board_token]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "learner" + " " * 20 + "   1  2  3  4  5  min  current"
    assert lines[1] == "learner00" + " " * 18 + "   +     x          0  softmax_cross_entropy"
    assert lines[20] == "<script>alert('x')</script>   +           +    0  minibatch_loop"
    assert lines[23:28] == [
        "top causes:",
        "  6 learners: integer labels where one-hot was expected (softmax_cross_entropy)",
        "  4 learners: v.assign(...) replaces the weights: v.assign_sub(lr * g) moves them "
        "(training_step)",
        "  2 learners: the loss was computed outside the GradientTape, so every gradient is "
        "None (training_step)",
        "  1 learner: the bias has shape (784,); expected (10,) (logistic)",
    ]


def test_joining_again_keeps_the_same_place(room, capsys):
    ws = room.workspaces["learner01"]
    argv = ["dojo", "join", room.url, "--token", room.token, "--name", "learner01"]
    assert main([*argv, "--dir", str(ws)]) == 0
    assert capsys.readouterr().out == (
        f"already in the room {room.url} as learner01\n"
        f"your kata checks now go to its board (kept in {ws / '.tfdojo' / 'room.json'})\n"
    )
    assert main([*argv, "--dir", str(ws.parent / "elsewhere")]) == 2  # another laptop
    assert capsys.readouterr().err == (
        f"tfdojo: error: {room.url}: name: 'learner01' is taken in this room (by 'learner01'); "
        "join with another, e.g. your name and an initial (HTTP 409)\n"
    )
    assert health(room)[1]["learners"] == 20


def test_stuck_learners_are_named_after_n_minutes(room, capsys):
    board = board_json(room, capsys)
    assert board["stuck"] == []
    argv = ["dojo", "board", "--url", room.url, "--token", room.board_token, "--json"]
    assert main([*argv, "--stuck-minutes", "0"]) == 0
    stuck = json.loads(capsys.readouterr().out)["stuck"]
    assert sorted(s["name"] for s in stuck) == NAMES[:13]


def health(room) -> tuple[int, dict]:
    return http(room.url + "api/health", token=room.token)


def test_writes_without_the_token_are_refused_and_the_server_goes_on(room):
    ws = room.workspaces["learner00"]
    key = client.membership(ws)["key"]
    v = verdict("training_step", cause="training_step/assign-not-assign_sub")
    refused_token = (
        "token: missing or wrong room token; expected `Authorization: Bearer TOKEN` with the "
        "token `tfdojo dojo serve` printed"
    )
    learner = (
        "learner: this laptop has not joined this room (or the room was made anew); run "
        "`tfdojo dojo join URL --token TOKEN --name NAME` again"
    )
    board_only = "token: the board needs the facilitator's board token"
    foreign = (
        "host: 'evil.example:8765' is not a name of this room; use its IP address (or start "
        "the room with --allow-host NAME)"
    )
    as_learner = dict(token=room.token, key=key)
    cases = [
        ("api/verdict", dict(body=v, key=key), 403, refused_token),
        ("api/verdict", dict(body=v, key=key, token="kq7m-3xtp-w9ha-c2ve"), 403, refused_token),
        ("api/verdict", dict(body=v, token=room.token), 403, learner),
        ("api/verdict", dict(body=v, token=room.token, key="guessed"), 403, learner),
        ("api/join", dict(body={"name": "Eve"}), 403, refused_token),
        ("api/share", dict(body={}, key=key), 403, refused_token),
        ("api/board", dict(token=room.token), 403, board_only),
        ("api/randori", dict(body={}, token=room.token), 403, board_only),
        ("api/verdict", dict(body=v, headers={"Host": "evil.example:8765"}, **as_learner), 403,
         foreign),
        ("api/verdict", dict(body={**v, "status": "passed"}, **as_learner), 400,
         "status: expected one of pass, failing, todo, received 'passed'"),
        ("api/verdict", dict(body={**v, "hints": -1}, **as_learner), 400,
         "hints: expected 0 to 100, received -1"),
        ("api/verdict", dict(body={**v, "cause_text": "a\x1b[2Jb"}, **as_learner), 400,
         "cause_text: expected printable text, received control character U+001B"),
        ("api/verdict", dict(body={**v, "status": "pass"}, **as_learner), 400,
         "cause: expected null when status is 'pass', received "
         "'training_step/assign-not-assign_sub'"),
        ("api/verdict", dict(raw=b"{not json", **as_learner), 400,
         "request: expected Content-Type: application/json, received "
         "application/x-www-form-urlencoded"),
        ("api/verdict", dict(raw=b"{not json", headers=JSON, **as_learner), 400,
         "request: expected a JSON body, received 9 bytes that are not"),
        ("api/nowhere", dict(), 404, "GET /api/nowhere: 404 Not Found"),
    ]  # fmt: skip
    before = health(room)
    peak = before[1]["peak_rss_bytes"]
    assert before == (200, {"learners": 20, "verdicts": 40, "peak_rss_bytes": peak})
    assert 10e6 < peak < 300e6
    for path, kwargs, status, message in cases:
        assert http(room.url + path, **kwargs) == (status, {"error": message}), path
        assert health(room)[1]["verdicts"] == 40  # nothing stored, still serving
    for host in ("localhost:8765", "127.0.0.1", "[::1]:8765", "192.168.1.20:8765"):
        assert http(room.url + "api/health", token=room.token, headers={"Host": host})[0] == 200


def raw_request(room, head: bytes, body: bytes = b"", wait: float = 30) -> bytes:
    """Send ``head`` and ``body`` on one socket; everything the server answers before it
    closes (or ``wait`` seconds)."""
    with socket.create_connection(("127.0.0.1", room.port), timeout=wait) as s:
        s.sendall(head)
        with contextlib.suppress(OSError):  # the room answers and closes before the end
            s.sendall(body)
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except OSError:
            pass
    return answer


def test_large_bodies_get_413_and_the_server_goes_on(room):
    key = client.membership(room.workspaces["learner00"])["key"]
    head = (
        "POST /api/verdict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {room.token}\r\nX-Tfdojo-Learner: {key}\r\n"
        "Content-Length: {n}\r\nConnection: close\r\n\r\n"
    )
    ten_mb = 10 * 1024 * 1024
    answer = raw_request(room, head.format(n=ten_mb).encode(), b"x" * (1 << 20))
    assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n"), answer[:200]
    assert health(room)[0] == 200
    status, body = http(
        room.url + "api/verdict", raw=b" " * 300_000, token=room.token, key=key, headers=JSON
    )
    assert (status, body) == (
        413,
        {"error": "request: the body is 300,000 bytes, more than the 262,144 a room reads"},
    )
    assert health(room)[1]["verdicts"] == 40


def test_headers_that_take_too_long_get_the_connection_closed(room):
    """Slowloris: one header line a second; the room closes the connection after 5 s of
    headers (checked each second), and answers others meanwhile."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", room.port), timeout=30) as s:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed = None
        for i in range(20):
            try:
                s.sendall(f"X-Slow-{i}: {i}\r\n".encode())
                assert health(room)[0] == 200
                s.settimeout(1.0)
                if s.recv(1) == b"":
                    closed = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = time.monotonic() - started
                break
    assert closed is not None and 5 <= closed < 15, closed


def test_a_learner_sending_too_fast_is_held_to_the_rate(tmp_path):
    server = RoomServer(tmp_path / "fast.sqlite")
    try:
        member, _ = client.join(tmp_path / "ws", server.url, server.token, "Speedy")
        url, key = server.url + "api/verdict", member["key"]
        started, statuses = time.monotonic(), []
        while 429 not in statuses and len(statuses) < 400:
            statuses.append(http(url, verdict("tensors", "pass"), server.token, key)[0])
        elapsed = time.monotonic() - started
        # a burst of 120, then one more a second (the bucket refills while they are sent)
        assert statuses[:120] == [201] * 120 and statuses[-1] == 429
        accepted = len(statuses) - 1
        assert set(statuses[:-1]) == {201} and accepted <= 120 + elapsed + 1
        status, body = http(url, verdict("tensors", "pass"), server.token, key)
        assert status == 429 and body["error"].startswith(
            "verdicts: Speedy sent more than 60 a minute; the next is accepted in "
        )
        assert health(server)[1]["verdicts"] == accepted
    finally:
        server.stop()


def test_the_201st_learner_is_refused(tmp_path):
    server = RoomServer(tmp_path / "full.sqlite")
    try:
        url = server.url + "api/join"
        with ThreadPoolExecutor(max_workers=8) as pool:
            joined = list(
                pool.map(lambda i: http(url, {"name": f"L{i:03d}"}, server.token), range(200))
            )
        assert sorted(status for status, _ in joined) == [201] * 200
        assert len({answer["key"] for _, answer in joined}) == 200
        assert http(url, {"name": "Latecomer"}, server.token) == (
            409,
            {
                "error": "room: full, 200 learners have joined (a room takes 200); ask the "
                "facilitator to open a second room"
            },
        )
        assert http(url, {"name": "l000"}, server.token) == (
            409,
            {
                "error": "name: 'l000' is taken in this room (by 'L000'); join with another, "
                "e.g. your name and an initial"
            },
        )
        status, answer = health(server)
        assert (status, answer["learners"]) == (200, 200)
        key = joined[0][1]["key"]  # a learner already in may join again: the same place
        assert http(url, {"name": "whatever"}, server.token, key)[0] == 200
    finally:
        server.stop()


def test_kill_9_loses_nothing_acknowledged(tmp_path):
    """Four learners send verdicts as fast as they can; the server is killed with SIGKILL
    in the middle; restarted on the same file, it has every verdict it answered 201 to."""
    db = tmp_path / "crash.sqlite"
    server = RoomServer(db)
    members = [
        client.join(tmp_path / f"ws{i}", server.url, server.token, f"P{i}")[0] for i in range(4)
    ]
    acked: dict[int, dict] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def send(member, i):
        for n in range(200):
            v = verdict(KATAS[n % 5], "failing", cause=None, seconds=float(n), hints=i)
            try:
                status, answer = http(server.url + "api/verdict", v, server.token, member["key"])
            except OSError:
                return  # the server died under this request: not acknowledged
            if status == 201:
                with lock:
                    acked[answer["id"]] = (member["name"], v["seconds"])
                    if len(acked) >= 60:
                        enough.set()

    threads = [threading.Thread(target=send, args=(m, i)) for i, m in enumerate(members)]
    for t in threads:
        t.start()
    assert enough.wait(timeout=120)
    server.kill9()
    for t in threads:
        t.join(timeout=60)
    with lock:
        expected = dict(acked)
    assert len(expected) >= 60

    server = RoomServer(db, port=server.port)
    try:
        assert server.first_line.startswith("tfdojo dojo: the room as it was on ")
        store = Store(db)
        stored = {v["id"]: (v["name"], v["seconds"]) for v in store.verdicts()}
        store.close()
        assert {i: stored.get(i) for i in expected} == expected
        assert health(server)[1]["verdicts"] == len(stored)
        # the learners' memberships still hold: the same tokens after the restart
        ws = tmp_path / "ws0"
        assert client.send_verdict(ws, verdict("tensors", "pass")) == client.Sent(1, 0, 0, None)
    finally:
        server.stop()


def test_offline_verdicts_wait_in_the_outbox_and_go_with_the_next_check(tmp_path):
    db = tmp_path / "outbox.sqlite"
    server = RoomServer(db)
    ws = tmp_path / "ws"
    client.join(ws, server.url, server.token, "Nomad")
    assert client.send_verdict(ws, verdict("tensors", "pass")) == client.Sent(1, 0, 0, None)
    assert server.stop() == (0, f"tfdojo dojo: stopped; the room is kept in {db}\n")

    sent = client.send_verdict(ws, verdict("logistic", cause="logistic/bias-shape"))
    outbox = ws / ".tfdojo" / "outbox.json"
    assert sent == client.Sent(
        0,
        1,
        0,
        "room: the room does not answer ([Errno 111] Connection refused); "
        f"1 verdict kept in {outbox}, sent later",
    )
    second = client.send_verdict(ws, verdict("logistic", "pass"))
    assert (second.sent, second.queued) == (0, 2)
    assert [v["status"] for v in json.loads(outbox.read_text())["verdicts"]] == ["failing", "pass"]

    server = RoomServer(db, port=server.port)
    try:
        third = client.send_verdict(ws, verdict("softmax_cross_entropy", "todo"))
        assert third == client.Sent(3, 0, 0, "room: sent the 2 kept while the room was away")
        store = Store(db)
        assert [(v["kata"], v["status"]) for v in store.verdicts()] == [
            ("tensors", "pass"),
            ("logistic", "failing"),
            ("logistic", "pass"),
            ("softmax_cross_entropy", "todo"),
        ]
        store.close()
        assert json.loads(outbox.read_text()) == {"verdicts": [], "retry_after": 0}
    finally:
        server.stop()


def test_a_shared_file_is_shown_escaped_and_highlighted(room, tmp_path, capsys):
    ws = room.workspaces["learner03"]
    (ws / "04_training_step.py").write_text('def step(v):\n    return "<b>"  # </pre>\n')
    assert main(["dojo", "share", "training_step", "--dir", str(ws)]) == 0
    assert capsys.readouterr().out == f"shared {ws / '04_training_step.py'} with the room\n"
    board = board_json(room, capsys)
    (share,) = board["shares"]
    assert {k: share[k] for k in ("id", "name", "kata", "filename", "lines")} == {
        "id": 1,
        "name": "learner03",
        "kata": "training_step",
        "filename": "04_training_step.py",
        "lines": 3,
    }
    status, shown = http(room.url + "api/share/1", token=room.board_token)
    assert status == 200 and shown["html"] == (
        '<pre class="code"><span class="line" data-n="1"><span class="k">def</span> step(v):'
        '</span>\n<span class="line" data-n="2">    <span class="k">return</span> '
        '<span class="s">&quot;&lt;b&gt;&quot;</span>  <span class="c"># &lt;/pre&gt;</span>'
        '</span>\n<span class="line" data-n="3"></span></pre>'
    )
    big = ws / "01_tensors.py"
    big.write_text("#" * 70_000)
    assert main(["dojo", "share", "tensors", "--dir", str(ws)]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: {big}: 70,000 bytes; expected your kata file, UTF-8 Python text of "
        "at most 65,536 bytes\n"
    )


def test_randori_shows_pilot_copilot_and_the_shared_workspace(room, tmp_path, capsys):
    ws = tmp_path / "shared"
    client.join(ws, room.url, room.token, "randori")
    argv = ["dojo", "randori", "--url", room.url, "--token", room.board_token]
    assert main([*argv, "--minutes", "5", "Ada", "Bo", "Cy"]) == 0
    assert capsys.readouterr().out == (
        "randori: Ada, Bo, Cy, 5 minutes each at randori's workspace; pilot Ada, co-pilot Bo\n"
    )
    client.send_verdict(ws, verdict("training_step", cause="training_step/loss-outside-tape"))
    r = board_json(room, capsys)["randori"]
    assert (r["pilot"], r["copilot"], r["turn"], r["shared"]) == ("Ada", "Bo", 1, "randori")
    assert 290 < r["seconds_left"] <= 300
    assert (r["last"]["kata"], r["last"]["cause"], r["last"]["pilot"]) == (
        "training_step",
        "training_step/loss-outside-tape",
        "Ada",
    )
    assert main([*argv, "Solo"]) == 2
    assert "names: expected 2 to 40 names, received ['Solo']" in capsys.readouterr().err
    assert main([*argv, "--stop"]) == 0
    assert capsys.readouterr().out == "randori: stopped\n"
    assert board_json(room, capsys)["randori"] is None


def test_export_writes_csv_json_and_the_retrospective(room, tmp_path, capsys):
    ws = room.workspaces["learner05"]
    client.send_verdict(ws, verdict("softmax_cross_entropy", "pass", hints=2))
    out = tmp_path / "export"
    assert main(["dojo", "export", "--db", str(room.db), "--out", str(out)]) == 0
    names = ["tfdojo-room-verdicts.csv", "tfdojo-room.json", "tfdojo-room-summary.html"]
    assert capsys.readouterr().out == "".join(f"wrote {out / n}\n" for n in names)
    rows = list(csv.DictReader((out / names[0]).open()))
    document = json.loads((out / names[1]).read_text())
    assert len(rows) == len(document["verdicts"]) == health(room)[1]["verdicts"]
    assert [r["name"] for r in rows[:2]] == ["learner00", "learner00"]
    assert document["learners"][19]["name"] == "<script>alert('x')</script>"
    sce = next(k for k in document["summary"]["katas"] if k["kata"] == "softmax_cross_entropy")
    assert (sce["learners"], sce["passed"], sce["hints"]) == (6, 1, 7)
    assert sce["learners_with_hints"] == 6
    top = document["summary"]["causes"][0]
    assert (top["cause"], top["learners"], top["verdicts"]) == (
        "softmax_cross_entropy/integer-labels",
        6,
        6,
    )
    page = (out / names[2]).read_text()
    assert "integer labels where one-hot was expected" in page and "<script>" not in page
    assert set(CAUSES) >= {c["cause"] for c in document["summary"]["causes"]}


def test_a_port_in_use_gets_one_line(room, tmp_path, capsys):
    argv = ["dojo", "serve", "--port", str(room.port), "--db", str(tmp_path / "second.sqlite")]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: --port: cannot listen on 127.0.0.1:{room.port} (Address already in "
        "use); choose another with --port N (0 picks a free one)\n"
    )
    assert list(tmp_path.iterdir()) == []  # the room it was making is not left behind
    assert health(room)[0] == 200


def test_bad_arguments_get_one_line(tmp_path, capsys):
    here = ["--dir", str(tmp_path)]
    none = tmp_path / "none.sqlite"
    cases = [
        (["dojo", "serve", "--katas", "3-99"],
         "--katas: expected a range within 1-14, received '3-99'"),
        (["dojo", "serve", "--port", "70000"], "--port: expected 0 to 65535, received 70000"),
        (["dojo", "join", "ftp://x", "--token", "t", "--name", "A", *here],
         "URL: expected the room's address, e.g. http://192.168.1.20:8765/, received 'ftp://x'"),
        (["dojo", "join", "http://127.0.0.1:9/", "--token", "t", "--name", "", *here],
         "name: expected 1 to 40 characters, received 0"),
        (["dojo", "share", "tensors", *here],
         f"{tmp_path}: has not joined a room; run `tfdojo dojo join URL --token T --name N`"),
        (["dojo", "export", "--db", str(none)],
         f"--db: {none}: no room here; expected the file `tfdojo dojo serve` used"),
        (["dojo", "board", "--url", "http://127.0.0.1:9/", "--token", "t"],
         "http://127.0.0.1:9/: the room does not answer ([Errno 111] Connection refused)"),
    ]  # fmt: skip
    for argv, message in cases:
        assert main(argv) == 2, argv
        assert capsys.readouterr().err == f"tfdojo: error: {message}\n"
    not_a_room = tmp_path / "other.sqlite"
    not_a_room.write_bytes(b"hello, world" * 100)
    assert main(["dojo", "export", "--db", str(not_a_room)]) == 2
    assert capsys.readouterr().err.startswith(
        f"tfdojo: error: --db: {not_a_room} is not a tfdojo room's SQLite file (file is not a"
    )
    assert not_a_room.read_bytes() == b"hello, world" * 100
