"""The catalogue of kata 10, learning-rate decay (mutants/lr_decay.py): every deliberate
mistake fails the check with exactly its cause, every variant passes, under ``--strict``
too (other settings drawn from the check's generator).

The checks run in this process (TensorFlow imported once), on the learner's file as
``tfdojo kata check`` and ``tfdojo kata selftest`` see it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tfdojo.teaching import kata
from tfdojo.teaching.kata import causes
from tfdojo.teaching.kata.checking import Checker, Failure, load_learner
from tfdojo.teaching.kata.mutants import lr_decay
from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

MUTANTS = lr_decay.MUTANTS
VARIANTS = lr_decay.VARIANTS
K = kata.find("lr_decay")


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow(1)


def write(tmp_path: Path, m: Mutant | None) -> Path:
    path = tmp_path / K.filename
    path.write_text(m.apply(K.solution()) if m else K.solution(), encoding="utf-8")
    return path


def test_the_catalogue_is_well_formed():
    assert len(MUTANTS) >= 12 and len(VARIANTS) >= 4
    keys = [(m.kata, m.id) for m in MUTANTS + VARIANTS]
    assert len(set(keys)) == len(keys)
    for m in MUTANTS:
        assert m.kata == "lr_decay" and m.cause in causes.CAUSES, (m.id, m.cause)
    for m in MUTANTS + VARIANTS:
        m.apply(K.solution())  # its text is found once
    from tfdojo.teaching.kata.mutants import MUTANTS as ALL

    assert set(MUTANTS) <= set(ALL)  # kata selftest replays them


def test_the_oracle_is_the_equation():
    """The rates the check wants (Keras's ExponentialDecay) are the exercise's equation."""
    from tfdojo.teaching.kata.checks.decay import rate

    assert rate(50, 0.3, 0.5, 100) == pytest.approx(0.3 * 0.5**0.5)
    assert rate(150, 0.3, 0.5, 100, math.floor) == pytest.approx(0.15)
    assert rate(200, 0.3, 0.5, 100) == pytest.approx(0.075)


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.id)
def test_a_mutant_fails_with_its_cause(tmp_path, m):
    result = kata.check_file(K, write(tmp_path, m))
    assert result.status == "failing", result.message
    assert result.cause == m.cause, result.message
    assert result.case, result.message


@pytest.mark.parametrize("v", VARIANTS, ids=lambda v: v.id)
def test_a_variant_passes(tmp_path, v):
    result = kata.check_file(K, write(tmp_path, v))
    assert result.status == "pass", result.message


@pytest.mark.parametrize("seed", [1, 2])
def test_under_strict_other_settings_change_no_verdict(tmp_path, seed):
    """With the settings the check draws from ``ck.rng`` under --strict, the reference and
    every variant pass and every mutant fails with the same cause."""
    for m in [None, *MUTANTS, *VARIANTS]:
        ck = Checker(load_learner(write(tmp_path, m)), strict=True, seed=seed)
        try:
            K.check_function()(ck)
            cause = None
        except Failure as f:
            cause = f.cause_id
        if m is None or isinstance(m, Variant):
            assert cause is None, (m and m.id, ck.case)
        else:
            assert cause == m.cause, (m.id, ck.case, cause)
