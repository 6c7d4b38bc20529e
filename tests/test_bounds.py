"""Every numeric setting has a range, stated in its --help, and a value outside it (NaN and
infinity included) gets one line naming the setting, the range and the value: the data
build, training, the CLI's own options and the statistics commands.

(``tfdojo play``'s port, host and query values: tests/test_play.py.)
"""

from __future__ import annotations

import math

import pytest

from tests.conftest import matplotlib_font_dir
from tfdojo.cli import main
from tfdojo.cli.main import build_parser
from tfdojo.core import bounds
from tfdojo.core.errors import TfdojoError
from tfdojo.core.typed_config import replace
from tfdojo.data.augment import Look
from tfdojo.data.build_config import BuildConfig
from tfdojo.engines.replicated import StrategyConfig
from tfdojo.training import settings
from tfdojo.training.launcher import launch
from tfdojo.training.settings import TrainConfig, make_config

MPL = matplotlib_font_dir()
BIG = "99999999999999999999999"


def refused(capsys, argv: list[str]) -> str:
    """The one line ``tfdojo ARGV`` prints on stderr, after checking it exits with 2."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("tfdojo: error: ")
    return captured.err.removeprefix("tfdojo: error: ").rstrip("\n")


def help_of(*command: str) -> str:
    """The --help text of ``tfdojo COMMAND...``, on one line."""
    parser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if getattr(a, "choices", None))
        parser = sub.choices[name]
    return " ".join(parser.format_help().split())


# -- the helpers ------------------------------------------------------------------------------


def test_the_helpers_accept_the_range_and_refuse_the_rest_in_one_line():
    assert bounds.whole("n", 3, 0, 3) == 3 and bounds.whole("n", 2.0, 0, 3) == 2
    assert bounds.number("x", 0.5, 0, 1, high_open=True) == 0.5
    assert bounds.parse_whole("count", " 48 ", 0, 48) == 48
    cases = [
        (lambda: bounds.whole("n", 4, 0, 3), "n: expected a whole number in 0..3, received 4"),
        (
            lambda: bounds.whole("n", True, 0, 3),
            "n: expected a whole number in 0..3, received True",
        ),
        (lambda: bounds.whole("n", 2.5, 0, 3), "n: expected a whole number in 0..3, received 2.5"),
        (lambda: bounds.whole("n", "2", 0, 3), "n: expected a whole number in 0..3, received '2'"),
        (
            lambda: bounds.number("x", math.nan, 0, 1),
            "x: expected a number in [0, 1], received nan",
        ),
        (
            lambda: bounds.number("x", -math.inf, 0, 1),
            "x: expected a number in [0, 1], received -inf",
        ),
        (
            lambda: bounds.number("x", 1, 0, 1, "a share", True, True),
            "x: expected a share in (0, 1), received 1",
        ),
        (
            lambda: bounds.parse_whole("count", "²", 0, 48),
            "count: expected a whole number in 0..48, received '²'",
        ),
        (
            lambda: bounds.parse_whole("count", "٣", 0, 48),  # Arabic-Indic 3: int() takes it
            "count: expected a whole number in 0..48, received '٣'",
        ),
        (
            lambda: bounds.parse_whole("count", "9" * 5000, 0, 48),
            f"count: expected a whole number in 0..48, received '{'9' * 40}...'",
        ),
    ]
    for call, message in cases:
        with pytest.raises(TfdojoError) as caught:
            call()
        assert str(caught.value) == message


# -- data build -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, message",
    [
        (
            ["--set", "rotation=nan"],
            "rotation: expected a spread in degrees in [0, 45], received nan",
        ),
        (["--set", "shear=inf"], "shear: expected a spread in [0, 1], received inf"),
        (
            ["--set", "rotation=1e308"],
            "rotation: expected a spread in degrees in [0, 45], received 1e+308",
        ),
        (["--seed", "-1"], "seed: expected a whole number in 0..9223372036854775807, received -1"),
        (
            ["--set", "render_size=4000"],
            "render_size: expected a font size in pixels in 32..256, received 4000",
        ),
        (
            ["--variants", "100000000"],
            "variants: expected a whole number in 0..100, received 100000000",
        ),
        (
            ["--set", "near_rms=nan"],
            "near_rms: expected an RMS pixel difference in [0, 255], received nan",
        ),
        (
            ["--set", "valid_fraction=nan"],
            "valid_fraction: expected a share in (0, 0.5), received nan",
        ),
        (["--set", "styles=inf"], "styles: expected a share in [0, 1], received inf"),
    ],
)
def test_data_build_refuses_a_setting_outside_its_range(tmp_path, capsys, option, message):
    out = tmp_path / "out"
    argv = ["data", "build", "--fonts", str(MPL), "--no-system-fonts", "--quiet", "--out", str(out)]
    assert refused(capsys, argv + option) == message
    assert not out.exists()  # refused before anything was made


BUILD_RANGES = [  # key, lowest, highest accepted, a value just outside each side
    ("variants", 0, 100, -1, 101),
    ("seed", 0, 2**63 - 1, -1, 2**63),
    ("valid_fraction", 1e-9, 0.4999, 0.0, 0.5),
    ("test_fraction", 1e-9, 0.4999, 0.0, 0.5),
    ("render_size", 32, 256, 31, 257),
    ("near_rms", 0.0, 255.0, -0.1, 255.1),
    ("styles", 0.0, 1.0, -0.01, 1.01),
    ("lowercase", 0.0, 1.0, -0.01, 1.01),
    ("reframe", 0.0, 1.0, -0.01, 1.01),
    ("rotation", 0.0, 45.0, -0.01, 45.01),
    ("shear", 0.0, 1.0, -0.01, 1.01),
]


@pytest.mark.parametrize("key, lo, hi, below, above", BUILD_RANGES)
def test_each_build_setting_takes_exactly_the_range_its_help_states(key, lo, hi, below, above):
    for ok in (lo, hi):
        BuildConfig(**{key: ok}).validate()
    for bad in (below, above, math.nan, math.inf):
        with pytest.raises(TfdojoError, match=f"^{key}: expected .* received "):
            BuildConfig(**{key: bad}).validate()
    text = help_of("data", "build")
    assert "augmented variants per training glyph, 0..100 (default 12)" in text
    assert "random seed, 0..9223372036854775807 (default 0)" in text
    assert (
        "the shares styles, lowercase and reframe in [0, 1]; rotation, a spread in degrees in "
        "[0, 45]; shear in [0, 1]; valid_fraction and test_fraction in (0, 0.5); render_size, "
        "font pixels in 32..256; near_rms, an RMS pixel difference in [0, 255]"
    ) in text


def test_a_look_refuses_nan_before_a_variant_is_drawn():
    for key in ("styles", "reframe", "rotation", "shear"):
        with pytest.raises(TfdojoError, match=f"^{key}: expected .* received nan$"):
            Look(**{key: math.nan})


def test_data_show_refuses_its_numbers_outside_their_range(tiny_dataset, tmp_path, capsys):
    argv = ["data", "show", "--data", str(tiny_dataset), "--out", str(tmp_path / "g.png")]
    cases = [
        (
            ["--seed", "-1"],
            "--seed: expected a whole number in 0..9223372036854775807, received -1",
        ),
        (["--per-class", "0"], "--per-class: expected a whole number in 1..50, received 0"),
        (
            ["--per-class", "100000"],
            "--per-class: expected a whole number in 1..50, received 100000",
        ),
    ]
    for option, message in cases:
        assert refused(capsys, argv + option) == message
    assert not (tmp_path / "g.png").exists()


def test_data_import_refuses_a_negative_seed_before_reading(tmp_path, capsys):
    archive = tmp_path / "notMNIST_small.tar.gz"
    archive.write_bytes(b"never read")
    argv = ["data", "import", str(archive), "--out", str(tmp_path / "ds"), "--seed", "-1"]
    assert refused(capsys, argv) == (
        "--seed: expected a whole number in 0..9223372036854775807, received -1"
    )
    assert not (tmp_path / "ds").exists()


# -- training ---------------------------------------------------------------------------------

TRAIN_RANGES = [  # key, lowest, highest accepted, values just outside
    ("seed", 0, 2**63 - 1, [-1, 2**63]),
    ("epochs", 1, 10_000, [0, 10_001]),
    ("batch_size", 1, 65_536, [0, 65_537]),
    ("eval_batch_size", 1, 65_536, [0, 65_537]),
    ("patience", 0, 10_000, [-1, 10_001]),
    ("steps_per_call", 0, 1_000, [-1, 1_001]),
    ("lr", 1e-12, 1e38, [0.0, 1e39, math.nan, math.inf]),
    ("momentum", 0.0, 0.999, [-0.1, 1.0, math.nan]),
    ("lr_decay", 1e-9, 1.0, [0.0, 1.01, math.nan]),
    ("lr_decay_epochs", 1e-9, 10_000.0, [0.0, 10_000.5, math.inf]),
    ("weight_decay", 0.0, 1.0, [-1e-9, 1.01, math.inf, math.nan]),
    ("dropout", 0.0, 0.999, [-0.1, 1.0, math.nan]),
    ("jitter", 0.0, 4.0, [-0.1, 4.01, math.nan, math.inf]),
]


@pytest.mark.parametrize("key, lo, hi, outside", TRAIN_RANGES)
def test_each_training_setting_takes_exactly_the_range_its_help_states(key, lo, hi, outside):
    base = TrainConfig()
    for ok in (lo, hi):
        assert getattr(replace(base, {key: ok}), key) == ok
    for bad in outside:
        with pytest.raises(TfdojoError) as caught:
            replace(base, {key: bad})
        assert str(caught.value).startswith(f"{key}: expected ") and str(caught.value).endswith(
            f", received {bad!r}"
        )
    text = help_of("train")
    assert (
        "each in its range: seed 0..9223372036854775807, epochs 1..10000, patience 0..10000, "
        "batch_size and eval_batch_size 1..65536, lr (0, 1e38], momentum [0, 1), lr_decay "
        "(0, 1], lr_decay_epochs (0, 10000], weight_decay [0, 1], dropout [0, 1), jitter [0, 4], "
        "steps_per_call 0..1000 (0 picks)"
    ) in text


def test_training_messages_name_the_key_the_range_and_the_value():
    cases = [
        ("epochs=100000", "epochs: expected a whole number in 1..10000, received 100000"),
        ("lr=nan", "lr: expected a number in (0, 1e+38], received nan"),
        ("weight_decay=inf", "weight_decay: expected a number in [0, 1], received inf"),
        ("batch_size=" + BIG, f"batch_size: expected a whole number in 1..65536, received {BIG}"),
    ]
    for setting, message in cases:
        with pytest.raises(TfdojoError) as caught:
            make_config("mlp", sets=[setting])
        assert str(caught.value) == message


@pytest.mark.parametrize(
    "toml, message",
    [
        (
            'model = "cnn"\n',
            'model expects a table ([model] with name = "cnn" and the architecture\'s keys '
            "below it), received 'cnn'",
        ),
        (
            "model = 5\n",
            'model expects a table ([model] with name = "cnn" and the architecture\'s keys '
            "below it), received 5",
        ),
        ("[model]\nname = 5\n", "model.name expects a string, received 5"),
    ],
)
def test_a_toml_whose_model_is_not_a_table_is_one_line(tmp_path, capsys, toml, message):
    path = tmp_path / "f.toml"
    path.write_text(toml)
    with pytest.raises(TfdojoError) as caught:
        make_config(toml_path=path)
    assert str(caught.value) == f"{path}: {message}"
    argv = ["train", "--config", str(path), "--data", str(tmp_path), "--out", str(tmp_path / "r")]
    assert refused(capsys, argv) == f"{path}: {message}"
    assert not (tmp_path / "r").exists()


def test_distributed_options_have_ranges():
    cases = [
        (
            lambda: StrategyConfig("mirrored", devices=1000),
            "--devices: expected a whole number in 0..64, received 1000",
        ),
        (
            lambda: StrategyConfig("none", timeout=math.inf),
            "--collective-timeout: expected seconds in (0, 86400], received inf",
        ),
        (
            lambda: StrategyConfig("none", timeout=math.nan),
            "--collective-timeout: expected seconds in (0, 86400], received nan",
        ),
        (
            lambda: launch(["train"], workers=1000),
            "--workers: expected a whole number in 1..64, received 1000",
        ),
        (
            lambda: launch(["train"], workers=2, grace=math.nan),
            "--grace: expected seconds in [0, 3600], received nan",
        ),
    ]
    for call, message in cases:
        with pytest.raises(TfdojoError) as caught:
            call()
        assert str(caught.value) == message
    assert settings.MAX_SEED == bounds.MAX_SEED == 2**63 - 1


# -- the CLI's own numbers --------------------------------------------------------------------


def test_threads_are_refused_outside_1_to_1024(capsys):
    for value in ("1025", BIG, "-1"):
        assert refused(capsys, ["--threads", value, "data", "info"]) == (
            f"--threads: expected a whole number in 1..1024, received {value!r}"
        )
    assert "--threads N threads/processes to compute with, 1..1024" in help_of("train")


def test_stats_test_size_refuses_numbers_outside_their_range(capsys):
    cases = [
        (["--n", BIG], f"--n: expected a test-set size in 1..10000000, received {BIG}"),
        (["--n", "0"], "--n: expected a test-set size in 1..10000000, received 0"),
        (
            ["--resolution", "1e-300"],
            "--resolution: expected an accuracy change in [0.0001, 1), received 1e-300",
        ),
        (
            ["--n", "3000", "--alpha", "1e-300"],
            "--alpha: expected a significance level in [1e-06, 0.5], received 1e-300",
        ),
    ]
    for option, message in cases:
        assert refused(capsys, ["stats", "test-size", *option]) == message
    assert main(["stats", "test-size", "--n", "10000000", "--json"]) == 0  # the top: 3 s
    assert '"n": 10000000' in capsys.readouterr().out
    text = help_of("stats", "test-size")
    assert "test-set size, 1..10000000" in text and "0.01% to 100%" in text
    assert "significance level, 0.000001 to 0.5 (default: 0.05)" in text


def test_compare_alpha_and_tensorboard_port_are_checked_first(tmp_path, capsys):
    message = "--alpha: expected a significance level in [1e-06, 0.5], received nan"
    assert refused(capsys, ["compare", str(tmp_path), str(tmp_path), "--alpha", "nan"]) == message
    assert refused(capsys, ["tensorboard", str(tmp_path), "--port", "70000"]) == (
        "--port: expected a port number in 0..65535, received 70000"
    )
