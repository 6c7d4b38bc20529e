"""The katas' registry, and the NumPy katas: each check accepts a right answer and rejects
the typical wrong ones, saying why.

A NumPy kata is checked as a notebook checks it: its function in a namespace, then
``kata.check_here``. Nothing here imports TensorFlow (kata 12's conv formulas, which share
the NumPy track's diagnoses, are tested with the TensorFlow katas).
"""

from __future__ import annotations

import dataclasses
import linecache
import subprocess
import sys

import numpy as np
import pytest

from tfdojo.core.errors import TfdojoError
from tfdojo.teaching import kata
from tfdojo.teaching.kata.checking import Failure, check_namespace

NUMPY = kata.katas("numpy")


def run_cell(code: str, namespace: dict) -> None:
    """Run ``code`` in ``namespace`` as a notebook cell (a kernel's file name, in linecache)."""
    filename = f"/tmp/ipykernel_0/{abs(hash(code))}.py"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), namespace)


def check(name: str, fn) -> kata.CheckResult:
    """Kata ``name``'s check on ``fn`` as the learner's function of that name."""
    with np.errstate(all="ignore"):  # a wrong answer may overflow, as a learner's does
        return kata.check_here(name, {name: fn})


# ------------------------------------------------------------------------- the registry


def test_two_tracks_numbered_in_order_with_names_unique_across_them():
    tf_katas, np_katas = kata.katas("tensorflow"), kata.katas("numpy")
    assert tf_katas + np_katas == kata.KATAS and kata.TRACKS == ("tensorflow", "numpy")
    assert [k.number for k in tf_katas] == list(range(1, 15))
    assert [k.stem for k in tf_katas[:2]] == ["01_tensors", "02_logistic"]
    assert kata.names("numpy") == [
        "np_softmax",
        "np_cross_entropy",
        "np_relu_backward",
        "np_affine_backward",
        "np_dropout",
    ]
    assert [k.number for k in np_katas] == [1, 2, 3, 4, 5]
    assert [k.stem for k in np_katas] == kata.names("numpy")  # sources/np_softmax.py, ...
    assert len(set(kata.names())) == len(kata.KATAS) == 19
    with pytest.raises(TfdojoError, match="track must be one of tensorflow, numpy; received 'np'"):
        kata.katas("np")


@pytest.mark.parametrize("k", kata.KATAS, ids=lambda k: k.name)
def test_every_record_names_its_check_and_the_check_resolves_to_a_function(k):
    module, _, function = k.check.partition(":")
    assert module.startswith("tfdojo.teaching.kata.checks.") and function.startswith("check_")
    assert callable(k.check_function())
    assert k.check_function().__name__ == function
    assert len(k.hints) == 3 and k.title and k.exercise() != k.solution()


def test_a_check_may_be_a_function_object():
    def check_answer(ck) -> str:
        if ck.get("answer") != 42:
            raise Failure("answer = 42", repr(ck.get("answer")))
        return "the answer"

    k = dataclasses.replace(kata.find("np_softmax"), check=check_answer)
    assert k.check_function() is check_answer
    assert check_namespace(k, {"answer": 42}).message == "well done: the answer"
    assert check_namespace(k, {"answer": 41}).message.splitlines()[1:] == [
        "expected: answer = 42",
        "received: 41",
    ]


def test_a_check_that_names_no_function_is_refused():
    k = dataclasses.replace(kata.find("np_softmax"), check="tfdojo.teaching.kata.checks.by_hand")
    with pytest.raises(TfdojoError, match="received check='tfdojo.teaching.kata.checks.by_hand'"):
        k.check_function()


def test_numbers_name_tensorflow_katas_and_the_cli_finds_only_its_own():
    assert kata.find("4").name == "training_step"
    assert kata.find("np_dropout").track == "numpy" and kata.find("dropout").track == "tensorflow"
    assert kata.find("softmax", "tensorflow").name == "softmax_cross_entropy"
    with pytest.raises(TfdojoError) as err:
        kata.find("np_dropout", "tensorflow")
    assert str(err.value).startswith(
        "kata: 'np_dropout' is a kata of the numpy track, checked in the lesson notebooks: "
        "kata.check_here('np_dropout', globals()); valid katas here: 01_tensors, "
    )


def test_the_registry_and_the_numpy_checks_do_not_import_tensorflow():
    """``tfdojo kata list`` reads the registry: it must stay instant."""
    code = (
        "import sys\n"
        "from tfdojo.teaching import kata\n"
        "from tfdojo.teaching.kata.checks import by_hand\n"
        "[k.check_function() for k in kata.katas('numpy')]\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_hints_work_for_both_tracks():
    k = kata.find("np_cross_entropy")
    assert kata.hint("np_cross_entropy", 2) == (
        f"hint 2 of 3 for np_cross_entropy; the next: kata.hint('np_cross_entropy', 3)\n"
        f"{k.hints[1]}"
    )


# ------------------------------------------------------------- the NumPy katas' sources


@pytest.mark.parametrize("k", NUMPY, ids=lambda k: k.name)
def test_the_reference_passes_in_a_cell(k):
    namespace: dict = {}
    run_cell(k.solution(), namespace)
    result = kata.check_here(k.name, namespace)
    assert result.status == "pass", result.message
    assert result.message.startswith("well done: ")


@pytest.mark.parametrize("k", NUMPY, ids=lambda k: k.name)
def test_an_untouched_exercise_is_not_done_yet_at_its_line(k):
    code = k.exercise()
    namespace: dict = {}
    run_cell(code, namespace)
    line = 1 + code.splitlines().index(
        '    raise NotImplementedError("your code here: see the TODO above")'
    )
    result = kata.check_here(k.name, namespace)
    assert result.status == "todo"
    assert result.message == (
        f"not done yet: {k.name}, line {line} of its cell: write the TODO there "
        "(it still raises NotImplementedError)"
    )


def test_a_crash_in_the_learners_code_is_reported_with_its_case_and_line():
    namespace: dict = {}
    run_cell("def np_softmax(z):\n    return z.nonexistent()\n", namespace)
    result = kata.check_here("np_softmax", namespace)
    assert result.status == "failing"
    assert result.message.splitlines()[1:4] == [
        "    case:     np_softmax(z), the deck's scores: z = [-1.0, 1.0, 2.0]",
        "    error:    AttributeError at np_softmax, line 2 of its cell",
        "              return z.nonexistent()",
    ]


def test_a_missing_return_is_named():
    result = check("np_relu_backward", lambda dout, x: None)
    assert "did you forget `return`?" in result.message


# ------------------------------------------------------------------------- right answers


def softmax_right(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def ce_right(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].mean()


def affine_right(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def affine_engine(dout, x, W):
    """tfdojo's NumPy engine's own backward pass."""
    from tfdojo.scratch.layers import affine_backward, affine_forward

    _, cache = affine_forward(x, {"W": W, "b": np.zeros(W.shape[1])})
    g = affine_backward(dout, cache)
    return g["x"], g["W"], g["b"]


def dropout_right(x, rate, rng):
    return x * (rng.random(x.shape) >= rate) / (1 - rate)


@pytest.mark.parametrize(
    "name, right",
    [
        ("np_softmax", softmax_right),
        ("np_cross_entropy", ce_right),
        ("np_relu_backward", lambda dout, x: dout * (x > 0)),
        ("np_affine_backward", affine_right),
        ("np_affine_backward", affine_engine),
        ("np_dropout", dropout_right),
    ],
)
def test_a_right_answer_passes(name, right):
    result = check(name, right)
    assert result.status == "pass" and result.passed, result.message


# ------------------------------------------------------------------------- wrong answers


def softmax_no_shift(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_whole_sum(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def ce_on_probabilities(logits, labels):
    return -np.log(logits[np.arange(len(labels)), labels]).mean()


def ce_log_of_softmax(logits, labels):
    probs = softmax_right(logits)
    return -np.log(probs[np.arange(len(labels)), labels]).mean()


MISTAKES = [
    # softmax
    ("np_softmax", softmax_no_shift, ["large scores", "nan", "subtract each row's maximum"]),
    ("np_softmax", softmax_whole_sum, ["a batch of 2 rows", "each row should", "axis=-1"]),
    ("np_softmax", lambda z: z / z.sum(axis=-1, keepdims=True), ["the deck's", "take exp()"]),
    (
        "np_softmax",
        lambda z: np.exp(z - z.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True),
        ["received: shape (1,)", "that reduced too far"],
    ),
    # cross-entropy
    ("np_cross_entropy", ce_on_probabilities, ["as if they were probabilities", "apply softmax"]),
    ("np_cross_entropy", ce_log_of_softmax, ["logits far apart", "log(0)", "log-sum-exp"]),
    ("np_cross_entropy", lambda z, y: ce_right(z, y) * len(y), ["a batch of 3", "take the mean"]),
    ("np_cross_entropy", lambda z, y: ce_right(softmax_right(z), y), ["softmax twice"]),
    ("np_cross_entropy", lambda z, y: -ce_right(z, y), ["the sign: D = -sum L log S"]),
    (
        "np_cross_entropy",
        lambda z, y: ce_right(z, y) * np.ones(len(y)),
        ["a batch of 3", "received: shape (3,)", "the loss is one number"],
    ),
    # ReLU backward
    ("np_relu_backward", lambda dout, x: (x > 0).astype(float), ["multiply it by dout"]),
    ("np_relu_backward", lambda dout, x: dout * np.maximum(x, 0), ["the step [x > 0], not x"]),
    ("np_relu_backward", lambda dout, x: dout, ["zero it where x <= 0"]),
    ("np_relu_backward", lambda dout, x: dout * (x <= 0), ["the mask is inverted"]),
    # dense layer backward
    (
        "np_affine_backward",
        lambda d, x, W: (d @ W.T, d.T @ x, d.sum(0)),
        ["expected: dW = x.T @ dout of shape (3, 2)", "received: shape (2, 3)", "transpose"],
    ),
    (
        "np_affine_backward",
        lambda d, x, W: (W @ d.T, x.T @ d, d.sum(0)),
        ["expected: dx = dout @ W.T of shape (4, 3)", "received: shape (3, 4)", "transpose"],
    ),
    (
        "np_affine_backward",
        lambda d, x, W: (d @ W.T, x.T @ d, d.sum(1)),
        ["db = dout.sum(axis=0) of shape (2,)", "received: shape (4,)", "over the batch"],
    ),
    (
        "np_affine_backward",
        lambda d, x, W: (d @ W.T, x.T @ d, d.mean(0)),
        ["expected: db = dout.sum(axis=0) = ", "the mean over the batch: the loss already"],
    ),
    (
        "np_affine_backward",
        lambda d, x, W: (d @ W.T, x.T @ d),
        ["expected: a tuple (dx, dW, db)", "received: a tuple of 2"],
    ),
    # dropout
    (
        "np_dropout",
        lambda x, r, rng: x * (rng.random(x.shape) >= r),
        ["kept units of value 1 / (1 - rate) = 1.333", "1 / (1 - rate)"],
    ),
    (
        "np_dropout",
        lambda x, r, rng: x * (rng.random(x.shape) < r) / (1 - r),
        ["about 25% of the units zeroed", "probability 1 - rate"],
    ),
    (
        "np_dropout",
        lambda x, r, rng: x * (rng.random(x.shape) >= r) * (1 - r),
        ["divide by it instead"],
    ),
    (
        "np_dropout",
        lambda x, r, rng: dropout_right(x, r, np.random.default_rng(0)),
        ["received: the same mask for another generator seed", "draw the mask from rng"],
    ),
    (
        "np_dropout",
        lambda x, r, rng: dropout_right(x, r, np.random.default_rng()),
        ["received: a different mask for the same generator seed", "draw the mask from rng"],
    ),
]


@pytest.mark.parametrize(
    "name, wrong, words", MISTAKES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)]
)
def test_a_typical_mistake_is_named(name, wrong, words):
    result = check(name, wrong)
    assert result.status == "failing" and not result.passed, result.message
    assert result.message.startswith(f"not yet: {kata.find(name).title}\n    case:     ")
    assert result.message.endswith(f"hint:     kata.hint({name!r})")
    for w in words:
        assert w in result.message, (w, result.message)
