"""The catalogue of katas 1-6 and of the NumPy track, replayed through the checks.

Every mutant (a reference solution with one learner's mistake) must fail with exactly its
cause id; every variant (a right solution written differently) must pass. The checks run
in this process (TensorFlow imported once), on the learner's file as ``tfdojo kata check``
and ``tfdojo kata selftest`` see it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tfdojo.teaching import kata
from tfdojo.teaching.kata import causes
from tfdojo.teaching.kata.checking import Checker, Failure, load_learner
from tfdojo.teaching.kata.mutants import basics, by_hand, loops
from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a mutant's exp() overflows

MUTANTS = basics.MUTANTS + loops.MUTANTS + by_hand.MUTANTS
VARIANTS = basics.VARIANTS + loops.VARIANTS + by_hand.VARIANTS


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow(1)


def run(tmp_path: Path, m: Mutant) -> kata.CheckResult:
    """``m`` applied to its kata's reference, checked as a learner's file (as ``tfdojo kata
    selftest`` does, for the NumPy track too)."""
    k = kata.find(m.kata)
    path = tmp_path / k.filename
    path.write_text(m.apply(k.solution()), encoding="utf-8")
    return kata.check_file(k, path)


def test_the_catalogue_is_well_formed():
    assert len(MUTANTS) >= 45 and len(VARIANTS) >= 8
    keys = [(m.kata, m.id) for m in MUTANTS + VARIANTS]
    assert len(set(keys)) == len(keys)
    for m in MUTANTS:
        assert m.cause in causes.CAUSES, (m.kata, m.id, m.cause)
    for m in MUTANTS + VARIANTS:
        m.apply(kata.find(m.kata).solution())  # its text is found once


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: f"{m.kata}-{m.id}")
def test_a_mutant_fails_with_its_cause(tmp_path, m):
    result = run(tmp_path, m)
    assert result.status == "failing", result.message
    assert result.cause == m.cause, result.message


@pytest.mark.parametrize("v", VARIANTS, ids=lambda v: f"{v.kata}-{v.id}")
def test_a_variant_passes(tmp_path, v):
    result = run(tmp_path, v)
    assert result.status == "pass", result.message


STRICT = ["tensors", "logistic", "softmax_cross_entropy", "training_step"] + kata.names("numpy")
"""The katas whose checks draw one more case of a random shape from ``ck.rng`` (--strict)."""


def learner(tmp_path: Path, k: kata.Kata, text: str):
    """The learner's module holding ``text``."""
    path = tmp_path / k.filename
    path.write_text(text, encoding="utf-8")
    return load_learner(path)


@pytest.mark.parametrize("seed", [1, 2])
def test_under_strict_random_shapes_change_no_verdict(tmp_path, seed):
    """With one more case of a random shape per function, every reference and variant still
    passes and every mutant fails with the same cause."""
    for m in [None, *MUTANTS, *VARIANTS]:
        for name in [m.kata] if m else STRICT:
            k = kata.find(name)
            if k.name not in STRICT:
                continue
            text = m.apply(k.solution()) if m else k.solution()
            ck = Checker(learner(tmp_path, k, text), strict=True, seed=seed)
            try:
                k.check_function()(ck)
                cause = None
            except Failure as f:
                cause = f.cause_id
            except Exception:  # noqa: BLE001 - an error of the mutant's code, named elsewhere
                continue
            if m is None or isinstance(m, Variant):
                assert cause is None, (name, m and m.id, ck.case)
            else:
                assert cause == m.cause, (name, m.id, ck.case, cause)
