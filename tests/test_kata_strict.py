"""`tfdojo kata check --strict`: each kata's rules read from the code, the last call under
tf.function with its traces counted.

Known answers: every reference keeps its kata's rules; each rule broken by a one-line
mistake is named with its cause and line, whatever the import's alias; a function of a
(6, 3) batch run at 6, 6 and 3 rows is traced twice.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.test_kata_cli import dojo, run  # noqa: F401 (the fixture)
from tests.test_kata_tf import learner_file
from tfdojo.teaching import kata
from tfdojo.teaching.kata import causes
from tfdojo.teaching.kata.strict import RULES, broken_rules, graph_run, rows_failure


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow(1)


@pytest.mark.parametrize("k", kata.katas(), ids=lambda k: k.name)
def test_every_reference_keeps_its_katas_rules(k):
    assert k.name in RULES
    assert broken_rules(k.name, k.solution()) == []


BROKEN = [
    (
        "softmax_cross_entropy",
        "from tensorflow import nn as n\nS = n.softmax(z)\n",
        "softmax_cross_entropy/strict-library-softmax",
        2,
        "n.softmax",
    ),
    (
        "softmax_cross_entropy",
        "import tensorflow as T\nD = T.nn.sparse_softmax_cross_entropy_with_logits(y, z)\n",
        "softmax_cross_entropy/strict-library-softmax",
        2,
        "T.nn.sparse_softmax_cross_entropy_with_logits",
    ),
    (
        "training_step",
        "import tensorflow as tf\nopt = tf.keras.optimizers.SGD(lr)\n",
        "any/strict-optimizer",
        2,
        "tf.keras.optimizers.SGD",
    ),
    ("training_step", "x = 1\nopt.apply_gradients(pairs)\n", "any/strict-optimizer", 2, None),
    ("tensors", "def f(x):\n    return x.numpy().reshape(-1)\n", "tensors/strict-numpy", 2, None),
    (
        "gd_vs_sgd",
        "import numpy as np\nrows = np.random.choice(10, 3)\n",
        "any/strict-global-rng",
        2,
        None,
    ),
    (
        "logistic",
        "import tensorflow as tf\nW = tf.random.normal([784, 10])\n",
        "any/strict-unseeded-random",
        2,
        None,
    ),
    (
        "dropout",
        "import tensorflow as tf\nh = tf.nn.dropout(h, 0.5)\n",
        "dropout/strict-library-dropout",
        2,
        None,
    ),
    ("keras", "import keras\nopt = keras.optimizers.Adam(lr)\n", "keras/strict-not-sgd", 2, None),
    ("keras", "model.compile(optimizer='adam', loss=loss)\n", "keras/strict-not-sgd", 1, None),
    (
        "np_softmax",
        "import scipy.special\ns = scipy.special.softmax(z)\n",
        "any/strict-library-in-numpy",
        2,
        None,
    ),
]


@pytest.mark.parametrize("name, source, cause, line, written", BROKEN)
def test_a_broken_rule_is_named_with_its_cause_and_line(name, source, cause, line, written):
    (broken,) = broken_rules(name, source)
    assert (broken.rule.cause.id, broken.line) == (cause, line)
    assert causes.get(cause) is broken.rule.cause  # a cause like any other: stats, hints
    if written:
        assert broken.called == written


def test_what_a_kata_allows_is_not_a_broken_rule():
    allowed = "import tensorflow as tf\nS = tf.exp(z) / tf.reduce_sum(tf.exp(z), -1, True)\n"
    assert broken_rules("softmax_cross_entropy", allowed) == []
    assert broken_rules("training_step", "v.assign_sub(lr * g)\n") == []
    assert broken_rules("gd_vs_sgd", "rng = np.random.default_rng(0)\nrng.choice(9, 3)\n") == []
    assert broken_rules("keras", "m.compile(optimizer='sgd')\n") == []


def test_strict_fails_a_right_answer_by_a_forbidden_recipe(tmp_path):
    """Kata 3 written with tf.nn.softmax: the values are right, the recipe is not."""
    k = kata.find("softmax_cross_entropy")
    start = "    z = logits - tf.reduce_max(logits, axis=-1, keepdims=True)  # (N, K) - (N, 1)"
    text = k.solution()
    first = text.index(start)
    end = text.index("\n\n", first)
    path = tmp_path / k.filename
    path.write_text(text[:first] + "    return tf.nn.softmax(logits)" + text[end:])
    line = path.read_text().splitlines().index("    return tf.nn.softmax(logits)") + 1
    assert kata.check_file(k, path).passed
    result = kata.check_file(k, path, strict=True)
    assert (result.status, result.cause) == (
        "failing",
        "softmax_cross_entropy/strict-library-softmax",
    )
    assert result.received == f"line {line}: tf.nn.softmax(...)"
    assert result.concept == "recipe"


def test_strict_runs_the_step_under_tf_function_and_counts_its_traces(tmp_path):
    k = kata.find("training_step")
    result = kata.check_file(k, learner_file(tmp_path, k), strict=True, seed=7)
    assert result.passed, result.message
    batch = result.figures["batch_sizes"][0]
    assert result.figures == {
        "seed": 7,
        "retraces": 2,
        "graph_calls": 3,
        "batch_sizes": [batch, batch, batch // 2],
    }
    assert result.message.splitlines()[1].startswith("under tf.function: traced 2 times")
    assert result.message.endswith("the kata's rules: kept")


def test_graph_run_counts_traces_and_names_what_cannot_run_as_a_graph():
    import tensorflow as tf

    assert graph_run((lambda x: x * 2, (np.ones((6, 3), np.float32),), {})) == {
        "retraces": 2,
        "graph_calls": 3,
        "batch_sizes": [6, 6, 3],
    }

    def makes_a_variable(x):
        return tf.Variable(x) * 2

    found = graph_run((makes_a_variable, (np.ones((4, 2), np.float32),), {}))
    assert list(found) == ["graph_error"] and found["graph_error"].startswith("ValueError: ")


def test_check_strict_in_the_worker_reports_its_seed_and_traces(dojo, capsys):  # noqa: F811
    learner_file(dojo, kata.find("tensors"))
    code, out = run(capsys, "kata", "check", "--strict", "--json", "--threads", "1", "01")
    (verdict,) = json.loads(out)["katas"]
    assert (code, verdict["status"]) == (0, "pass"), verdict["message"]
    assert isinstance(verdict["figures"]["seed"], int)
    sizes = verdict["figures"]["batch_sizes"]  # the batch of the check's last call, then half
    b = sizes[0]  # drawn from the strict seed: a batch of 1 has no half (it was flaky)
    assert sizes == [b, b] + ([b // 2] if b >= 2 else [])


def test_a_batch_size_written_in_the_code_fails_the_check_and_strict(tmp_path):
    """The issue's false pass: right only for one batch size. The check tries several
    batch sizes; strict also runs the learner's last call again at half the batch."""
    k = kata.find("tensors")
    path = learner_file(tmp_path, k, [("[-1, 28 * 28]", "[3, 784]")])
    plain = kata.check_file(k, path)
    assert (plain.status, plain.cause.startswith("tensors/")) == ("failing", True), plain
    result = kata.check_file(k, path, strict=True)
    assert (result.status, result.cause) == ("failing", plain.cause)  # the check runs first


def test_the_rows_property_names_a_fixed_batch_and_mixed_rows_and_skips_a_step():
    import tensorflow as tf

    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    assert rows_failure((lambda x: x * 2, (x,), {})) is None
    mixed = rows_failure((lambda x: x - tf.reduce_mean(x, axis=0), (x,), {}))
    assert (mixed["cause"], mixed["expected"]) == (
        "any/strict-rows-mixed",
        "the first 3 rows of its answer, shape (3, 2)",
    )
    fixed = rows_failure((lambda x: tf.reshape(x, [6, 2]) + 0, (x,), {}))
    assert fixed["cause"] == "any/strict-fixed-batch"
    steps = iter(range(100))
    assert rows_failure((lambda x: x * next(steps), (x,), {})) is None  # not the same twice
    assert rows_failure((lambda x: tf.reduce_sum(x), (x,), {})) is None  # one number


def test_a_checks_sizes_are_its_defaults_unless_strict():
    from tfdojo.teaching.kata.checking import Checker

    plain = Checker(None)
    assert [plain.size(32) for _ in range(5)] == [32] * 5
    strict = Checker(None, strict=True, seed=3)
    drawn = [strict.size(32, 2) for _ in range(200)]
    assert min(drawn) >= 2 and max(drawn) <= 64 and len(set(drawn)) > 20
    again = Checker(None, strict=True, seed=3)
    assert [again.size(32, 2) for _ in range(200)] == drawn  # the seed says it all
