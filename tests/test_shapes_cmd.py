"""``tfdojo shapes``: the deck's table, the formulas against window counting, bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfdojo.cli import main
from tfdojo.scratch import layers as L
from tfdojo.teaching import deck


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def windows(n: int, k: int, s: int, padding: str) -> int:
    """Oracle by counting: window starts 0, s, 2s, ... that the rule allows."""
    if padding == "SAME":  # every start inside the input (the padding covers the overhang)
        return len(range(0, n, s))
    return len([i for i in range(0, n, s) if i + k <= n])  # the window stays inside


# ----------------------------------------------------------------------------- the deck
def test_the_decks_example(capsys):
    code, out, _ = run(
        capsys, "shapes", "--input", "28x28x3", "--patch", "3", "--depth", "8", "--stride", "1",
        "--padding", "SAME",
    )  # fmt: skip
    assert code == 0
    assert "height: ceil(28 / 1) = 28" in out
    assert "output: 28x28x8" in out
    assert "parameters: 3x3x3x8 weights + 8 biases = 224" in out


def test_the_decks_table(capsys):
    code, out, _ = run(capsys, "shapes", "--table")
    assert code == 0
    rows = re.findall(r"^\s+'(\w+)'\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", out, re.M)
    assert [r[:5] for r in rows] == [
        ("SAME", "1", "28", "28", "8"),
        ("VALID", "1", "26", "26", "8"),
        ("VALID", "2", "13", "13", "8"),
    ]
    assert {r[5] for r in rows} == {str(3 * 3 * 3 * 8 + 8)}


def test_valid_formula_is_shown(capsys):
    _, out, _ = run(capsys, "shapes", "--input", "28x28x3", "--padding", "valid", "--stride", "2")
    assert "height: ceil((28 - 3 + 1) / 2) = 13" in out
    assert "output: 13x13x8" in out


# ----------------------------------------------------------------------------- arithmetic
@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 200),
    k=st.integers(1, 12),
    s=st.integers(1, 6),
    padding=st.sampled_from(["SAME", "VALID"]),
    c=st.integers(1, 8),
    d=st.integers(1, 64),
)
def test_output_size_and_params_match_window_counting(n, k, s, padding, c, d):
    if padding == "VALID" and k > n:
        with pytest.raises(ValueError, match=rf"^patch: .*patch <= {n}\), received {k}"):
            deck.conv_shape((n, n, c), k, d, s, padding)
        return
    r = deck.conv_shape((n, n, c), k, d, s, padding)
    assert r["output"] == (windows(n, k, s, padding), windows(n, k, s, padding), d)
    assert r["params"] == k * k * c * d + d


@settings(max_examples=60, deadline=None)
@given(
    h=st.integers(1, 11),
    w=st.integers(1, 11),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    padding=st.sampled_from(["SAME", "VALID"]),
)
def test_the_engine_produces_the_calculated_shapes(h, w, k, s, padding):
    if padding == "VALID" and k > min(h, w):
        return
    x = np.zeros((1, h, w, 2))
    out, _ = L.conv2d_forward(x, {"W": np.zeros((k, k, 2, 3)), "b": np.zeros(3)}, s, padding)
    expected = deck.conv_shape((h, w, 2), k, 3, s, padding)["output"]
    assert out.shape[1:] == expected


@given(
    dims=st.lists(st.integers(1, 10**6), min_size=2, max_size=3),
    sep=st.sampled_from(["x", "X", "×", ","]),
    pad=st.sampled_from(["", " "]),
)
def test_input_parser_reads_every_well_formed_shape(dims, sep, pad):
    text = pad + sep.join(str(d) for d in dims) + pad
    assert deck.parse_input_shape(text) == tuple(dims + [1] * (3 - len(dims)))


@given(st.text(max_size=12))
def test_input_parser_refuses_anything_else_naming_it(text):
    parts = re.split(r"[xX×,]", text.strip())
    well_formed = len(parts) in (2, 3) and all(
        re.fullmatch(r"\s*[0-9]+\s*", p) and int(p) >= 1 for p in parts
    )
    if well_formed:
        return
    with pytest.raises(ValueError) as info:
        deck.parse_input_shape(text)
    assert str(info.value).startswith("input: expected HEIGHTxWIDTH")
    assert str(info.value).endswith(f"received {text!r}")


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--input", "5x5", "--patch", "7", "--padding", "VALID"],
            "--patch: with 'VALID' padding the patch must fit in the input (patch <= 5), "
            "received 7",
        ),
        (["--stride", "0"], "--stride: expected a whole number in 1..1024, received 0"),
        (["--patch", "0"], "--patch: expected a whole number in 1..1024, received 0"),
        (["--depth", "-1"], "--depth: expected a whole number in 1..65536, received -1"),
        (
            ["--patch", "99999999999"],
            "--patch: expected a whole number in 1..1024, received 99999999999",
        ),
        (
            ["--depth", "99999999999999999999"],
            "--depth: expected a whole number in 1..65536, received 99999999999999999999",
        ),
        (
            ["--input", "999999x28x3"],
            "--input: expected a side of whole pixels in 1..65536, received 999999",
        ),
        (["--padding", "full"], "--padding: expected one of SAME, VALID, received 'full'"),
        (
            ["--input", "28x0x3"],
            "--input: expected HEIGHTxWIDTH or HEIGHTxWIDTHxDEPTH, whole numbers >= 1 "
            "(e.g. 28x28x3), received '28x0x3'",
        ),
        (["--set", "hidden=8"], "--set: only used with --model, received 'hidden=8'"),
    ],
)
def test_bad_shapes_name_the_value_and_the_rule(capsys, argv, message):
    code, out, err = run(capsys, "shapes", *argv)
    assert code == 2 and out == ""
    assert err == f"tfdojo: error: {message}\n"


# ----------------------------------------------------------------------------- models
def test_model_layers_come_from_the_shared_calculator(capsys):
    from tfdojo import models
    from tfdojo.models.shapes import count_params, format_table

    code, out, _ = run(capsys, "shapes", "--model", "cnn_course")
    assert code == 0
    assert out.strip().endswith(format_table(models.get("cnn_course").model))
    assert run(capsys, "params", "--model", "cnn_course") == (0, out, "")  # one code path
    assert re.search(r"conv1 .*\(14, 14, 16\)", out) and re.search(r"conv2 .*\(7, 7, 16\)", out)
    assert out.split()[-1] == f"{count_params(models.get('cnn_course').model):,}" == "57,722"


def test_model_with_overrides(capsys):
    _, out, _ = run(capsys, "shapes", "--model", "mlp", "--set", "model.hidden=512,256")
    assert "dense2  dense 512 -> 256, ReLU" in out
    assert out.split()[-1] == f"{784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10:,}"


def test_unknown_model_lists_the_valid_ones(capsys):
    code, _, err = run(capsys, "shapes", "--model", "resnet")
    assert code == 2 and "valid models: logistic, mlp" in err


def test_model_override_that_gives_no_shape_is_refused(capsys):
    code, _, err = run(
        capsys, "shapes", "--model", "cnn_course", "--set", "conv_padding=VALID",
        "--set", "conv_patches=9", "--set", "conv_strides=4",
    )  # fmt: skip
    assert code == 2
    assert err == (
        "tfdojo: error: model: conv2: patch: with 'VALID' padding the patch must fit in the "
        "input (patch <= 5), received 9\n"
    )
