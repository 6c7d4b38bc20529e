"""The practice loop as a learner meets it, through the real CLI and real TensorFlow checks:
a wrong kata 4, its cause counted and hinted first, the pass and its debrief, redo from blank,
the schedule's due katas as the clock moves on; and a joined workspace's checks on a real
room's board. Each check takes about 5 s."""

from __future__ import annotations

import _thread
import datetime
import json
import threading
from pathlib import Path

import pytest

from tests.room_server import RoomServer
from tests.test_kata_tf import learner_file
from tfdojo.cli import main
from tfdojo.teaching import kata
from tfdojo.teaching.kata import ledger
from tfdojo.teaching.kata.watch import watch

T0 = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
ASSIGN = "training_step/assign-not-assign_sub"
STEP = kata.find("training_step")


def at(monkeypatch, minutes: float) -> None:
    when = T0 + datetime.timedelta(minutes=minutes)
    monkeypatch.setenv(ledger.NOW_VARIABLE, when.isoformat())


def run(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["kata", *argv])
    return code, capsys.readouterr().out


@pytest.fixture
def dojo(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assert main(["kata", "start"]) == 0
    return Path("dojo")


def test_the_loop_from_a_wrong_step_to_a_redo_that_is_due(dojo, monkeypatch, capsys):
    # a wrong kata 4: assign for assign_sub
    at(monkeypatch, 0)
    wrong = learner_file(dojo, STEP, [("v.assign_sub(lr * g)  #", "v.assign(lr * g)  #")])
    code, out = run(capsys, "check", "training_step", "--threads", "1")
    assert code == 1 and "assign_sub" in out
    found = json.loads(run(capsys, "stats", "--json")[1])
    assert found["causes"] == {ASSIGN: {"count": 1, "kata": "training_step", "concept": "tape"}}
    assert found["katas"]["training_step"]["failing"] == 1

    # the hint answers that cause first, then the staged hint
    at(monkeypatch, 1)
    code, out = run(capsys, "hint", "training_step")
    lines = out.splitlines()
    assert "assign_sub" in lines[0] and ASSIGN in lines[0]
    assert lines[2] == f"hint 1 of {len(STEP.hints)} for 04_training_step: {STEP.hints[0]}"

    # solved in the learner's words: the pass prints the debrief
    at(monkeypatch, 2)
    mine = learner_file(dojo, STEP, [("  # v <- v - lr * dloss/dv", "  # down the gradient")])
    code, out = run(capsys, "check", "training_step", "--threads", "1")
    assert code == 0
    assert "debrief of 04_training_step: where yours differs from the reference" in out
    assert "    -        v.assign_sub(lr * g)  # v <- v - lr * dloss/dv" in out
    assert "    +        v.assign_sub(lr * g)  # down the gradient" in out
    assert "    why: The loss is computed inside the tape" in out
    assert run(capsys, "debrief", "training_step")[1] == out[out.index("debrief of") :]

    # a hint was used: box 1, due a day after the pass, not before
    at(monkeypatch, 12 * 60)
    due = json.loads(run(capsys, "redo", "--due", "--json")[1])
    assert due == {"due": [], "redone": []}
    assert mine.read_text() != STEP.exercise()
    at(monkeypatch, 24 * 60 + 3)
    due = json.loads(run(capsys, "redo", "--due", "--json")[1])
    assert [r["name"] for r in due["due"]] == ["training_step"]
    assert due["due"][0]["box"] == 1
    assert [r["name"] for r in due["redone"]] == ["training_step"]
    assert mine.read_text() == STEP.exercise()
    assert Path(due["redone"][0]["backup"]).read_text() == STEP.solution().replace(
        "  # v <- v - lr * dloss/dv", "  # down the gradient"
    )
    assert wrong == mine  # one file, the learner's, blanked and kept

    # from blank, no hint, in 3 minutes: timed, a personal best, line for line the reference
    at(monkeypatch, 24 * 60 + 6)
    learner_file(dojo, STEP)
    code, out = run(capsys, "check", "training_step", "--threads", "1")
    assert code == 0
    assert "debrief of 04_training_step: yours is the reference, line for line" in out
    timed = "from blank in 3 min 00 s (0 failing checks, 0 hints; target 5 min): a personal best"
    assert timed in out
    stats = json.loads(run(capsys, "stats", "--json")[1])
    assert stats["katas"]["training_step"]["best_seconds"] == 180.0
    assert stats["katas"]["training_step"]["box"] == 2
    assert stats["belt"]["earned"] == ["training_step"]

    # redo by name: the exercise again, both earlier versions kept
    code, out = run(capsys, "redo", "training_step")
    assert code == 0 and mine.read_text() == STEP.exercise()
    assert (dojo / "04_training_step.py.bak2").read_text() == STEP.solution()
    assert "04_training_step.py.bak2" in out


def test_watch_records_its_checks_as_watch_and_prints_the_debrief(dojo):
    """In process: kata 1 written right before watch starts (so it is checked at once); the
    debrief after its pass stops watch (as Ctrl-C does). A timer interrupts it if that
    never comes."""
    seen: list[str] = []
    stopped: list[bool] = []

    def out(text: str) -> None:
        seen.append(text)
        if text.startswith("debrief of 01_tensors") and not stopped:
            stopped.append(True)
            raise KeyboardInterrupt

    learner_file(dojo, kata.find("tensors"))
    bound = threading.Timer(120, _thread.interrupt_main)
    bound.start()
    try:
        watch(dojo, out=out, poll=0.05)
    finally:
        bound.cancel()
    assert stopped, f"no debrief in 120 s: {seen}"
    assert any(s.startswith("✓ 01_tensors") for s in seen)
    assert [(r["kata"], r["status"], r["source"]) for r in ledger.read(dojo).checks()] == [
        ("tensors", "pass", "watch")
    ]


def test_a_check_in_a_joined_workspace_reaches_the_room_board(dojo, tmp_path, capsys):
    """The room's end to end: a real server, a real `kata check` in a joined workspace; the
    board shows the learner failing on the cause the check named, then passing."""
    server = RoomServer(tmp_path / "room.sqlite")
    try:
        join = ["dojo", "join", server.url, "--token", server.token, "--name", "Ada"]
        assert main(join) == 0
        board = ["dojo", "board", "--url", server.url, "--token", server.board_token, "--json"]
        learner_file(dojo, STEP, [("v.assign_sub(lr * g)  #", "v.assign(lr * g)  #")])
        assert run(capsys, "check", "--threads", "1", "training_step")[0] == 1
        assert main(board) == 0
        seen = json.loads(capsys.readouterr().out)
        (ada,) = seen["learners"]
        assert (ada["name"], ada["current"], ada["status"], ada["cause"]) == (
            "Ada",
            "training_step",
            "failing",
            ASSIGN,
        )
        assert [(c["cause"], c["learners"]) for c in seen["top_causes"]] == [(ASSIGN, 1)]
        learner_file(dojo, STEP, [])
        assert run(capsys, "check", "--threads", "1", "training_step")[0] == 0
        assert main(board) == 0
        (ada,) = json.loads(capsys.readouterr().out)["learners"]
        assert (ada["cells"]["training_step"], ada["verdicts"]) == ("pass", 2)
    finally:
        server.stop()
