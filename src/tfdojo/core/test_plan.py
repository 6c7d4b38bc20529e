"""How many test images? The rule of 30 beside McNemar and binomial power, side by side.

``tfdojo stats test-size`` prints :func:`plan_test_size`'s table: for a test-set size, the
smallest change each method trusts; for a wanted resolution, the test size each needs.
"""

from __future__ import annotations

import dataclasses
import textwrap

from tfdojo.core.errors import TfdojoError
from tfdojo.core.stats import (
    RULE_OF_30,
    binomial_min_change,
    binomial_test_size,
    check_alpha,
    check_baseline,
    check_disagree,
    check_power_args,
    check_resolution,
    check_test_size,
    mcnemar_max_discordant,
    mcnemar_min_change,
    mcnemar_test_size,
    rule_of_30_test_size,
)


@dataclasses.dataclass(frozen=True)
class PlanRow:
    """One method's answer: for a test size, the smallest change; for a change, the size."""

    method: str
    test_size: int
    examples: int | None  # examples moved by the smallest trustworthy change
    change: float | None  # the same as an accuracy fraction


@dataclasses.dataclass(frozen=True)
class TestSizePlan:
    """The side-by-side answers of :func:`plan_test_size` and the assumptions behind them."""

    question: str  # "change" (given n) or "size" (given a resolution)
    n: int | None
    resolution: float | None
    baseline: float
    disagree: float
    alpha: float
    power: float
    rows: tuple[PlanRow, ...]
    rule_equivalent_discordant: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def plan_test_size(
    n: int | None = None,
    resolution: float | None = None,
    baseline: float = 0.80,
    disagree: float = 0.05,
    alpha: float = 0.05,
    power: float = 0.80,
) -> TestSizePlan:
    """Answer the deck's question by the rule of 30 and by two power computations.

    Give exactly one of ``n`` (test-set size: what is the smallest trustworthy change?) or
    ``resolution`` (wanted accuracy change: how many test images are needed?).

    Args:
        n: test-set size, 1..10000000 (:data:`tfdojo.core.stats.MAX_TEST_SIZE`).
        resolution: accuracy change to resolve, as a fraction (0.005 for 0.5%), in
            [0.0001, 1) (:data:`tfdojo.core.stats.MIN_RESOLUTION`).
        baseline: accuracy of the reference model (the deck's 80%), in (0, 1).
        disagree: fraction of test images where exactly one of the two models is right
            (McNemar's power depends on it, not on the accuracies), in (0, 1].
        alpha: significance level of the two-sided tests, in [0.000001, 0.5].
        power: wanted probability of detecting a real change of that size, in (0, 1).

    Raises:
        TfdojoError: neither or both of ``n`` and ``resolution``; values out of range.
    """
    if (n is None) == (resolution is None):
        raise TfdojoError("test-size: give exactly one of --n N or --resolution R")
    check_alpha(alpha, "--alpha")
    check_power_args(alpha, power)
    check_baseline(baseline)
    check_disagree(disagree)
    rows: list[PlanRow] = []
    if n is not None:
        check_test_size(n, "--n")
        question = "change"
        for method, m in (
            ("rule of 30", RULE_OF_30),
            ("McNemar (paired)", mcnemar_min_change(n, disagree, alpha, power)),
            ("binomial vs fixed", binomial_min_change(n, baseline, alpha, power)),
        ):
            rows.append(PlanRow(method, n, m, None if m is None else m / n))
    else:
        assert resolution is not None
        check_resolution(resolution, "--resolution")
        question = "size"
        for method, size in (
            ("rule of 30", rule_of_30_test_size(resolution)),
            ("McNemar (paired)", mcnemar_test_size(resolution, disagree, alpha, power)),
            ("binomial vs fixed", binomial_test_size(resolution, baseline, alpha, power)),
        ):
            rows.append(PlanRow(method, size, round(resolution * size), resolution))
    return TestSizePlan(
        question,
        n,
        resolution,
        baseline,
        disagree,
        alpha,
        power,
        tuple(rows),
        mcnemar_max_discordant(RULE_OF_30, alpha, power),
    )


def format_plan(plan: TestSizePlan) -> str:
    """The plan as the table ``tfdojo stats test-size`` prints."""
    lines = []
    assumptions = (
        f"two-sided tests at alpha={plan.alpha:g}, power {plan.power:.0%}; "
        f"models disagree on {plan.disagree:.1%} of images; baseline accuracy {plan.baseline:.0%}"
    )
    if plan.question == "change":
        lines.append(f"Test set of {plan.n:,} images: smallest accuracy change you can trust")
        header = ("method", "examples moved", "accuracy change")
        body = [
            (
                r.method,
                "-" if r.examples is None else f"{r.examples:,}",
                "-" if r.change is None else f"{r.change:.2%}",
            )
            for r in plan.rows
        ]
    else:
        lines.append(f"To trust an accuracy change of {plan.resolution:.2%}: test images needed")
        header = ("method", "test images", "examples moved")
        body = [(r.method, f"{r.test_size:,}", f"{r.examples:,}") for r in plan.rows]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(3)]
    fmt = f"  {{:<{widths[0]}}}  {{:>{widths[1]}}}  {{:>{widths[2]}}}"
    lines.append(fmt.format(*header))
    lines += [fmt.format(*row) for row in body]
    notes = [
        f"Assumptions: {assumptions}.",
        "rule of 30: the deck's threshold, 30 examples whatever the test size. "
        "McNemar: two models scored on the same images (what `tfdojo compare` runs). "
        "binomial vs fixed: one model against an accuracy known exactly.",
        f"The rule of 30 matches McNemar when the two models disagree on at most "
        f"{plan.rule_equivalent_discordant} images; when they disagree on more, "
        "30 moved examples can be chance.",
    ]
    lines.append("")
    lines += [textwrap.fill(note, width=90) for note in notes]
    return "\n".join(lines)


def parse_fraction(text: str | float, name: str = "--resolution") -> float:
    """``"0.5%"`` -> 0.005, ``"0.005"`` -> 0.005; a clear error otherwise."""
    s = str(text).strip()
    try:
        value = float(s[:-1]) / 100 if s.endswith("%") else float(s)
    except ValueError:
        raise TfdojoError(
            f"{name}: expected a fraction like 0.005 or a percentage like 0.5%, received {text!r}"
        ) from None
    if not 0 < value < 1:
        raise TfdojoError(
            f"{name}: expected a value between 0 and 1 (0% and 100%), received {text!r}"
        )
    return value
