"""Known-answer tests for tfdojo.core.stats and `tfdojo stats test-size`."""

from __future__ import annotations

import json

import pytest

from tfdojo.cli import main
from tfdojo.core import stats, test_plan
from tfdojo.core.errors import TfdojoError

# Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
# comparison of seven methods. Statistics in Medicine 17, 857-872, Table II:
# method 3 (Wilson score, no continuity correction).
NEWCOMBE = [
    # k, n, (wilson low, high)
    (81, 263, (0.2553, 0.3662)),
    (15, 148, (0.0624, 0.1605)),
    (0, 20, (0.0000, 0.1611)),
    (1, 29, (0.0061, 0.1718)),
]


@pytest.mark.parametrize("k, n, wilson", NEWCOMBE)
def test_intervals_match_newcombe_1998(k, n, wilson):
    assert stats.wilson_interval(k, n) == pytest.approx(wilson, abs=5e-5)


def test_wilson_by_hand_formula():
    # (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), z = 1.959964
    k, n, z = 2400, 3000, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    assert stats.wilson_interval(k, n) == pytest.approx((centre - half, centre + half), abs=1e-9)


@pytest.mark.parametrize(
    "a_only, b_only, p",
    [
        (0, 6, 2 * 0.5**6),  # hand-worked: 0.03125
        (6, 0, 2 * 0.5**6),  # symmetric
        (0, 5, 2 * 0.5**5),  # 0.0625: five wins in a row are not enough at 5%
        (1, 7, 2 * (1 + 8) / 2**8),  # 2·P(X<=1 | 8, 1/2) = 18/256
        (3, 3, 1.0),
        (0, 0, 1.0),
    ],
)
def test_mcnemar_exact_hand_worked(a_only, b_only, p):
    assert stats.mcnemar_exact(a_only, b_only) == pytest.approx(p, rel=1e-12)


def test_mcnemar_exact_published_example():
    # Armitage & Berry (1994), Statistical Methods in Medical Research, p. 127: two media
    # for culturing M. tuberculosis on 50 specimens, discordant counts 12 and 2; exact
    # two-sided P = 0.0129 (as reported by StatsDirect's McNemar/Liddell exact test).
    assert stats.mcnemar_exact(2, 12) == pytest.approx(0.0129, abs=5e-5)
    assert stats.mcnemar_exact(2, 12) == pytest.approx(2 * (1 + 14 + 91) / 2**14, rel=1e-12)


@pytest.mark.parametrize(
    "acc_b, moved, ok",
    [(0.81, 30, True), (0.805, 15, False), (0.801, 3, False)],
)
def test_the_decks_three_cases(acc_b, moved, ok):
    """The deck: 3,000 test examples, A at 80%; B at 81% moves 30 (OK), 80.5% moves 15 (KO),
    80.1% moves 3 (KO)."""
    from tfdojo.results.compare import Comparison

    b_correct = round(acc_b * 3000)
    c = Comparison(3000, 2400, b_correct, 0, b_correct - 2400)
    assert c.moved == moved
    assert c.rule_of_30 is ok and stats.rule_of_30(moved) is ok


def test_rule_of_30_sizes():
    assert stats.rule_of_30_min_change(3000) == pytest.approx(0.01)
    assert stats.rule_of_30_test_size(0.01) == 3000
    assert stats.rule_of_30_test_size(0.005) == 6000
    assert stats.rule_of_30_test_size(0.001) == 30000


def test_mcnemar_power_is_alpha_bounded_and_grows():
    # No change: the exact test rejects at most alpha of the time.
    assert stats.mcnemar_power(3000, 0.0, 0.05) <= 0.05
    powers = [float(stats.mcnemar_power(3000, m / 3000, 0.05)) for m in (10, 30, 60)]
    assert powers == sorted(powers)
    # Every disagreement in B's favour: D = 150 wins out of 150 is detected for sure.
    assert stats.mcnemar_power(3000, 0.05, 0.05) == pytest.approx(1.0)


def test_mcnemar_min_change_against_normal_approximation():
    # n·δ ≈ (z_{α/2} + z_β)·sqrt(D) = 2.8016·sqrt(150) ≈ 34.3 for D = 5% of 3,000.
    m = stats.mcnemar_min_change(3000, disagree=0.05)
    assert 30 <= m <= 40
    assert stats.mcnemar_power(3000, m / 3000, 0.05) >= 0.8
    assert stats.mcnemar_power(3000, (m - 1) / 3000, 0.05) < 0.8


def test_binomial_min_change_against_normal_approximation():
    # δ ≈ (1.96·sqrt(.8·.2) + 0.8416·sqrt(.82·.18)) / sqrt(3000) ≈ 2.05%: ~61 examples.
    m = stats.binomial_min_change(3000, baseline=0.80)
    assert 55 <= m <= 68
    assert stats.binomial_power(3000, m / 3000, 0.80) >= 0.8


def test_test_size_power_reached_and_stays():
    n = stats.mcnemar_test_size(0.01, disagree=0.05)
    # normal approximation: 2.8016² · 0.05 / 0.01² ≈ 3,924
    assert 3500 <= n <= 4500
    assert all(stats.mcnemar_power(k, 0.01, 0.05) >= 0.8 for k in (n, n + 1, n + 50))


def test_plan_given_n_has_the_deck_row():
    plan = test_plan.plan_test_size(n=3000)
    rows = {r.method: r for r in plan.rows}
    assert rows["rule of 30"].examples == 30
    assert rows["rule of 30"].change == pytest.approx(0.01)
    assert set(rows) == {"rule of 30", "McNemar (paired)", "binomial vs fixed"}
    assert 80 <= plan.rule_equivalent_discordant <= 150


def test_plan_refuses_bad_input():
    with pytest.raises(TfdojoError, match="exactly one"):
        test_plan.plan_test_size()
    with pytest.raises(TfdojoError, match="exactly one"):
        test_plan.plan_test_size(n=3000, resolution=0.01)
    with pytest.raises(TfdojoError, match="disagree"):
        test_plan.plan_test_size(resolution=0.1, disagree=0.05)
    with pytest.raises(TfdojoError, match="n: expected"):
        stats.wilson_interval(0, 0)
    with pytest.raises(TfdojoError, match="k: expected"):
        stats.wilson_interval(5, 3)


@pytest.mark.parametrize(
    "text, value", [("0.5%", 0.005), ("0.005", 0.005), (" 1% ", 0.01), ("80%", 0.8)]
)
def test_parse_fraction(text, value):
    assert test_plan.parse_fraction(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "0", "150%", "-1%"])
def test_parse_fraction_refuses(text):
    with pytest.raises(TfdojoError, match="--resolution"):
        test_plan.parse_fraction(text)


def test_cli_test_size_n(capsys):
    assert main(["stats", "test-size", "--n", "3000"]) == 0
    out = capsys.readouterr().out
    assert "Test set of 3,000 images" in out
    assert "rule of 30" in out and "30" in out and "1.00%" in out
    assert "McNemar (paired)" in out and "binomial vs fixed" in out


def test_cli_test_size_resolution_json(capsys):
    assert main(["stats", "test-size", "--resolution", "0.5%", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    rows = {r["method"]: r for r in plan["rows"]}
    assert rows["rule of 30"]["test_size"] == 6000
    assert rows["McNemar (paired)"]["test_size"] > 6000  # at 5% disagreement


def test_cli_test_size_error_is_one_line(capsys):
    assert main(["stats", "test-size", "--resolution", "lots"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tfdojo: error: --resolution") and err.count("\n") == 1
