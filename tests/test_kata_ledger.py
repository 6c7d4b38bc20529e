"""The kata ledger and what reads it: torn and newer lines, the schedule, stats, hints, list,
notebooks and the room. No TensorFlow: verdicts are made by hand or by a NumPy kata's check;
the CLI flow with real TensorFlow checks is in test_kata_loop.py."""

from __future__ import annotations

import datetime
import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest

from tfdojo.cli import main
from tfdojo.core.atomic import append_line, write_json
from tfdojo.core.errors import TfdojoError
from tfdojo.room import client
from tfdojo.teaching import kata
from tfdojo.teaching.kata import hints, ledger, schedule, stats, workspace
from tfdojo.teaching.kata.checking import CheckResult

T0 = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
ASSIGN = "training_step/assign-not-assign_sub"


@pytest.fixture
def dojo(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assert main(["kata", "start"]) == 0
    return Path("dojo")


def at(monkeypatch, minutes: float) -> None:
    """Set the clock to T0 + ``minutes``."""
    when = T0 + datetime.timedelta(minutes=minutes)
    monkeypatch.setenv(ledger.NOW_VARIABLE, when.isoformat())


def failing(name: str, cause: str = "", concept: str = "") -> CheckResult:
    return CheckResult(name, "failing", "not yet", 1.5, cause=cause, concept=concept)


def passing(name: str) -> CheckResult:
    return CheckResult(name, "pass", "well done: ...", 2.0)


def cli_json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------------ the file itself


def test_each_check_is_one_line_with_the_fields_of_version_1(dojo, monkeypatch):
    at(monkeypatch, 0)
    (done,) = workspace.record(dojo, [failing("training_step", ASSIGN, "tape")], source="watch")
    line = (dojo / ledger.LEDGER).read_text().splitlines()
    assert len(line) == 1
    found = json.loads(line[0])
    assert found == done.record
    sha = workspace.sha256((dojo / "04_training_step.py").read_bytes())
    assert found == {
        "v": 1,
        "event": "check",
        "time": "2026-01-05T09:00:00+00:00",
        "kata": "training_step",
        "sha256": sha,
        "status": "failing",
        "cause": ASSIGN,
        "cause_text": "",
        "concept": "tape",
        "hints": 0,
        "seconds": 1.5,
        "source": "watch",
    }


def test_a_torn_last_line_is_skipped_and_the_rest_reads(dojo, monkeypatch):
    at(monkeypatch, 0)
    workspace.record(dojo, [failing("tensors")])
    workspace.record(dojo, [passing("tensors")])
    with open(dojo / ledger.LEDGER, "ab") as f:  # a crash in the middle of the third write
        f.write(b'{"v": 1, "event": "check", "time": "2026-01-05T09:0')
    book = ledger.read(dojo)
    assert [r["status"] for r in book.records] == ["failing", "pass"]
    assert book.skipped == 1
    assert workspace.statuses(dojo)[0].status == "pass"
    workspace.record(dojo, [failing("logistic")])  # the next line starts after the torn one
    book = ledger.read(dojo)
    assert [r["kata"] for r in book.records] == ["tensors", "tensors", "logistic"]
    assert book.skipped == 1


def test_a_newer_versions_lines_read_and_unknown_ones_are_ignored(dojo):
    lines = [
        {"v": 2, "event": "check", "time": "2030-01-01T00:00:00+00:00", "kata": "tensors",
         "sha256": None, "status": "failing", "cause": "tensors/wrong-axis", "hints": 0,
         "seconds": 1, "source": "tablet", "gpu": {"name": "x"}, "cause_text": "",
         "concept": "axis"},
        {"v": 2, "event": "mood", "time": "2030-01-01T00:01:00+00:00", "kata": "tensors"},
        "not a record",
        {"v": 1, "event": "check", "time": "yesterday", "kata": "tensors"},
    ]  # fmt: skip
    text = "\n".join(json.dumps(x) for x in lines) + "\n"
    (dojo / ledger.LEDGER).parent.mkdir()
    (dojo / ledger.LEDGER).write_text(text)
    book = ledger.read(dojo)
    (record,) = book.records
    assert record["gpu"] == {"name": "x"} and record["source"] == "tablet"
    assert book.skipped == 2  # the string and the time that is no time; the mood is ignored
    assert stats.stats(dojo)["causes"] == {
        "tensors/wrong-axis": {"count": 1, "kata": "tensors", "concept": "axis"}
    }


def test_append_line_refuses_a_link_or_a_fifo_and_more_than_one_line(tmp_path):
    target = tmp_path / "elsewhere"
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(TfdojoError, match="not a regular file"):
        append_line(tmp_path / "link", b"{}\n")
    assert not target.exists()
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(TfdojoError, match="not a regular file"):
        append_line(tmp_path / "fifo", b"{}\n")  # no reader: refused at once, never waits
    with pytest.raises(ValueError):
        append_line(tmp_path / "log", b"{}\n{}\n")


def test_the_clock_is_one_variable_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setenv(ledger.NOW_VARIABLE, "2026-01-05T09:00:00")
    assert ledger.now() == T0
    monkeypatch.setenv(ledger.NOW_VARIABLE, "teatime")
    with pytest.raises(TfdojoError, match="TFDOJO_NOW: expected an ISO time.*'teatime'"):
        ledger.now()


# ------------------------------------------------------------------------ list and stats


def test_list_takes_the_status_of_the_check_whose_file_matches(dojo, capsys):
    """The bug: a correct file restored after a failing edit stayed 'failing (edited ...)'."""
    path = dojo / "01_tensors.py"
    right = kata.find("tensors").solution()
    path.write_text(right)
    workspace.record(dojo, [passing("tensors")])
    path.write_text(right.replace("255.0", "256.0"))
    workspace.record(dojo, [failing("tensors")])
    assert (workspace.statuses(dojo)[0].status, workspace.statuses(dojo)[0].stale) == (
        "failing",
        False,
    )
    path.write_text(right)  # restored
    first = workspace.statuses(dojo)[0]
    assert (first.status, first.stale) == ("pass", False)
    capsys.readouterr()
    main(["kata", "list"])
    assert "✓ pass    01_tensors" in capsys.readouterr().out


def test_stats_counts_each_failing_version_of_a_file_once(dojo, monkeypatch, capsys):
    path = dojo / "04_training_step.py"
    at(monkeypatch, 0)
    workspace.record(dojo, [failing("training_step", ASSIGN, "tape")])
    workspace.record(dojo, [failing("training_step", ASSIGN, "tape")])  # the same file again
    path.write_text(path.read_text() + "\n# another try\n")
    at(monkeypatch, 3)
    workspace.record(dojo, [failing("training_step", ASSIGN, "tape")])
    workspace.record(dojo, [failing("l2", "any/gradient-none", "tape")])
    at(monkeypatch, 7)
    workspace.record(dojo, [passing("training_step")])
    found = cli_json(capsys, "kata", "stats", "--json")
    assert found["causes"] == {
        ASSIGN: {"count": 2, "kata": "training_step", "concept": "tape"},
        "any/gradient-none": {"count": 1, "kata": "l2", "concept": "tape"},
    }
    assert found["concepts"]["tape"]["katas"] == ["training_step", "l2"]
    step = found["katas"]["training_step"]
    assert (step["checks"], step["failing"], step["passed"]) == (4, 3, True)
    assert step["seconds_to_first_pass"] == 420.0
    assert main(["kata", "stats"]) == 0
    text = capsys.readouterr().out
    assert "training_step       4        3      0        7.0 min" in text
    assert "      2 x training_step/assign-not-assign_sub" in text


# ------------------------------------------------------------------------ hints


def test_a_hint_names_the_last_cause_first_and_reteaches_a_concept_met_twice(dojo, capsys):
    workspace.record(dojo, [failing("training_step", ASSIGN, "tape")])
    capsys.readouterr()
    main(["kata", "hint", "training_step"])
    first, *rest = capsys.readouterr().out.splitlines()
    assert first.startswith("your last check (") and "assign_sub" in first and ASSIGN in first
    assert rest[1].startswith("hint 1 of ")
    assert "the tape, again" not in "\n".join(rest)
    workspace.record(dojo, [failing("l2", "any/gradient-none", "tape")])
    advice = hints.advise(dojo, kata.find("l2"))
    assert advice.cause.startswith("your last check") and "gradient is None" in advice.cause
    assert advice.reteach.startswith("the tape, again (it failed in training_step, l2):")
    assert "tf.GradientTape records only" in advice.reteach
    workspace.record(dojo, [passing("l2")])
    assert hints.advise(dojo, kata.find("l2")).cause == ""  # passed: nothing to name


def test_kata_one_hint_two_is_right_about_uint8_division():
    text = kata.find("tensors").hints[1]
    assert "images / 255 does give float32" in text and "stays in whole numbers" not in text


# ------------------------------------------------------------------------ the schedule


def test_leitner_boxes_and_the_katas_due(dojo, monkeypatch):
    """tensors: a clean first pass (box 2, due in 2 days); logistic: a hint (box 1, due in
    1 day); softmax: passed twice cleanly from blank (box 3, due in 4 days); training_step:
    redone and not passed yet (not due); l2: never passed (not scheduled)."""
    at(monkeypatch, 0)
    workspace.record(dojo, [passing("tensors")])
    workspace.next_hint(dojo, kata.find("logistic"))
    workspace.record(dojo, [passing("logistic")])
    workspace.record(dojo, [passing("softmax_cross_entropy")])
    workspace.record(dojo, [passing("training_step")])
    workspace.record(dojo, [failing("l2")])
    for minutes in (60 * 24, 60 * 48):  # softmax from blank, 3 minutes each time
        at(monkeypatch, minutes)
        main(["kata", "redo", "softmax_cross_entropy"])
        at(monkeypatch, minutes + 3)
        workspace.record(dojo, [passing("softmax_cross_entropy")])
    main(["kata", "redo", "training_step"])
    book = ledger.read(dojo)
    assert [schedule.review(book, n).box for n in ("tensors", "logistic", "l2")] == [2, 1, 0]
    assert schedule.review(book, "softmax_cross_entropy").box == 4
    names = [k.name for k in kata.katas("tensorflow")]

    def due(days: float) -> list[str]:
        return [r.kata for r in schedule.due(book, names, T0 + datetime.timedelta(days=days))]

    assert due(0.9) == []
    assert due(1.0) == ["logistic"]
    assert due(2.0) == ["tensors", "logistic"]
    assert due(2.0 + 8 + 0.01) == ["tensors", "logistic", "softmax_cross_entropy"]


def test_a_passed_attempt_from_blank_reports_its_time_and_the_best(dojo, monkeypatch, capsys):
    at(monkeypatch, 0)
    main(["kata", "redo", "tensors", "--timebox", "4"])
    at(monkeypatch, 3.5)
    (first,) = workspace.record(dojo, [passing("tensors")])
    assert first.notes() == [
        "from blank in 3 min 30 s (0 failing checks, 0 hints; target 4 min): a personal best"
    ]
    at(monkeypatch, 10)
    main(["kata", "redo", "tensors"])
    at(monkeypatch, 16)
    workspace.record(dojo, [failing("tensors")])
    (second,) = workspace.record(dojo, [passing("tensors")])
    assert second.notes() == [
        "from blank in 6 min 00 s (1 failing checks, 0 hints; target 5 min); your best: 3 min 30 s"
    ]
    assert first.first_pass and second.first_pass  # the same file: a redo's pass is debriefed
    (again,) = workspace.record(dojo, [passing("tensors")])
    assert not again.first_pass and again.notes() == []
    assert schedule.belt(ledger.read(dojo), ["tensors"]).complete
    assert not schedule.belt(ledger.read(dojo), ["tensors", "logistic"]).complete
    assert cli_json(capsys, "kata", "list", "--json")["belt"]["earned"] == ["tensors"]
    main(["kata", "list"])
    assert capsys.readouterr().out.splitlines()[-1] == (
        "belt: 1 of 14 katas passed from blank with no hint within the target time "
        "(`tfdojo kata redo NAME` to try one)"
    )


def test_redo_keeps_every_version_of_the_learners_file(dojo, capsys):
    path = dojo / "02_logistic.py"
    for n in (1, 2):
        path.write_text(f"# my try {n}\n")
        main(["kata", "redo", "logistic"])
    assert path.read_text() == kata.find("logistic").exercise()
    assert (dojo / "02_logistic.py.bak").read_text() == "# my try 1\n"
    assert (dojo / "02_logistic.py.bak2").read_text() == "# my try 2\n"
    capsys.readouterr()
    assert main(["kata", "redo", "logistic", "--timebox", "-1"]) != 0
    err = capsys.readouterr().err
    assert "--timebox: expected minutes, more than 0 and at most 1440, received -1" in err
    assert main(["kata", "redo"]) != 0
    assert "kata redo: expected a kata NAME or --due" in capsys.readouterr().err
    assert path.read_text() == kata.find("logistic").exercise()  # nothing redone


# ------------------------------------------------------------------------ notebooks and rooms


def np_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_notebook_checks_appear_in_list_json_with_their_source(dojo, monkeypatch, capsys):
    result = kata.check_here("np_softmax", {"np_softmax": np_softmax}, workspace=dojo)
    assert result.passed
    monkeypatch.setenv("TFDOJO_KATA_DIR", str(dojo))  # the other way to name the workspace
    wrong = kata.check_here("np_softmax", {"np_softmax": lambda z: np.exp(z)})
    assert wrong.status == "failing"
    monkeypatch.delenv("TFDOJO_KATA_DIR")
    kata.check_here("np_softmax", {"np_softmax": np_softmax})  # ./dojo: found by default
    listed = cli_json(capsys, "kata", "list", "--json")["katas"]
    (entry,) = [k for k in listed if k["name"] == "np_softmax"]
    assert entry["track"] == "numpy" and entry["status"] == "pass"
    assert entry["last_check"]["source"] == "notebook"
    sources = [r["source"] for r in ledger.read(dojo).checks("np_softmax")]
    assert sources == ["notebook"] * 3


def test_a_joined_workspace_with_an_unreachable_room_records_and_queues(dojo):
    with socket.socket() as closed:  # a port nobody listens on: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        folder = dojo / client.ROOM_DIR
        member = {"url": f"http://127.0.0.1:{port}/", "token": "t", "name": "ada", "key": "k"}
        write_json(folder / client.MEMBERSHIP, member)
        (done,) = workspace.record(dojo, [failing("training_step", ASSIGN, "tape")])
        workspace.record(dojo, [passing("training_step")])
    assert [r["status"] for r in ledger.read(dojo).checks()] == ["failing", "pass"]
    assert done.room_note.startswith("room: the room does not answer")
    assert "1 verdict kept in" in done.room_note
    queued = json.loads((folder / client.OUTBOX).read_text())["verdicts"]
    assert [(v["kata"], v["status"], v["cause"], v["source"]) for v in queued] == [
        ("training_step", "failing", ASSIGN, "cli"),
        ("training_step", "pass", None, "cli"),
    ]


def test_a_notebook_hint_names_the_last_cause_and_is_counted(dojo, monkeypatch):
    workspace.record(dojo, [failing("np_softmax", "any/not-finite", "numerics")], "notebook")
    text = kata.hint("np_softmax", 1, workspace=dojo)
    first, second = text.splitlines()[:2]
    assert first.startswith("your last check (") and "[any/not-finite]" in first
    assert second.startswith("    what to look for: look at numbers that overflow")
    assert [r["number"] for r in ledger.read(dojo).of("np_softmax", "hint")] == [1]
    monkeypatch.chdir(dojo)  # no ./dojo here, no TFDOJO_KATA_DIR: the staged hint alone
    alone = kata.hint("np_softmax", 1)
    assert alone.startswith("hint 1 of ")


def test_a_ledger_that_is_no_file_is_named_never_waited_on(dojo, capsys):
    capsys.readouterr()
    assert main(["kata", "stats"]) == 0
    assert capsys.readouterr().out.startswith("no checks yet: `tfdojo kata check`")
    (dojo / ledger.LEDGER).parent.mkdir()
    os.mkfifo(dojo / ledger.LEDGER)
    assert main(["kata", "list"]) != 0
    assert "ledger.jsonl: is a named pipe (FIFO), not a regular file" in capsys.readouterr().err
    with pytest.raises(TfdojoError, match=r"ledger.jsonl: is a named pipe \(FIFO\)"):
        workspace.record(dojo, [passing("tensors")])


def test_a_notebook_check_counts_the_notebooks_hints(dojo):
    kata.hint("np_softmax", 1, workspace=dojo)
    kata.hint("np_softmax", 2, workspace=dojo)
    result = kata.check_here("np_softmax", {"np_softmax": np_softmax}, workspace=dojo)
    assert result.passed
    assert ledger.read(dojo).last_check("np_softmax")["hints"] == 2


def test_solve_sends_a_kata_back_to_box_one_and_earns_no_belt(dojo, monkeypatch):
    at(monkeypatch, 0)
    main(["kata", "redo", "tensors"])
    workspace.record(dojo, [failing("tensors")])
    main(["kata", "solve", "tensors"])
    at(monkeypatch, 2)
    workspace.record(dojo, [passing("tensors")])
    book = ledger.read(dojo)
    (attempt,) = schedule.attempts(book, "tensors")
    assert (attempt.from_blank, attempt.failures, attempt.solved, attempt.seconds) == (
        True,
        1,
        True,
        120.0,
    )
    assert schedule.review(book, "tensors").box == 1
    assert schedule.belt(book, ["tensors"]).earned == ()
    assert schedule.personal_best([attempt]) is None


def test_a_pass_recorded_before_its_redo_has_no_time(dojo, monkeypatch, capsys):
    """A learner found it: `redo` with the clock set ahead, then a check at the real time
    gave "from blank in -2546463 s: a personal best" and a box up."""
    at(monkeypatch, 60 * 24 * 30)  # a month ahead
    main(["kata", "redo", "tensors"])
    at(monkeypatch, 3)
    (result,) = workspace.record(dojo, [passing("tensors")])
    assert result.notes() == [
        "from blank: not timed (the clock is behind the redo's): no personal best, no box up"
    ]
    tensors = cli_json(capsys, "kata", "stats", "--json")["katas"]["tensors"]
    assert tensors["best_seconds"] is None and tensors["box"] <= 1
    assert not schedule.belt(ledger.read(dojo), ["tensors"]).earned


def test_a_ledger_of_damaged_lines_is_not_called_empty(dojo, capsys):
    (dojo / ".tfdojo").mkdir(exist_ok=True)
    (dojo / ".tfdojo" / "ledger.jsonl").write_text("garbage\n{]\n[1, 2]\n")
    assert main(["kata", "stats"]) == 0
    assert capsys.readouterr().out.strip() == (
        "no readable checks: 3 unreadable ledger lines skipped"
    )
