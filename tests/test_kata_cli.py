"""`tfdojo kata`: the workspace, the command line, checks in worker processes, watch.

Checks here run the way a learner runs them, in a worker process; the katas' own
verdicts are tested in test_kata_tf.py.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.test_kata_hostile import SLEEPER, wait_until_gone
from tests.test_kata_tf import learner_file
from tests.test_readme_commands import console_blocks
from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.teaching import kata
from tfdojo.teaching.kata import workspace
from tfdojo.teaching.kata.runner import run_checks


@pytest.fixture
def dojo(tmp_path, monkeypatch) -> Path:
    """A fresh workspace ``dojo`` in an empty current folder."""
    monkeypatch.chdir(tmp_path)
    assert main(["kata", "start"]) == 0
    return Path("dojo")


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_a_fresh_workspace_lists_every_kata_and_none_passes(dojo, capsys):
    code, out = run(capsys, "kata", "list", "--json")
    katas = json.loads(out)["katas"]
    assert code == 0 and len(katas) == len(kata.katas("tensorflow")) == 14
    assert {k["status"] for k in katas} == {"todo"}
    assert katas[3] == {
        "name": "training_step",
        "track": "tensorflow",
        "file": "dojo/04_training_step.py",
        "status": "todo",
        "stale": False,
        "message": "not started",
        "last_check": None,
    }
    assert (dojo / "README.md").read_text().startswith("# Your TensorFlow dojo")
    code, out = run(capsys, "kata", "list")
    assert out.splitlines()[0].split() == ["·", "todo", "01_tensors", *kata.KATAS[0].title.split()]
    assert out.splitlines()[-1] == "0 of 14 katas pass; next: dojo/01_tensors.py"


def test_start_never_overwrites_an_edited_file_and_adds_missing_ones(dojo, capsys):
    mine = dojo / "01_tensors.py"
    mine.write_text("# my own work\n")
    (dojo / "02_logistic.py").unlink()
    code, out = run(capsys, "kata", "start")
    assert code == 0 and mine.read_text() == "# my own work\n"
    assert out.splitlines()[:2] == ["created dojo/02_logistic.py", "kept 13 kata files as they are"]
    assert (dojo / "02_logistic.py").read_text() == kata.find("02").exercise()


def test_force_resets_one_kata_keeping_the_learners_version(dojo, capsys):
    (dojo / "01_tensors.py").write_text("# attempt 1\n")
    (dojo / "04_training_step.py").write_text("# attempt 4\n")
    code, out = run(capsys, "kata", "start", "--force", "tensors")
    assert out.splitlines()[0] == "reset dojo/01_tensors.py (yours saved as 01_tensors.py.bak)"
    assert (dojo / "01_tensors.py").read_text() == kata.find("01").exercise()
    assert (dojo / "01_tensors.py.bak").read_text() == "# attempt 1\n"
    assert (dojo / "04_training_step.py").read_text() == "# attempt 4\n"
    run(capsys, "kata", "start", "--force")
    assert (dojo / "04_training_step.py").read_text() == kata.find("04").exercise()
    assert (dojo / "04_training_step.py.bak").read_text() == "# attempt 4\n"


def test_hints_come_one_at_a_time(dojo, capsys):
    k = kata.find("training_step")
    for n in (1, 2, 3):
        _, out = run(capsys, "kata", "hint", "4")
        assert out == f"hint {n} of 3 for 04_training_step: {k.hints[n - 1]}\n"
    _, out = run(capsys, "kata", "hint", "04_training_step")
    assert out.startswith("no more hints for 04_training_step (3 shown)")


def test_solve_writes_the_reference_and_keeps_the_learners_version(dojo, capsys):
    (dojo / "02_logistic.py").write_text("# mine\n")
    _, out = run(capsys, "kata", "solve", "logistic")
    assert out.splitlines() == [
        "wrote the reference solution of 02_logistic to dojo/02_logistic.py",
        "your version is kept in dojo/02_logistic.py.bak",
    ]
    assert (dojo / "02_logistic.py").read_text() == kata.find("02").solution()
    assert (dojo / "02_logistic.py.bak").read_text() == "# mine\n"


@pytest.mark.parametrize("name", ["04", "4", "04_training_step", "training_step", "training-step"])
def test_a_kata_has_many_names(name):
    assert kata.find(name).stem == "04_training_step"


def test_an_unknown_kata_gets_one_line_with_the_valid_names():
    with pytest.raises(TfdojoError) as err:
        kata.find("dropuot", "tensorflow")  # as tfdojo kata finds it: among its files
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(
        "kata: unknown kata 'dropuot' (did you mean 'dropout'?); valid katas: "
    )
    assert "01_tensors, 02_logistic" in message and message.endswith("14_keras")
    with pytest.raises(TfdojoError, match="'conv' could be conv_layer, convnet"):
        kata.find("conv")


def test_the_numpy_katas_are_no_files_of_the_workspace(dojo, capsys):
    assert sorted(p.name for p in dojo.glob("*.py")) == [
        k.filename for k in kata.katas("tensorflow")
    ]
    assert main(["kata", "check", "np_softmax"]) == 2
    assert capsys.readouterr().err.startswith(
        "tfdojo: error: kata: 'np_softmax' is a kata of the numpy track, checked in the lesson "
        "notebooks: kata.check_here('np_softmax', globals())"
    )


def test_the_commands_need_a_workspace(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["kata", "list"]) == 2
    assert "dojo: no kata workspace here; make one with `tfdojo kata start dojo`" in (
        capsys.readouterr().err
    )


# ------------------------------------------------------------------ checks in workers


def test_check_json_and_exit_status(dojo, capsys):
    path = learner_file(dojo, kata.find("01"))
    path.write_text("print('a learner print')\n" + path.read_text())  # goes to stderr
    code, out = run(capsys, "kata", "check", "--json", "01")
    assert code == 0
    (verdict,) = json.loads(out)["katas"]  # nothing but the JSON
    assert verdict.pop("seconds") > 0
    assert verdict == {
        "name": "tensors",
        "status": "pass",
        "message": "well done: images flatten to (N, 784) rows for any N, pixels scale to "
        "[-0.5, 0.5] in float32, labels one-hot for any number of classes.",
        "case": "",
        "expected": "",
        "received": "",
        "cause": "",
        "cause_text": "",
        "concept": "",
        "error": "",
        "trace": [],
        "figures": {},
    }
    code, out = run(capsys, "kata", "check", "--json", "02")
    assert code == 1 and json.loads(out)["katas"][0]["status"] == "todo"
    code, out = run(capsys, "kata", "list", "--json")
    assert [k["status"] for k in json.loads(out)["katas"][:3]] == ["pass", "todo", "todo"]


def test_an_endless_loop_is_stopped_and_the_next_kata_still_checked(dojo, capsys):
    learner_file(
        dojo,
        kata.find("01"),
        [
            (
                "    return tf.reshape(images, [-1, 28 * 28])",
                "    print('a learner print')\n    while True:\n        pass",
            )
        ],
    )
    learner_file(dojo, kata.find("02"))
    started = time.monotonic()
    tensors, logistic = run_checks(dojo, ["tensors", "logistic"], time_limit=3)
    assert time.monotonic() - started < 60
    assert (tensors.name, tensors.status, logistic.name, logistic.status) == (
        "tensors",
        "failing",
        "logistic",
        "pass",
    )
    assert tensors.message.startswith("the check ran longer than 3 s and was stopped")
    assert main(["kata", "check", "--time-limit", "0"]) == 2
    assert capsys.readouterr().err == (
        "tfdojo: error: --time-limit: expected seconds > 0 and at most 3600, received 0\n"
    )


def test_watch_checks_each_save_and_moves_on(dojo, tmp_path):
    """End to end: start watch, save a wrong file then a right one, see both, stop it.

    The wrong file forks a child that sleeps 300 s: watch goes on at once, and the check
    ends the child with its worker."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tfdojo", "kata", "watch", "--dir", str(dojo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []

    def wait_for(text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in seen):
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, f"watch exited early: {''.join(seen)}"
            seen.append(line)

    try:
        wait_for("now: dojo/01_tensors.py")
        tensors = kata.find("01")
        wrong = learner_file(dojo, tensors, [("/ 255.0 - 0.5", "/ 255.0")])
        pidfile = tmp_path / "sleeper.pid"
        wrong.write_text(SLEEPER.format(pidfile=str(pidfile)) + wrong.read_text())
        wait_for("✗ 01_tensors (dojo/01_tensors.py): not yet")
        wait_for("cause:    the range is [0, 1]")
        assert wait_until_gone(int(pidfile.read_text()))
        learner_file(dojo, tensors)
        wait_for("✓ 01_tensors (dojo/01_tensors.py)")
        wait_for("now: dojo/02_logistic.py")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=90) == 0  # a loaded machine: the spare worker is starting
        wait_for("stopped watching", timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert workspace.statuses(dojo)[0].status == "pass"


# ------------------------------------------------------------------- the katas tutorial


def test_the_katas_tutorial_shows_real_output(dojo, capsys, monkeypatch):
    """The katas tutorial's console blocks (the practise section), run in an empty folder,
    print what they show."""
    monkeypatch.chdir(dojo.parent)
    for path in dojo.iterdir():
        path.unlink()
    dojo.rmdir()
    blocks = console_blocks({"practise": "tfdojo "})
    assert [cmd for cmd, _ in blocks] == ["tfdojo kata start", "tfdojo kata check training_step"]
    for command, expected in blocks:
        if command.endswith("training_step"):  # the mistake the tutorial describes
            learner_file(
                dojo, kata.find("04"), [("v.assign_sub(lr * g)  #", "v.assign(lr * g)  #")]
            )
        code, out = run(capsys, *command.split()[1:])
        assert out.rstrip("\n") == expected
