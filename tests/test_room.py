"""The room's pieces without a server: the verdict format, the board's arithmetic, the rate
limit, the highlighter, the summary, the store, and the client when the room is away."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time

import pytest

from tests.room_server import verdict
from tfdojo.core.errors import TfdojoError
from tfdojo.room import client
from tfdojo.room.board import Board
from tfdojo.room.highlight import highlight
from tfdojo.room.limits import RateLimit
from tfdojo.room.room import Room
from tfdojo.room.rules import RoomError, check_name, check_verdict, name_key
from tfdojo.room.store import Store
from tfdojo.room.summary import summarize

T0 = 1_800_000_000.0


def test_a_verdict_is_checked_field_by_field():
    v = verdict("training_step", cause="training_step/assign-not-assign_sub", hints=1)
    assert check_verdict({**v, "extra": "ignored"}) == {**v, "seconds": 3.5}
    cases = [
        ([], "verdict: expected a JSON object, received list"),
        ({"kata": "x"}, "verdict: missing track, status, seconds, hints, source, time"),
        ({**v, "kata": "Training Step"}, "kata: expected a kata's name (lowercase letters, "
         "digits, _), received 'Training Step'"),
        ({**v, "seconds": float("nan")}, "seconds: expected a number from 0 to 86400, "
         "received nan"),
        ({**v, "seconds": True}, "seconds: expected a number from 0 to 86400, received True"),
        ({**v, "hints": 1.5}, "hints: expected a whole number from 0 to 100, received 1.5"),
        ({**v, "source": "jupyter"}, "source: expected one of cli, watch, notebook, received "
         "'jupyter'"),
        ({**v, "time": "yesterday"}, "time: expected an ISO-8601 time, received 'yesterday'"),
        ({**v, "cause": "has space"}, "cause: expected null or an id such as "
         "'training_step/assign-not-assign_sub' (letters, digits, _ . / : + -, at most 120), "
         "received 'has space'"),
        ({**v, "cause_text": "x" * 401}, "cause_text: expected 1 to 400 characters, received 401"),
        ({**v, "concept": "\u202eevil"}, "concept: expected printable text, received control "
         "character U+202E"),
    ]  # fmt: skip
    for given, message in cases:
        with pytest.raises(RoomError) as caught:
            check_verdict(given)
        assert (str(caught.value), caught.value.status) == (message, 400)


def test_names_are_trimmed_and_compared_folded():
    assert check_name("  Ada   Lovelace ") == check_name("Ada\nLovelace") == "Ada Lovelace"
    assert name_key("ADA  lovelace") == name_key("ada lovelace") == "ada lovelace"
    assert check_name("<script>alert(1)</script>") == "<script>alert(1)</script>"
    for bad, message in [
        ("", "name: expected 1 to 40 characters, received 0"),
        ("x" * 41, "name: expected 1 to 40 characters, received 41"),
        (7, "name: expected text, received 7"),
        ("a\u200bb", "name: expected printable text, received control character U+200B"),
    ]:
        with pytest.raises(RoomError, match=f"^{re.escape(message)}$"):
            check_name(bad)


def stored(kata, status="failing", cause=None, at=0.0, hints=0):
    return {**verdict(kata, status, cause=cause, hints=hints), "received": T0 + at}


def test_the_board_counts_minutes_causes_and_stuck_learners():
    board = Board(["tensors", "training_step"])
    board.add_learner(1, "Ada")
    board.add_learner(2, "Bo")
    board.add_learner(3, "Cy")
    assign = "training_step/assign-not-assign_sub"
    board.add(1, stored("tensors", "pass", at=0))
    board.add(1, stored("training_step", cause=assign, at=60))
    board.add(1, stored("training_step", cause=assign, at=300))  # same cause: since 60
    board.add(2, stored("training_step", cause="training_step/loss-outside-tape", at=100))
    board.add(2, stored("training_step", cause=assign, at=500))  # another cause: since 500
    board.add(3, stored("logistic", "pass", at=30))  # a kata off the list gets a column
    snap = board.snapshot(T0 + 900, stuck_after=10)
    assert snap["katas"] == ["tensors", "training_step", "logistic"]
    assert [(r["name"], r["current"], r["minutes"]) for r in snap["learners"]] == [
        ("Ada", "training_step", 14.0),
        ("Bo", "training_step", 13.3),
        ("Cy", "logistic", 14.5),
    ]
    assert [(c["cause"], c["learners"], c["names"]) for c in snap["top_causes"]] == [
        (assign, 2, ["Ada", "Bo"])
    ]
    assert [(s["name"], s["minutes"]) for s in snap["stuck"]] == [("Ada", 14.0)]
    later = board.snapshot(T0 + 1200, stuck_after=10)["stuck"]
    assert later == [
        {"name": "Ada", "kata": "training_step", "cause": assign, "minutes": 19.0,
         "cause_text": "v.assign(...) replaces the weights: v.assign_sub(lr * g) moves them"},
        {"name": "Bo", "kata": "training_step", "cause": assign, "minutes": 11.7,
         "cause_text": "v.assign(...) replaces the weights: v.assign_sub(lr * g) moves them"},
    ]  # fmt: skip
    board.add(1, stored("training_step", "pass", at=1000))
    ada = board.snapshot(T0 + 1200, 10)["learners"][0]
    assert (ada["cells"], ada["status"], ada["cause"]) == (
        {"tensors": "pass", "training_step": "pass"},
        "pass",
        None,
    )
    board.add(1, stored("training_step", cause=assign, at=1100))  # a pass stays a pass
    assert board.snapshot(T0 + 1200, 10)["learners"][0]["cells"]["training_step"] == "pass"


def test_the_rate_limit_is_a_bucket_of_120_refilled_one_a_second():
    now = [0.0]
    limit = RateLimit(per_minute=60, burst=120, clock=lambda: now[0])
    assert [limit.take(1) for _ in range(120)] == [0.0] * 120
    assert limit.take(1) == pytest.approx(1.0)
    assert limit.take(2) == 0.0  # each learner has their own
    now[0] = 2.5
    assert [limit.take(1) for _ in range(2)] == [0.0, 0.0]
    assert limit.take(1) == pytest.approx(0.5)
    now[0] = 10_000
    assert sum(limit.take(1) == 0 for _ in range(200)) == 120  # never more than the burst


def test_highlighting_survives_a_half_written_file():
    html = highlight('x = """never closed\n<img src=x onerror=alert(1)>\n')
    assert html == (
        '<pre class="code"><span class="line" data-n="1">x = &quot;&quot;&quot;never closed'
        '</span>\n<span class="line" data-n="2">&lt;img src=x onerror=alert(1)&gt;</span>\n'
        '<span class="line" data-n="3"></span></pre>'
    )
    assert highlight("if True:\r\n    pass  # ok\r\n").count('class="k"') == 3


def test_the_summary_counts_minutes_to_pass_hints_and_causes():
    learners = [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Bo"}]
    assign = "training_step/assign-not-assign_sub"
    rows = [
        {**stored("training_step", cause=assign, at=0, hints=1), "learner": 1},
        {**stored("training_step", "pass", at=600, hints=2), "learner": 1},
        {**stored("training_step", cause=assign, at=60), "learner": 2},
        {**stored("training_step", cause=assign, at=120), "learner": 2},
        {**stored("training_step", "pass", at=1260), "learner": 2},
        {**stored("tensors", "todo", at=0), "learner": 2},
    ]
    summary = summarize(learners, rows, ["tensors", "training_step", "logistic"])
    assert summary["katas"] == [
        {"kata": "tensors", "learners": 1, "passed": 0, "median_minutes": None, "hints": 0,
         "learners_with_hints": 0, "verdicts": 1},
        {"kata": "training_step", "learners": 2, "passed": 2, "median_minutes": 15.0, "hints": 2,
         "learners_with_hints": 1, "verdicts": 5},
        {"kata": "logistic", "learners": 0, "passed": 0, "median_minutes": None, "hints": 0,
         "learners_with_hints": 0, "verdicts": 0},
    ]  # fmt: skip
    assert summary["causes"] == [
        {
            "cause": assign,
            "kata": "training_step",
            "cause_text": "v.assign(...) replaces the weights: v.assign_sub(lr * g) moves them",
            "concept": "tape",
            "learners": 2,
            "verdicts": 3,
        }
    ]
    assert summary["concepts"] == [{"concept": "tape", "learners": 2, "verdicts": 3}]


def test_a_room_reopens_with_its_tokens_board_and_randori(tmp_path):
    db = tmp_path / "room.sqlite"
    room = Room(db, default_katas=["tensors"])
    ada, new = room.join("Ada")
    assert new and ada["name"] == "Ada"
    assert room.join("ignored", key=ada["key"]) == (ada, False)
    learner = room.learner(ada["key"])
    room.verdict(learner, verdict("tensors", "pass"))
    room.start_randori({"names": ["Ada", "Bo"], "minutes": 5, "shared": "Ada"})
    room.verdict(learner, verdict("logistic", cause="logistic/bias-shape"))
    tokens = (room.room_token, room.board_token)
    before = room.snapshot()
    room.close()

    again = Room(db, katas=None, default_katas=["ignored: the room has its list"])
    assert (again.room_token, again.board_token) == tokens and not again.new
    after = again.snapshot()
    seen = after["learners"][0]["last_seen"]
    assert after["learners"] == [{**before["learners"][0], "last_seen": seen}]
    assert after["katas"] == ["tensors", "logistic"]
    assert (after["randori"]["pilot"], after["randori"]["last"]["pilot"]) == ("Ada", "Ada")
    assert [v["pilot"] for v in again.store.verdicts()] == [None, "Ada"]
    again.close()
    assert len(tokens[0]) == 19 and tokens[0].count("-") == 3


def test_a_file_that_is_not_a_room_is_left_alone(tmp_path):
    import sqlite3  # only here: a foreign database made by hand

    other = tmp_path / "notes.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    before = other.read_bytes()
    with pytest.raises(TfdojoError) as caught:
        Store(other)
    assert str(caught.value) == (
        f"--db: {other} is an SQLite database but not a tfdojo room (tables notes); name a new file"
    )
    assert other.read_bytes() == before


def test_send_verdict_without_a_room_does_nothing(tmp_path):
    assert client.send_verdict(tmp_path, verdict("tensors", "pass")) == client.Sent()
    assert not (tmp_path / ".tfdojo").exists()
    with pytest.raises(RoomError, match="^status: expected one of pass, failing, todo"):
        client.send_verdict(tmp_path, {**verdict("tensors"), "status": "ok"})
    (tmp_path / ".tfdojo").mkdir()
    (tmp_path / ".tfdojo" / "room.json").write_text("{broken")
    sent = client.send_verdict(tmp_path, verdict("tensors", "pass"))
    assert sent.note == (
        f"room: {tmp_path / '.tfdojo' / 'room.json'}: not a room membership (Expecting "
        "property name enclosed in double quotes: line 1 column 2 (char 1)); run `tfdojo dojo "
        "join` again"
    )


def test_a_room_that_does_not_answer_is_not_tried_again_for_a_while(tmp_path, monkeypatch):
    """A room that accepts connections but never answers (a laptop gone from the Wi-Fi looks
    the same from here): the first check waits TIMEOUT, the next ones do not wait at all."""
    monkeypatch.setattr(client, "TIMEOUT", 0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        folder = tmp_path / ".tfdojo"
        folder.mkdir()
        member = {"url": url, "token": "t", "key": "k", "name": "Ada", "learner": 1}
        (folder / "room.json").write_text(json.dumps(member))
        started = time.monotonic()
        first = client.send_verdict(tmp_path, verdict("tensors", "pass"))
        waited = time.monotonic() - started
        assert (first.sent, first.queued) == (0, 1) and 0.4 < waited < 5
        assert "the room does not answer (" in first.note
        started = time.monotonic()
        second = client.send_verdict(tmp_path, verdict("logistic", "pass"))
        assert time.monotonic() - started < 0.4
        assert second.note == (
            "room: the room did not answer a moment ago; 2 verdicts kept in "
            f"{folder / 'outbox.json'}, sent later"
        )
        box = json.loads((folder / "outbox.json").read_text())
        assert box["retry_after"] > time.time() + client.BACKOFF - 10


def test_the_room_never_imports_tensorflow(tmp_path):
    """The kata CLI never imports TensorFlow, and it will call the room's client: neither the
    room package nor `tfdojo dojo` may import it (nor the kata registry --katas reads)."""
    code = (
        "import sys, pkgutil, importlib\n"
        "import tfdojo.room\n"
        "for m in pkgutil.iter_modules(tfdojo.room.__path__):\n"
        "    importlib.import_module('tfdojo.room.' + m.name)\n"
        "from tfdojo.cli.commands.dojo import parse_katas\n"
        "assert parse_katas('1-3,training_step') == "
        "['tensors', 'logistic', 'softmax_cross_entropy', 'training_step']\n"
        "from tfdojo.cli.main import main\n"
        "try:\n"
        "    main(['dojo', 'serve', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_csv_cells_that_look_like_formulas_are_quoted():
    from tfdojo.room.export import verdicts_csv  # only this test writes CSV

    rows = [
        {**stored("tensors", cause=None, at=0), "id": 1, "name": '=HYPERLINK("x")', "pilot": None},
        {**stored("tensors", "pass", at=60), "id": 2, "name": "@Ada", "pilot": "-Bo"},
    ]
    rows[0]["cause_text"] = "+1 is not a label"
    text = verdicts_csv(rows)
    assert text.splitlines() == [
        "id,received,name,kata,track,status,cause,cause_text,concept,seconds,hints,source,time,pilot",
        '1,2027-01-15T08:00:00+00:00,"\'=HYPERLINK(""x"")",tensors,tensorflow,failing,,'
        "'+1 is not a label,,3.5,0,cli,2026-11-27T19:42:03+01:00,",
        "2,2027-01-15T08:01:00+00:00,'@Ada,tensors,tensorflow,pass,,,,3.5,0,cli,"
        "2026-11-27T19:42:03+01:00,'-Bo",
    ]


def test_leave_forgets_the_room(tmp_path, capsys):
    from tfdojo.cli import main  # the command itself

    folder = tmp_path / ".tfdojo"
    folder.mkdir()
    member = {"url": "http://127.0.0.1:9/", "token": "t", "key": "k", "name": "Ada"}
    (folder / "room.json").write_text(json.dumps(member))
    (folder / "outbox.json").write_text('{"verdicts": [], "retry_after": 0}')
    assert main(["dojo", "leave", "--dir", str(tmp_path)]) == 0
    assert main(["dojo", "leave", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"left the room\n{tmp_path}: had joined no room\n"
    assert sorted(p.name for p in folder.iterdir()) == []
