"""The CLI skeleton, threads, typed config with layered overrides, atomic writes."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfdojo.cli.main import COMMANDS, build_parser, main
from tfdojo.core import atomic
from tfdojo.core import typed_config as config
from tfdojo.core.errors import TfdojoError
from tfdojo.core.threads import parse_threads


def _subcommands(parser):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            yield from action.choices.items()


def test_help_lists_every_command_and_each_shows_an_example(capsys):
    parser = build_parser()
    commands = dict(_subcommands(parser))
    names = [c.NAME for c in COMMANDS]
    assert names == list(commands)  # the static tuple is the parser's order
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    for name in names:
        assert name in top
    pending = list(commands.items())
    while pending:
        name, sub = pending.pop()
        assert "Example:" in (sub.epilog or ""), f"`tfdojo {name} --help` shows no example"
        pending += [(f"{name} {n}", p) for n, p in _subcommands(sub)]


def test_every_command_module_is_in_the_static_tuple():
    """A command module under cli/commands is either in COMMANDS or a group of one of them."""
    import pkgutil

    from tfdojo.cli import commands

    found = {m.name for m in pkgutil.iter_modules(commands.__path__)}
    # actions of `tfdojo data`, `dojo` and `kata`
    groups = {"data_fonts", "data_real", "dojo_learner", "kata_practice"}
    assert found - groups == {c.__name__.rpartition(".")[2] for c in COMMANDS}
    tensorflow = {c.NAME for c in COMMANDS if c.NEEDS_TENSORFLOW}
    assert {"train", "evaluate", "predict", "play", "report"} <= tensorflow
    assert not {"kata", "doctor", "data", "params", "stats", "dojo"} & tensorflow


@pytest.mark.parametrize(
    "argv", [["--help"], ["train", "--help"], ["kata", "list"], ["stats", "test-size"]]
)
def test_fast_commands_do_not_import_tensorflow(argv, tmp_path):
    """Help, the kata list and the statistics answer at once: TensorFlow is not imported."""
    code = (
        "import sys\n"
        "from tfdojo.cli.main import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "False"


@given(st.integers(min_value=1, max_value=512))
def test_parse_threads_accepts_whole_numbers(n):
    assert parse_threads(str(n)) == n
    assert parse_threads(n) == n


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5", " 3x", "1025", "99999999999999999999999"])
def test_parse_threads_rejects_with_the_value_echoed(bad):
    with pytest.raises(TfdojoError) as caught:
        parse_threads(bad)
    assert str(caught.value) == f"--threads: expected a whole number in 1..1024, received {bad!r}"


def test_threads_env_default(monkeypatch):
    monkeypatch.setenv("TFDOJO_THREADS", "3")
    assert parse_threads(None) == 3
    monkeypatch.setenv("TFDOJO_THREADS", "zero")
    with pytest.raises(TfdojoError, match="TFDOJO_THREADS"):
        parse_threads(None)
    monkeypatch.delenv("TFDOJO_THREADS")
    assert parse_threads(None) == os.cpu_count()


def test_threads_reach_tensorflow_and_blas():
    """``--threads 1`` sizes TensorFlow's pools and the BLAS pools (in a fresh process)."""
    code = (
        "import os, json\n"
        "from tfdojo.core.threads import set_threads\n"
        "from tfdojo.core.tf_setup import configure_tensorflow\n"
        "set_threads(1)\n"
        "tf = configure_tensorflow()\n"
        "print(json.dumps([tf.config.threading.get_intra_op_parallelism_threads(),\n"
        "  tf.config.threading.get_inter_op_parallelism_threads(),\n"
        "  os.environ['OMP_NUM_THREADS'], os.environ['OPENBLAS_NUM_THREADS']]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [1, 1, "1", "1"]


def test_bad_global_option_is_one_line(capsys):
    assert main(["--threads", "0", "data", "info"]) == 2
    err = capsys.readouterr().err
    assert err == "tfdojo: error: --threads: expected a whole number in 1..1024, received '0'\n"


# -- config ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Opt:
    name: Literal["sgd", "adam"] = "sgd"
    lr: float = 0.1

    def validate(self) -> None:
        if self.lr <= 0:
            raise TfdojoError(f"lr: expected a number > 0, received {self.lr}")


@dataclasses.dataclass(frozen=True)
class Cfg:
    epochs: int = 3
    hidden: tuple[int, ...] = (1024,)
    shuffle: bool = True
    note: str | None = None
    opt: Opt = Opt()


def test_layered_config_defaults_file_then_sets(tmp_path):
    toml = tmp_path / "exp.toml"
    toml.write_text('epochs = 5\nhidden = [512, 256]\n[opt]\nname = "adam"\nlr = 0.01\n')
    cfg = config.layered(Cfg(), toml, ["opt.lr=0.5", "shuffle=false", "note=none"])
    assert cfg == Cfg(epochs=5, hidden=(512, 256), shuffle=False, note=None, opt=Opt("adam", 0.5))
    assert config.to_dict(cfg)["hidden"] == [512, 256]
    assert config.layered(Cfg(), sets=["hidden=64,32"]).hidden == (64, 32)


@pytest.mark.parametrize(
    "sets, message",
    [
        (["epoch=3"], "unknown config key 'epoch' (did you mean 'epochs'?); valid keys: epochs"),
        (["epochs=three"], "epochs expects a whole number, received 'three'"),
        (["opt.name=rmsprop"], "opt.name expects one of 'sgd', 'adam', received 'rmsprop'"),
        (["opt.lr=-1"], "lr: expected a number > 0, received -1.0"),
        (["opt=1"], "opt is a section"),
        (["epochs"], "--set: expected key=value, received 'epochs'"),
    ],
)
def test_config_errors_name_the_key_and_echo_the_value(sets, message):
    with pytest.raises(TfdojoError) as info:
        config.layered(Cfg(), sets=sets)
    assert message in str(info.value)


def test_config_file_errors(tmp_path):
    with pytest.raises(TfdojoError, match="does not exist"):
        config.layered(Cfg(), tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("epochs = = 3")
    with pytest.raises(TfdojoError, match="not valid TOML"):
        config.layered(Cfg(), bad)


@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z_.]{0,8}", fullmatch=True),
        st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=10),
        max_size=5,
    )
)
def test_parse_sets_round_trips(pairs):
    sets = [f"{k}={v}" for k, v in pairs.items()]
    assert config.parse_sets(sets) == {k: v.strip() for k, v in pairs.items()}


# -- atomic writes -----------------------------------------------------------------------------


def test_atomic_write_failure_leaves_old_file(tmp_path):
    target = tmp_path / "out.json"
    atomic.write_json(target, {"a": 1})
    with pytest.raises(RuntimeError), atomic.atomic_open(target, "w") as f:
        f.write("partial")
        raise RuntimeError("interrupted")
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
