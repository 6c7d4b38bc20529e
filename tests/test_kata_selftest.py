"""`tfdojo kata selftest`: the references and deliberate mistakes replayed through the checks.

Mutants made here (not the catalogue's) with known verdicts: a mistake the check catches,
one it names another cause for, one it cannot see (a false pass), one whose text is not in
the reference (broken), a right variant and a wrong "variant" (a false failure). The whole
catalogue is replayed by the slow test at the end: every mutant caught, 0 false passes,
0 false failures.
"""

from __future__ import annotations

import json

import pytest

from tfdojo.cli import main
from tfdojo.teaching.kata import selftest
from tfdojo.teaching.kata.mutants import MUTANTS, VARIANTS, Mutant, Variant

CAST = "return tf.cast(images, tf.float32) / 255.0 - 0.5"
MINE = [
    Mutant("tensors", "range01", "[0, 1] instead of [-0.5, 0.5]", "/ 255.0 - 0.5", "/ 255.0"),
    Mutant(
        "tensors",
        "flat",
        "one long row",
        "tf.reshape(images, [-1, 28 * 28])",
        "tf.reshape(images, [-1])",
        "tensors/some-other-cause",
    ),
    Mutant("tensors", "comment", "only a comment changed", "# (N,) -> (N, num_classes)", "#"),
    Mutant("tensors", "gone", "text no longer in the reference", "tf.nothing_here()", "x"),
    Mutant(
        "tensors",
        "forever",
        "a loop that never ends",
        "return tf.one_hot(labels, num_classes)",
        "while True:\n        pass",
    ),
]
VARIANTS_MINE = [
    Variant("tensors", "divide", "multiply by 1/255", "/ 255.0", "* (1 / 255.0)"),
    Variant("tensors", "wrong", "not a variant at all", "/ 255.0 - 0.5", "/ 255.0 - 0.4"),
]


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow(1)


def test_each_verdict_of_a_mutant_and_a_variant():
    seen = []
    report = selftest.run(["tensors"], MINE, VARIANTS_MINE, progress=seen.append, limit=3)
    verdicts = {(c.kind, c.id): c.verdict for c in report.cases}
    assert verdicts == {
        ("reference", "reference"): "ok",
        ("variant", "divide"): "ok",
        ("variant", "wrong"): "false_failure",
        ("mutant", "range01"): "ok",
        ("mutant", "flat"): "wrong_cause",
        ("mutant", "comment"): "false_pass",
        ("mutant", "gone"): "broken",
        ("mutant", "forever"): "ok",  # stopped at its time limit: failing
    }
    assert list(seen) == list(report.cases)
    d = report.to_dict()
    counts = {k: v for k, v in d.items() if k not in ("cases", "seconds")}
    assert counts == {
        "mutants_total": 5,
        "mutants_caught": 2,
        "false_passes": 1,
        "false_failures": 1,
        "wrong_cause": 1,
        "not_failing": 0,
        "broken": 1,
        "references_total": 1,
        "variants_total": 2,
    }
    assert not report.clean
    flat = next(c for c in d["cases"] if c["id"] == "flat")
    assert (flat["cause"], flat["status"], flat["received_cause"]) == (
        "tensors/some-other-cause",
        "failing",
        "tensors/flatten-one-row",
    )
    assert "expected tensors/some-other-cause, received tensors/flatten-one-row" in str(
        report.cases[-4]
    )
    forever = next(c for c in report.cases if c.id == "forever")
    assert forever.message == "the check ran longer than 3 s and was stopped"


def test_the_command_prints_json_and_exits_1_unless_all_hold(capsys):
    code = main(["kata", "selftest", "--json", "--threads", "1", "--kata", "np_softmax"])
    report = json.loads(capsys.readouterr().out)
    mutants = [m for m in MUTANTS if m.kata == "np_softmax"]
    variants = [v for v in VARIANTS if v.kata == "np_softmax"]
    assert report["mutants_total"] == len(mutants)
    assert report["variants_total"] == len(variants)
    assert report["references_total"] == 1
    clean = all(c["verdict"] == "ok" for c in report["cases"])
    assert code == (0 if clean else 1)
    assert main(["kata", "selftest", "--kata", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_the_catalogue_is_well_formed_and_its_problems_are_found_without_a_check():
    assert selftest.catalogue_problems() == []  # the catalogue follows the references
    bad = [
        *MINE,
        Mutant("tensors", "range01", "again", "tf.one_hot(labels, num_classes)", "x"),
        Mutant("tensors", "same", "no change", "- 0.5  #", "- 0.5  #"),
        Mutant("nope", "x", "no such kata", "a", "b"),
    ]
    problems = selftest.catalogue_problems(bad, VARIANTS_MINE)
    assert [p.split(":")[0] for p in problems] == [
        "mutant tensors/flat",  # names a cause no cause has
        "mutant tensors/gone",  # its text is not in the reference
        "mutant tensors/range01",  # an id given twice
        "mutant tensors/same",
        "mutant nope/x",
    ]


@pytest.mark.slow
def test_the_whole_catalogue_is_caught_and_every_reference_passes():
    """Long: every kata's reference, variants and mutants (minutes on one core)."""
    report = selftest.run()
    problems = [str(c) for c in report.cases if c.verdict != "ok"]
    assert problems == [], "\n".join(problems)
    d = report.to_dict()
    assert d["mutants_total"] == len(MUTANTS) and d["mutants_caught"] == len(MUTANTS)
    assert (d["false_passes"], d["false_failures"]) == (0, 0)
