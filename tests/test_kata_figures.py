"""A training kata's figures: steps, seconds, parameters, test accuracy, and the reference.

Known answers: kata 7's reference has 784 h + h + 10 h + 10 parameters (h = 1,024); the
reference checked against itself (same seed, data and steps) makes identical predictions,
so no image is right for one only and McNemar's p is 1. A worse setting that still
passes (smaller batches, a smaller learning rate) stays a pass, and its verdict says
"worse" only when McNemar's p < 0.05. The reference is trained once: a second check reads
its predictions from memory or from the cache folder.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.test_kata_tf import learner_file
from tfdojo.core.stats import mcnemar_exact
from tfdojo.teaching import kata
from tfdojo.teaching.kata import ledger
from tfdojo.teaching.kata.checking import Checker
from tfdojo.teaching.kata.checks import reference_run
from tfdojo.teaching.kata.display import format_result
from tfdojo.teaching.kata.figures import format_figures, p_text, verdict

HIDDEN = 1024
PARAMETERS = 784 * HIDDEN + HIDDEN + HIDDEN * 10 + 10


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow  # TensorFlow only for these tests

    configure_tensorflow(1)


@pytest.fixture(scope="module")
def relu_network(tmp_path_factory):
    """Kata 7's reference solution checked as the learner's file (in conftest's cache: a
    module's fixture runs before its function-scoped ``_isolated_cache``)."""
    k = kata.find("relu_network")
    folder = tmp_path_factory.mktemp("dojo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFDOJO_DATA", str(tmp_path_factory.getbasetemp() / "cache"))
        return folder, kata.check_file(k, learner_file(folder, k))


def test_the_reference_checked_reports_its_figures_and_matches_itself(relu_network):
    folder, result = relu_network
    assert result.passed, result.message
    f = result.figures
    assert f["steps"] == 200 and f["parameters"] == PARAMETERS == 814_090
    assert 0 < f["seconds"] < result.seconds
    assert 0.85 <= f["test_accuracy"] <= 1
    ref = f["reference"]
    assert ref["only_yours"] == ref["only_reference"] == 0
    assert ref["mcnemar_p"] == 1.0
    assert ref["test_accuracy"] == f["test_accuracy"]
    assert "not significantly different" in ref["verdict"]
    assert "on the same 600 test images" in ref["verdict"]

    shown = format_result(result, folder)
    assert "    figures:   200 steps" in shown and "814,090 parameters" in shown
    assert f"    reference: {ref['verdict']}" in shown
    # check --json and the ledger carry them as fields
    assert json.loads(json.dumps(result.to_dict()))["figures"] == f
    assert ledger.check_record(result, "0" * 64, 0, "cli")["figures"] == f


def test_a_worse_setting_still_passes_and_is_judged_by_mcnemar(relu_network, tmp_path):
    k = kata.find("relu_network")
    path = learner_file(
        tmp_path, k, [("BATCH_SIZE = 128", "BATCH_SIZE = 16"), ("LR = 0.1", "LR = 0.05")]
    )
    result = kata.check_file(k, path)
    assert result.passed, result.message
    f, ref = result.figures, result.figures["reference"]
    assert f["steps"] == 200 and f["parameters"] == PARAMETERS
    # the reference: the same 200 steps from the same seed, trained as in the first test
    assert ref["test_accuracy"] == relu_network[1].figures["test_accuracy"]
    assert 0 <= ref["mcnemar_p"] <= 1
    assert ref["mcnemar_p"] == mcnemar_exact(ref["only_reference"], ref["only_yours"])
    n = 600
    moved = round((f["test_accuracy"] - ref["test_accuracy"]) * n)
    assert ref["only_yours"] - ref["only_reference"] == moved < 0
    assert ("significantly worse" in ref["verdict"]) == (ref["mcnemar_p"] < 0.05)
    assert "better" not in ref["verdict"]


def test_the_reference_is_trained_once_then_read_from_the_cache_folder(relu_network, monkeypatch):
    reference_run._MEMORY.clear()

    def trained_again(*args):
        raise AssertionError("the reference was trained again")

    monkeypatch.setattr(reference_run.Reference, "predictions", trained_again)
    ck = Checker(None)
    predictions = reference_run.reference_predictions(ck, reference_run.MLP, 200)
    y_test = ck.data().test_labels
    accuracy = relu_network[1].figures["reference"]["test_accuracy"]
    assert predictions.shape == y_test.shape and np.mean(predictions == y_test) == accuracy
    # other steps: not in the cache, so trained
    with pytest.raises(AssertionError, match="trained again"):
        reference_run.reference_predictions(ck, reference_run.MLP, 7)


@pytest.mark.parametrize(
    ("only_yours", "only_reference", "words"),
    [
        (12, 19, "not significantly different (7 images moved, under the rule of 30's 30)"),
        (0, 0, "not significantly different (the same answer on every image)"),
        (2, 30, "yours is significantly worse (28 images moved"),
        (1, 40, "yours is significantly worse"),
        (40, 5, "yours is significantly better"),
    ],
)
def test_the_verdict_says_worse_or_better_only_below_p_005(only_yours, only_reference, words):
    p = mcnemar_exact(only_reference, only_yours)
    text = verdict(0.912, 0.919, 1000, only_yours, only_reference, p)
    assert text.startswith("yours 91.2%, the reference 91.9% on the same 1,000 test images: ")
    assert f"{only_yours} only yours right, {only_reference} only the reference's" in text
    assert f"McNemar p = {p_text(p)}: {words}" in text
    assert float(p_text(p)) == pytest.approx(p, rel=0.5)
    assert ("significantly " in text.replace("not significantly", "")) == (p < 0.05)


def test_no_figures_line_without_a_training():
    assert format_figures({}) == ""
    assert format_figures({"seed": 3, "retraces": 2}) == ""  # --strict's figures alone
    assert format_figures({"steps": 5, "seconds": 0.31}) == "figures:   5 steps, 0.3 s of training"
