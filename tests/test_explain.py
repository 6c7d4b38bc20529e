"""``tfdojo explain``: the deck's numbers, recomputed here independently (math, not NumPy)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.scratch.gradcheck import numerical_gradient
from tfdojo.teaching import explain


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def softmax(scores):
    exps = [math.exp(s) for s in scores]
    return [e / sum(exps) for e in exps]


# ----------------------------------------------------------------------------- softmax
def test_softmax_table_rows_are_exp_and_probability(capsys):
    code, out, _ = run(capsys, "explain", "softmax", "-1", "1", "2")
    assert code == 0
    rows = re.findall(r"^\s+(-?\d+)\s+([\d.]+)\s+([\d.]+)$", out, re.M)
    assert [float(r[0]) for r in rows] == [-1, 1, 2]
    for (score, e, p), expected in zip(rows, softmax([-1, 1, 2])):
        assert e == f"{math.exp(float(score)):.2f}"
        assert p == f"{expected:.2f}"
    assert [r[2] for r in rows] == ["0.04", "0.26", "0.71"]  # rounded, not the deck's 0.03/0.70


def test_softmax_shows_the_properties_the_truncation_and_scaling(capsys):
    _, out, _ = run(capsys, "explain", "softmax")  # no scores: the deck's
    assert "[ok] each between 0 and 1" in out
    assert "[ok] sum = 1.000000000000" in out
    assert "0,03 0,26 0,70: it cut the digits off" in out
    assert "0.37 2.72 7.39 and 0.04 0.26 0.71" in out
    ten = re.search(r"×10 .*: ([\d., ]+?)  <-", out).group(1).split(", ")
    tenth = re.search(r"×0.1 .*: ([\d., ]+?)  <-", out).group(1).split(", ")
    assert ten == [f"{p:.2f}" for p in softmax([-10, 10, 20])] == ["0.00", "0.00", "1.00"]
    assert tenth == [f"{p:.2f}" for p in softmax([-0.1, 0.1, 0.2])]


def test_softmax_of_other_scores_has_no_deck_note_and_is_stable(capsys):
    code, out, _ = run(capsys, "explain", "softmax", "1000", "0", "--decimals", "3")
    assert code == 0
    assert "deck" not in out
    assert "overflow" in out  # exp(1000) itself does not fit a float...
    assert re.search(r"^\s+1000\s+overflow\s+1\.000$", out, re.M)  # ...the probability does
    assert "[ok] sum = 1.000000000000" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["5"], "scores: expected at least 2 scores, received 1"),
        (["nan", "1"], "scores: expected finite numbers, received [nan, 1.0]"),
        (["1", "2", "--decimals", "11"], "--decimals: expected 0..10, received 11"),
    ],
)
def test_softmax_bad_input(capsys, argv, message):
    code, out, err = run(capsys, "explain", "softmax", *argv)
    assert code == 2 and out == ""
    assert err.strip() == f"tfdojo: error: {message}"


# ----------------------------------------------------------------------------- cross-entropy
@pytest.mark.parametrize("right", [0, 1, 2])
def test_cross_entropy_is_minus_log_of_the_right_probability(capsys, right):
    code, out, _ = run(capsys, "explain", "cross-entropy", "-1", "1", "2", "--right", str(right))
    assert code == 0
    expected = -math.log(softmax([-1, 1, 2])[right])
    shown = re.search(r"D\(S, L\) = -log\(S_\d\) = -log\([\d.]+\) = ([\d.]+)", out)
    assert float(shown.group(1)) == pytest.approx(expected, abs=5e-5)
    sigma = re.search(r"^\s+Σ\s+([\d.]+)$", out, re.M)  # the Σ row equals the one term
    assert sigma.group(1) == shown.group(1)


def test_cross_entropy_default_is_the_deck_example(capsys):
    _, out, _ = run(capsys, "explain", "cross-entropy")
    assert "right class: 2" in out
    assert "= -log(0.7054) = 0.3490" in out
    assert "Had the right class been 0 (S_0 = 0.0351), D would be 3.3490" in out


def test_cross_entropy_refuses_a_class_out_of_range(capsys):
    code, _, err = run(capsys, "explain", "cross-entropy", "1", "2", "--right", "2")
    assert code == 2
    assert "--right: expected a class index 0..1, received 2" in err


# ----------------------------------------------------------------------------- backprop
def test_backprop_by_hand_matches_finite_differences():
    v = explain.backprop_by_hand()
    net = {k: np.array(x, dtype=np.float64) for k, x in explain.BACKPROP_NET.items()}
    for name in ("W1", "b1", "W2", "b2"):

        def loss() -> float:
            return float(explain.backprop_by_hand(net)["loss"])

        num = numerical_gradient(loss, net[name])
        np.testing.assert_allclose(v[f"d{name}"], num, atol=1e-8)
    assert v["h"][0, 2] == 0 and np.all(v["dW1"][:, 2] == 0)  # the ReLU cut unit 2 off


def test_backprop_by_hand_matches_gradient_tape():
    mine, tf_grads = explain.backprop_by_hand(), explain.backprop_with_tensorflow()
    assert float(mine["loss"]) == pytest.approx(float(tf_grads["loss"]), abs=1e-12)
    for name in ("dW1", "db1", "dW2", "db2"):
        np.testing.assert_allclose(mine[name], tf_grads[name], atol=1e-12)


def test_backprop_command_shows_forward_chain_rule_and_tape(capsys):
    code, out, _ = run(capsys, "explain", "backprop")
    assert code == 0
    for text in ("z1 = x W1 + b1", "dL/dz2 = S - onehot(y)", "dL/dz1 = dL/dh · [z1 > 0]"):
        assert text in out
    rows = re.findall(r"^\s+(d[Wb][12])\s+\[[\d,]+\]\s+(\S+)\s+(\S+)\s+(\S+)$", out, re.M)
    assert len(rows) == 6 + 3 + 6 + 2  # every entry of W1, b1, W2, b2
    assert all(abs(float(a) - float(b)) < 1e-6 for _, a, b, _ in rows)
    worst = float(re.search(r"max difference over loss and gradients: (\S+) ", out).group(1))
    assert worst < 1e-12


def test_backprop_without_tensorflow(capsys):
    _, out, _ = run(capsys, "explain", "backprop", "--no-tensorflow")
    assert "dL/dW1" in out and "GradientTape" not in out


def test_explain_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["explain", "softmax", "--help"])
    assert "Example:\n  tfdojo explain softmax -1 1 2" in capsys.readouterr().out


def test_library_errors_are_tfdojo_errors():
    with pytest.raises(TfdojoError):
        explain.explain_cross_entropy([1.0, 2.0], right=-1)
