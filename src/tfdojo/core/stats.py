"""Is it really better? Intervals, the exact McNemar test, the rule of 30, power.

The workshop deck's *rule of 30*: a test set of ``n`` images only resolves changes that
move at least 30 of them. With 3,000 test images, 80% -> 81% moves 30 examples (OK),
80% -> 80.5% moves 15 and 80% -> 80.1% moves 3 (not trustworthy).

This module puts the rule beside the statistics it approximates:

- a 95% interval for one accuracy ``k / n`` (Wilson score);
- the exact McNemar test for two models scored on the *same* images: only the images
  exactly one of them gets right carry information, and under "no difference" each of
  those is equally likely to favour either model;
- power computations: how large a change a test set of ``n`` images detects with a
  given probability, or how many images a wanted resolution needs (put side by side
  by :mod:`tfdojo.core.test_plan`).

Distributions and intervals come from SciPy (``scipy.stats.binomtest`` and
``scipy.stats.binom``); nothing here is fitted or random.
"""

from __future__ import annotations

import math

import numpy as np

from tfdojo.core.bounds import number, whole
from tfdojo.core.errors import TfdojoError


def _st():
    """``scipy.stats``, imported on first use: it takes most of a second to import, and every
    ``tfdojo`` command imports this module (``data build`` never needs it)."""
    import scipy.stats  # inner: 0.7 s of import kept off the commands that compute no test

    return scipy.stats


RULE_OF_30 = 30
"""The deck's threshold: a change must move at least this many test examples."""

MAX_TEST_SIZE = 10_000_000
"""Largest test set the power computations take (``--n``): they weigh every possible change
one by one, 3 s and 250 MB at ten million images."""
MIN_RESOLUTION = 1e-4
"""Smallest accuracy change a test size is planned for (``--resolution``, 0.01%): it takes
tens of millions of test images already."""
MIN_ALPHA, MAX_ALPHA = 1e-6, 0.5
"""Significance levels taken (``--alpha``): from one in a million to 0.5. Far smaller
levels take SciPy's binomial quantiles past their limits (at 1e-300 it warned, and the
rule of 30 came out as "at most 0 disagreements")."""

# --------------------------------------------------------------------------- intervals


def check_counts(k: int, n: int) -> None:
    if int(n) != n or n < 1:
        raise TfdojoError(f"n: expected a whole number of test examples >= 1, received {n!r}")
    if int(k) != k or not 0 <= k <= n:
        raise TfdojoError(f"k: expected a whole number of successes in 0..{n}, received {k!r}")


def check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise TfdojoError(f"confidence: expected a number in (0, 1), received {confidence!r}")


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for an accuracy of ``k`` correct out of ``n``.

    With ``p = k / n`` and ``z`` the normal quantile for ``confidence`` (1.96 for 95%)::

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²)

    It stays inside [0, 1] and behaves well near 0% and 100%, unlike ``p ± z·sqrt(p(1-p)/n)``.

    Returns:
        ``(low, high)`` as fractions.

    Raises:
        TfdojoError: ``n < 1``, ``k`` outside ``0..n`` or ``confidence`` outside (0, 1).
    """
    return _interval(k, n, confidence, "wilson")


def _interval(k: int, n: int, confidence: float, method: str) -> tuple[float, float]:

    check_counts(k, n)
    check_confidence(confidence)
    ci = _st().binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method=method)
    return float(ci.low), float(ci.high)


# --------------------------------------------------------------------------- McNemar


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts.

    Of the ``D = a_only + b_only`` images exactly one model gets right, under "the models
    are equally good" the number B wins is ``Binomial(D, 1/2)``; the p-value is the
    probability of a split at least as lopsided::

        p = min(1, 2 · P(X <= min(a_only, b_only))),  X ~ Binomial(D, 1/2)

    E.g. ``a_only=0, b_only=6``: ``p = 2 · 0.5⁶ = 0.03125``. With ``D = 0`` the models never
    disagree and ``p = 1``.
    """

    for name, value in (("a_only", a_only), ("b_only", b_only)):
        if int(value) != value or value < 0:
            raise TfdojoError(f"{name}: expected a whole number >= 0, received {value!r}")
    d = int(a_only) + int(b_only)
    if d == 0:
        return 1.0
    return float(_st().binomtest(int(b_only), d, 0.5).pvalue)


# --------------------------------------------------------------------------- rule of 30


def rule_of_30(moved: int, threshold: int = RULE_OF_30) -> bool:
    """The deck's verdict: a change is trustworthy when it moves at least 30 examples."""
    return abs(moved) >= threshold


def rule_of_30_min_change(n: int, threshold: int = RULE_OF_30) -> float:
    """Smallest accuracy change a test set of ``n`` resolves by the rule: ``30 / n``."""
    check_counts(0, n)
    return threshold / n


def rule_of_30_test_size(resolution: float, threshold: int = RULE_OF_30) -> int:
    """Test-set size needed to resolve ``resolution`` by the rule: ``ceil(30 / resolution)``."""
    check_resolution(resolution)
    return math.ceil(threshold / resolution - 1e-9)


# --------------------------------------------------------------------------- power


def check_resolution(resolution: float, name: str = "resolution") -> None:
    """Refuse an accuracy change outside [0.0001, 1) (:data:`MIN_RESOLUTION`), NaN included."""
    number(name, resolution, MIN_RESOLUTION, 1, "an accuracy change", high_open=True)


def check_test_size(n: int, name: str = "n") -> None:
    """Refuse a test-set size outside 1..10000000 (:data:`MAX_TEST_SIZE`)."""
    whole(name, n, 1, MAX_TEST_SIZE, "a test-set size")


def check_alpha(alpha: float, name: str = "alpha") -> None:
    """Refuse a significance level outside [1e-06, 0.5] (:data:`MIN_ALPHA`), NaN included."""
    number(name, alpha, MIN_ALPHA, MAX_ALPHA, "a significance level")


def check_power_args(alpha: float, power: float) -> None:
    check_alpha(alpha)
    if not 0 < power < 1:
        raise TfdojoError(f"power: expected a probability in (0, 1), received {power!r}")


def _mcnemar_critical(d, alpha: float):
    """Largest ``c`` with ``2 · P(X <= c) <= alpha`` for ``X ~ Binomial(d, 1/2)`` (-1: none)."""

    d = np.asarray(d)
    c = _st().binom.ppf(alpha / 2, d, 0.5)
    c = np.where(_st().binom.cdf(c, d, 0.5) > alpha / 2, c - 1, c)
    return c


def mcnemar_power(n, change, disagree: float, alpha: float = 0.05):
    """Probability that the exact McNemar test at level ``alpha`` detects ``change``.

    Two models are scored on ``n`` images and disagree on a fraction ``disagree`` of them
    (``D = round(disagree · n)`` discordant images). A true accuracy change ``δ`` means B
    wins ``(D + δn) / 2`` of them, i.e. each discordant image favours B with probability
    ``q = (disagree + δ) / (2 · disagree)``. With ``c`` the test's critical count::

        power = P(X <= c) + P(X >= D - c),   X ~ Binomial(D, q)

    ``n`` and ``change`` may be NumPy arrays (broadcast together).
    """

    n = np.asarray(n, dtype=float)
    change = np.asarray(change, dtype=float)
    d = np.maximum(np.round(disagree * n), 1)
    q = np.clip((disagree + change) / (2 * disagree), 0, 1)
    c = _mcnemar_critical(d, alpha)
    return _st().binom.cdf(c, d, q) + _st().binom.sf(d - c - 1, d, q)


def binomial_power(n, change, baseline: float, alpha: float = 0.05):
    """Probability that an exact binomial test tells ``baseline + change`` from ``baseline``.

    One model scored on ``n`` images against an accuracy known without error (``p0``):
    reject ``p = p0`` when the count of correct images ``X`` falls in a tail of
    ``Binomial(n, p0)`` of probability at most ``alpha/2``; the power is the probability of
    those tails under ``Binomial(n, p0 + δ)``.
    """

    n = np.asarray(n, dtype=float)
    p1 = np.clip(baseline + np.asarray(change, dtype=float), 0, 1)
    hi = _st().binom.isf(alpha / 2, n, baseline) + 1  # smallest k with P(X >= k) <= alpha/2
    lo = _st().binom.ppf(alpha / 2, n, baseline)
    lo = np.where(_st().binom.cdf(lo, n, baseline) > alpha / 2, lo - 1, lo)
    return _st().binom.sf(hi - 1, n, p1) + _st().binom.cdf(lo, n, p1)


def _smallest_change(power_of_moved, n: int, max_moved: int, target: float) -> int | None:
    """Smallest number of moved examples ``m`` in 1..max_moved whose power reaches target."""

    moved = np.arange(1, max_moved + 1)
    ok = np.nonzero(power_of_moved(moved / n) >= target)[0]
    return int(moved[ok[0]]) if len(ok) else None


def _smallest_size(power_of_n, n_guess: float, target: float) -> int:
    """Smallest ``n`` from which on (within a generous window) the power stays >= target.

    Exact power is saw-toothed in ``n`` (counts are whole numbers), so "the first ``n``
    that reaches the target" can be followed by smaller ``n`` that miss it; we report the
    ``n`` after which it never drops below the target again.
    """

    lo = max(2, int(n_guess * 0.5))
    hi = int(n_guess * 2) + 200
    step = max(1, (hi - lo) // 200_000)
    ns = np.arange(lo, hi + 1, step)
    below = np.nonzero(power_of_n(ns) < target)[0]
    if len(below) == 0:
        return int(ns[0])
    if below[-1] + 1 >= len(ns):
        return _smallest_size(power_of_n, n_guess * 4, target)
    return int(ns[below[-1] + 1])


def _z(alpha: float, power: float) -> float:

    return float(_st().norm.isf(alpha / 2) + _st().norm.ppf(power))


def mcnemar_min_change(
    n: int, disagree: float, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Smallest number of moved examples the exact McNemar test detects with ``power``.

    ``None`` if no change up to ``disagree · n`` examples (every disagreement in B's favour)
    reaches the power.
    """
    check_test_size(n)
    check_power_args(alpha, power)
    check_disagree(disagree)
    max_moved = max(1, round(disagree * n))
    return _smallest_change(lambda c: mcnemar_power(n, c, disagree, alpha), n, max_moved, power)


def binomial_min_change(
    n: int, baseline: float, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Smallest number of gained examples a binomial test against ``baseline`` detects."""
    check_test_size(n)
    check_power_args(alpha, power)
    check_baseline(baseline)
    max_moved = int((1 - baseline) * n)
    return _smallest_change(lambda c: binomial_power(n, c, baseline, alpha), n, max_moved, power)


def mcnemar_test_size(
    resolution: float, disagree: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Test-set size at which the exact McNemar test detects ``resolution`` with ``power``.

    Starts from the normal approximation ``δn >= (z_{α/2} + z_β) · sqrt(disagree · n)``,
    i.e. ``n ≈ (z_{α/2} + z_β)² · disagree / δ²``, then searches the exact power.
    """
    check_resolution(resolution)
    check_power_args(alpha, power)
    check_disagree(disagree)
    if disagree < resolution:
        raise TfdojoError(
            f"--disagree: the models must disagree on at least the change they make; "
            f"expected >= {resolution:g}, received {disagree:g}"
        )
    guess = _z(alpha, power) ** 2 * disagree / resolution**2
    return _smallest_size(lambda ns: mcnemar_power(ns, resolution, disagree, alpha), guess, power)


def binomial_test_size(
    resolution: float, baseline: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Test-set size at which a binomial test tells ``baseline + resolution`` from ``baseline``.

    Starts from ``n ≈ ((z_{α/2}·sqrt(p0(1-p0)) + z_β·sqrt(p1(1-p1))) / δ)²``.
    """

    check_resolution(resolution)
    check_power_args(alpha, power)
    check_baseline(baseline)
    p1 = baseline + resolution
    if p1 >= 1:
        raise TfdojoError(
            f"--resolution: {baseline:.1%} + {resolution:.2%} leaves no room below 100%; "
            "lower --baseline or --resolution"
        )
    za, zb = _st().norm.isf(alpha / 2), _st().norm.ppf(power)
    sd0, sd1 = math.sqrt(baseline * (1 - baseline)), math.sqrt(p1 * (1 - p1))
    guess = ((za * sd0 + zb * sd1) / resolution) ** 2
    return _smallest_size(lambda ns: binomial_power(ns, resolution, baseline, alpha), guess, power)


def mcnemar_max_discordant(moved: int, alpha: float = 0.05, power: float = 0.8) -> int:
    """Most discordant images at which moving ``moved`` examples is still detected with ``power``.

    Turns the rule of 30 into McNemar's terms: moving 30 examples is a trustworthy
    change when the two models disagree on at most this many images.
    """

    d = np.arange(moved, 40 * moved * moved + 2 * moved)
    q = (d + moved) / (2 * d)
    c = _mcnemar_critical(d, alpha)
    pw = _st().binom.cdf(c, d, q) + _st().binom.sf(d - c - 1, d, q)
    ok = np.nonzero(pw >= power)[0]
    return int(d[ok[-1]]) if len(ok) else 0


def check_disagree(disagree: float) -> None:
    if not 0 < disagree <= 1:
        raise TfdojoError(
            f"--disagree: expected the fraction of images the two models disagree on, "
            f"in (0, 1], received {disagree!r}"
        )


def check_baseline(baseline: float) -> None:
    if not 0 < baseline < 1:
        raise TfdojoError(f"--baseline: expected an accuracy in (0, 1), received {baseline!r}")
