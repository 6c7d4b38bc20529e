"""The catalogue of katas 7-14 (mutants/networks.py, mutants/conv.py): every deliberate
mistake fails its kata's check with exactly its cause, every variant passes.

Until ``tfdojo kata selftest`` replays the whole catalogue, this file does it for these
katas, in this process (TensorFlow imported once): each mutant or variant is the
reference solution with one edit, written to a file as a learner would have it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tfdojo.teaching import kata
from tfdojo.teaching.kata import causes
from tfdojo.teaching.kata.mutants import conv, networks

CATALOGUE = conv.MUTANTS + networks.MUTANTS
VARIANTS = conv.VARIANTS + networks.VARIANTS


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow(1)


def check(tmp_path, entry):
    k = kata.find(entry.kata)
    path = tmp_path / k.filename
    path.write_text(entry.apply(k.solution()), encoding="utf-8")
    return kata.check_file(k, path)


def test_the_catalogue_is_large_and_well_formed():
    assert len(CATALOGUE) >= 40 and len(VARIANTS) >= 8
    ids = [(m.kata, m.id) for m in CATALOGUE + VARIANTS]
    assert len(set(ids)) == len(ids)
    for m in CATALOGUE:
        assert causes.get(m.cause) is not None, f"{m.kata}/{m.id}: unknown cause {m.cause}"
        m.apply(kata.find(m.kata).solution())  # raises unless its text is there once
    named = {m.kata for m in CATALOGUE}
    assert {"relu_network", "l2", "dropout", "overfitting"} <= named
    assert {"conv_layer", "convnet", "keras"} <= named


@pytest.mark.parametrize("mutant", CATALOGUE, ids=lambda m: f"{m.kata}-{m.id}")
def test_a_mutant_fails_with_its_cause(tmp_path, mutant):
    result = check(tmp_path, mutant)
    assert result.status == "failing", result.message
    assert result.cause == mutant.cause, result.message
    assert "case:" in result.message or "line" in result.message


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v.kata}-{v.id}")
def test_a_variant_passes(tmp_path, variant):
    result = check(tmp_path, variant)
    assert result.status == "pass", result.message


def test_the_convnet_forward_of_the_checks_is_tfdojos_convnet():
    """The oracle of the wrong answers (models_common.convnet_forward) agrees with
    tfdojo's own convnet, and its channels-first flatten is another network."""
    import tensorflow as tf

    from tfdojo.teaching.kata.checks.conv import tfdojo_convnet
    from tfdojo.teaching.kata.checks.models_common import convnet_forward
    from tfdojo.teaching.kata.sources import reference

    model = reference("13_convnet").ConvNet(seed=0)
    v = {n: getattr(model, n) for n in ("W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4")}
    x = tf.random.stateless_uniform([3, 28, 28], seed=[1, 2], minval=-0.5, maxval=0.5)
    want = tfdojo_convnet(v)(x).numpy()
    np.testing.assert_allclose(convnet_forward(v, x), want, atol=1e-4)
    assert not np.allclose(convnet_forward(v, x, flatten="chw"), want, atol=1e-3)


@dataclasses.dataclass
class FakeComparison:
    significant: bool
    a_accuracy: float
    b_accuracy: float
    a_only: int = 40
    b_only: int = 10
    p_value: float = 0.001


def test_keras_significantly_worse_than_the_hand_loop_fails_and_otherwise_passes():
    from tfdojo.teaching.kata.checking import Failure
    from tfdojo.teaching.kata.checks.keras_twin import expect_not_worse

    with pytest.raises(Failure) as failed:
        expect_not_worse(FakeComparison(True, 0.95, 0.90))
    assert failed.value.cause_id == "keras/worse-than-hand-loop"
    expect_not_worse(FakeComparison(True, 0.90, 0.95))  # significantly better is fine
    expect_not_worse(FakeComparison(False, 0.95, 0.93))  # no significant difference
