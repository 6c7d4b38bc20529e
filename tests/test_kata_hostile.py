"""`tfdojo kata` against hostile or clumsy learner code and damaged workspace files.

Each case gets a clean verdict or one line (``tfdojo: error: ...``), never a traceback, a
hang or a forged "pass"; the learner's files are never lost.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from tests.test_kata_tf import learner_file
from tfdojo.cli import main
from tfdojo.teaching import kata
from tfdojo.teaching.kata import workspace
from tfdojo.teaching.kata.runner import EXITED, Channel, run_checks

STATE = workspace.STATE_NAME
KATA_FILE = "your kata file there (move what is in its way)"


@pytest.fixture
def dojo(tmp_path, monkeypatch) -> Path:
    """A fresh workspace ``dojo`` in an empty current folder."""
    monkeypatch.chdir(tmp_path)
    assert main(["kata", "start"]) == 0
    return Path("dojo")


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead and waiting for its parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` with its bytes (a folder in it: ``b"<folder>"``)."""
    return {
        p.name: p.read_bytes() if p.is_file() else b"<folder>"
        for p in sorted(folder.iterdir())
        if not p.is_fifo()
    }


# ------------------------------------------------------------- learner code in the worker

SLEEPER = """\
import os, time
if os.fork() == 0:  # a child that outlives the check, holding what it inherited
    open({pidfile!r}, "w").write(str(os.getpid()))
    time.sleep(300)
    os._exit(0)
# caf\xe9: a Latin-1 byte in a comment
"""

FORGER = """\
import json, os, stat
FORGED = json.dumps({"result": {"name": "softmax_cross_entropy", "status": "pass",
                                "message": "well done: forged", "seconds": 0.0}})
def forge():
    for fd in range(64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, (FORGED + "\\n" + "x " + FORGED + "\\n" + '{"start"').encode())
        except OSError:
            pass
forge()
if os.fork() == 0:
    forge()
    os._exit(0)
"""


def test_forks_forgeries_and_interrupts_give_each_kata_its_own_verdict_at_once(dojo, capsys):
    """One worker checks four hostile files: a child sleeping 300 s, a plain os.fork() whose
    copy runs on through the check, forged verdicts written on every pipe (by the worker
    and a child), a raised KeyboardInterrupt; and a folder in a kata's place."""
    pidfile = Path("sleeper.pid").resolve()
    tensors = learner_file(dojo, kata.find("01"))
    tensors.write_bytes(
        SLEEPER.format(pidfile=str(pidfile)).encode("latin-1") + tensors.read_bytes()
    )
    logistic = learner_file(dojo, kata.find("02"))
    logistic.write_text("import os\nos.fork()\n" + logistic.read_text())
    softmax = dojo / "03_softmax_cross_entropy.py"
    softmax.write_text(FORGER + softmax.read_text())
    lines = softmax.read_text().splitlines()
    todo_line = next(n for n, line in enumerate(lines, 1) if "raise NotImplementedError" in line)
    (dojo / "04_training_step.py").write_text("raise KeyboardInterrupt\n")
    (dojo / "05_minibatch_loop.py").unlink()
    (dojo / "05_minibatch_loop.py").mkdir()

    started = time.monotonic()
    code = main(["kata", "check", "--json", "--time-limit", "200"])  # all 14, one worker
    seconds = time.monotonic() - started
    assert seconds < 150, seconds  # no wait for the sleeper (300 s) nor for the time limit
    assert code == 1
    verdicts = json.loads(capsys.readouterr().out)["katas"]
    assert [v["name"] for v in verdicts] == kata.names("tensorflow")  # the copy added none
    got = {v["name"]: (v["status"], v["message"]) for v in verdicts}
    assert got["tensors"][0] == got["logistic"][0] == "pass"
    assert got["softmax_cross_entropy"] == (
        "todo",
        "not done yet: 03_softmax_cross_entropy.py line "
        f"{todo_line}, in softmax: write the TODO there (it still raises NotImplementedError)",
    )
    assert got["training_step"] == (
        "failing",
        "your code raised KeyboardInterrupt (04_training_step.py line 1, in <module>): "
        "remove that raise",
    )
    folder = (dojo / "05_minibatch_loop.py").resolve()
    assert got["minibatch_loop"] == (
        "failing",
        f"{folder} is not a file: expected your Python file there; move it away",
    )
    assert wait_until_gone(int(pidfile.read_text()))  # its process group was ended
    state = json.loads((dojo / STATE).read_text())["katas"]
    assert state["softmax_cross_entropy"]["status"] == "todo"  # not the forged pass
    assert [s.status for s in workspace.statuses(dojo)][:6] == [
        "pass",
        "pass",
        "todo",
        "failing",
        "todo",  # the folder: "is a folder; expected ..."
        "todo",
    ]


def test_the_channel_takes_only_lines_with_the_secret():
    """Forged verdicts, a wrong secret, junk with no line end before ours, 200 KiB of junk."""
    read, write = os.pipe()
    channel = Channel(read, "s3cret")
    ours = json.dumps({"result": {"name": "tensors", "status": "todo"}})
    forged = json.dumps({"result": {"name": "tensors", "status": "pass"}})

    def send() -> None:  # more than a pipe holds: written while the channel reads
        with os.fdopen(write, "wb") as pipe:
            pipe.write(f"{forged}\nS3CRET {forged}\ns3cret{forged}\n".encode())
            pipe.write(b"x" * 200_000 + f"s3cret {ours}\n".encode())
            pipe.write(b'junk s3cret {"start": "logistic"}\ns3cret [1]\ns3cret {"a')

    threading.Thread(target=send, daemon=True).start()
    deadline = time.monotonic() + 10
    assert channel.next(deadline, lambda: False) == json.loads(ours)
    assert channel.next(deadline, lambda: False) == {"start": "logistic"}
    assert channel.next(deadline, lambda: False) is EXITED  # closed: nothing more of ours
    channel.close()


def test_a_check_whose_process_ends_fails_and_the_next_kata_is_checked(dojo):
    """A process that exits, then one that closes every descriptor it did not open (and
    sleeps): each a failing verdict at once, and the katas after them still checked."""
    (dojo / "01_tensors.py").write_text("import os\n\nos._exit(7)\n")
    learner_file(dojo, kata.find("02"))
    closer = "import os, time\nos.closerange(3, 4096)\ntime.sleep(120)\n"
    (dojo / "03_softmax_cross_entropy.py").write_text(closer)
    started = time.monotonic()
    names = ["tensors", "logistic", "softmax_cross_entropy", "training_step"]
    tensors, logistic, closed, step = run_checks(dojo, names, time_limit=100)
    assert time.monotonic() - started < 90  # neither the sleep nor the time limit
    assert tensors == kata.CheckResult(
        "tensors",
        "failing",
        "the check stopped: its process exited (7) while checking; does your code end the "
        "process (os._exit, os.kill) or crash Python?",
    )
    assert (logistic.name, logistic.status) == ("logistic", "pass")
    assert closed == kata.CheckResult(
        "softmax_cross_entropy",
        "failing",
        "the check stopped: its process closed its pipe to tfdojo; does your code close files "
        "it did not open?",
    )
    assert (step.name, step.status) == ("training_step", "todo")


# -------------------------------------------------------------------- the command line


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "3601", "1e400"])
@pytest.mark.parametrize("action", ["check", "watch"])
def test_a_time_limit_out_of_range_is_one_line(dojo, capsys, action, value):
    assert main(["kata", action, "--time-limit", value]) == 2
    shown = f"{float(value):g}"
    assert capsys.readouterr() == (
        "",
        f"tfdojo: error: --time-limit: expected seconds > 0 and at most 3600, received {shown}\n",
    )


@pytest.mark.parametrize("name", ["²", "٣", "1²"])
def test_a_non_ascii_digit_is_an_unknown_kata(dojo, capsys, name):
    for action in ("check", "hint", "solve"):
        assert main(["kata", action, name]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"tfdojo: error: kata: unknown kata {name!r}")
        assert "valid katas: 01_tensors, 02_logistic, " in err and err.count("\n") == 1


def test_a_latin1_byte_in_a_kata_file_is_listed_solved_and_reset_keeping_its_bytes(dojo, capsys):
    mine = b"# caf\xe9 au lait\n"
    for name in ("01_tensors.py", "02_logistic.py", "03_softmax_cross_entropy.py"):
        (dojo / name).write_bytes(mine)
    assert main(["kata", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["katas"]
    assert [(k["status"], k["message"], k["stale"]) for k in listed[:4]] == [
        ("todo", "edited, not checked yet", True)
    ] * 3 + [("todo", "not started", False)]
    assert main(["kata", "solve", "01"]) == 0
    assert (dojo / "01_tensors.py.bak").read_bytes() == mine
    assert (dojo / "01_tensors.py").read_text() == kata.find("01").solution()
    assert main(["kata", "start", "--force", "02"]) == 0
    assert (dojo / "02_logistic.py.bak").read_bytes() == mine
    assert main(["kata", "start", "--force"]) == 0  # every kata: 01 and 03 kept too
    assert (dojo / "01_tensors.py.bak2").read_text() == kata.find("01").solution()
    assert (dojo / "03_softmax_cross_entropy.py.bak").read_bytes() == mine
    assert "Traceback" not in capsys.readouterr().err


def test_a_folder_or_a_pipe_in_a_katas_place_is_named_and_never_overwritten(dojo, capsys):
    (dojo / "01_tensors.py").unlink()
    (dojo / "01_tensors.py").mkdir()
    (dojo / "02_logistic.py").unlink()
    os.mkfifo(dojo / "02_logistic.py")  # reading it would wait for a writer forever
    before = files_of(dojo)
    assert main(["kata", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["katas"]
    assert [(k["status"], k["message"]) for k in listed[:2]] == [
        ("todo", f"dojo/01_tensors.py: is a folder; expected {KATA_FILE}"),
        (
            "todo",
            "dojo/02_logistic.py: is a named pipe (FIFO), not a regular file; "
            f"expected {KATA_FILE}",
        ),
    ]
    for argv in (["start", "--force"], ["start", "--force", "02"], ["solve", "01"]):
        assert main(["kata", *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"; expected {KATA_FILE}" in err, err
    assert files_of(dojo) == before  # nothing reset, nothing half-written


# --------------------------------------------------------------------- the state file

FIX = (
    "it holds only tfdojo's record of your checks and hints: delete it and run "
    "`tfdojo kata start dojo` to start it afresh (your kata files are kept)"
)


@pytest.mark.parametrize(
    "content, problem",
    [
        ("[]", "expected a JSON object, received []"),
        ('{"katas": {"tensors": 5}}', '"katas"."tensors": expected an object, received 5'),
        ('{"katas": []}', '"katas": expected an object by kata name, received []'),
        (
            '{"katas": {"tensors": {"hints": "2"}}}',
            '"katas"."tensors": "hints": expected a whole number >= 0, received "2"',
        ),
        (
            '{"katas": {"tensors": {"hints": 1.5}}}',
            '"katas"."tensors": "hints": expected a whole number >= 0, received 1.5',
        ),
        (
            '{"katas": {"tensors": {"hints": true}}}',
            '"katas"."tensors": "hints": expected a whole number >= 0, received true',
        ),
        (
            '{"katas": {"tensors": {"hints": NaN}}}',
            '"katas"."tensors": "hints": expected a whole number >= 0, received NaN',
        ),
        (
            '{"katas": {"tensors": {"hints": -1}}}',
            '"katas"."tensors": "hints": expected a whole number >= 0, received -1',
        ),
        (
            '{"katas": {"tensors": {"status": "passed", "message": "", "sha256": ""}}}',
            '"katas"."tensors": "status": expected one of todo, failing, pass, received "passed"',
        ),
        (
            '{"katas": {"tensors": {"status": "pass"}}}',
            '"katas"."tensors": "message": expected a string, received null',
        ),
        ('{"katas": {"a\\nb": []}}', '"katas"."a\\nb": expected an object, received []'),
        ('{"katas": ', "not valid JSON"),
        ("[" * 100_000, "not valid JSON"),
        ("\xff\xfe", "not valid JSON"),
        ('{"katas": {"tensors": {"hints": ' + "9" * 5000 + "}}}", "not valid JSON"),
    ],
    ids=lambda v: v[:24],
)
def test_a_damaged_state_file_is_one_line_and_nothing_is_touched(dojo, capsys, content, problem):
    (dojo / STATE).write_bytes(content.encode("latin-1"))
    before = files_of(dojo)
    expected = f"tfdojo: error: dojo/{STATE}: damaged ({problem}); {FIX}\n"
    for argv in (["list"], ["hint", "1"], ["check", "01"], ["solve", "01"], ["start"]):
        assert main(["kata", *argv]) == 2, argv
        assert capsys.readouterr() == ("", expected), argv
    assert files_of(dojo) == before


def test_a_state_file_that_is_a_folder_or_too_large_is_one_line(dojo, capsys):
    (dojo / STATE).unlink()
    (dojo / STATE).mkdir()
    assert main(["kata", "list"]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: dojo/{STATE}: damaged (is a folder; expected tfdojo's state file); {FIX}\n"
    )
    (dojo / STATE).rmdir()
    (dojo / STATE).write_text('{"katas": {}, "pad": "' + "x" * workspace.MAX_STATE_BYTES + '"}')
    assert main(["kata", "list"]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: dojo/{STATE}: damaged ({workspace.MAX_STATE_BYTES + 24:,} bytes; expected "
        f"tfdojo's state file of at most {workspace.MAX_STATE_BYTES:,} bytes); {FIX}\n"
    )


def test_what_tfdojo_does_not_know_in_the_state_file_is_kept(dojo, capsys):
    """A newer version's keys, another kata's entry: read past, and written back as they were."""
    extra = {"ledger": [1, 2], "katas": {"someday": {"x": 1}, "tensors": {"hints": 2}}}
    (dojo / STATE).write_text(json.dumps(extra))
    assert main(["kata", "hint", "1"]) == 0
    assert capsys.readouterr().out.startswith("hint 3 of 3 for 01_tensors: ")
    assert json.loads((dojo / STATE).read_text()) == {
        "ledger": [1, 2],
        "katas": {"someday": {"x": 1}, "tensors": {"hints": 3}},
    }
