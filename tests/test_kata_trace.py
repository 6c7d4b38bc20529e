"""The tensor trace: a failing case run again, each tensor of the learner's own lines shown.

Known answers: tf.reshape(images, [-1]) of a uint8 (3, 28, 28) batch is (2352,) uint8; a
Logistic's logits of 5 images are (5, 10) float32. Lines of tfdojo's or TensorFlow's code
never appear; the learner's functions are theirs again after the check.
"""

from __future__ import annotations

import json
import re
import types

import pytest

from tests.test_kata_cli import dojo, run  # noqa: F401 (the fixture)
from tests.test_kata_tf import learner_file
from tfdojo.teaching import kata
from tfdojo.teaching.kata.checking import CheckResult
from tfdojo.teaching.kata.trace import LIMIT, Recorder, TraceLine, format_trace, trace_call

FLAT = (
    "return tf.reshape(images, [-1, 28 * 28])",
    "images = tf.reshape(images, [-1])\n    return images",
)


@pytest.fixture(scope="module", autouse=True)
def _tensorflow():
    from tfdojo.core.tf_setup import configure_tensorflow

    configure_tensorflow(1)


def test_a_failing_tensors_kata_names_the_reshape_line_with_its_shape(tmp_path):
    path = learner_file(tmp_path, kata.find("tensors"), [FLAT])
    line = path.read_text().splitlines().index("    images = tf.reshape(images, [-1])") + 1
    result = kata.check_file(kata.find("tensors"), path)
    assert result.status == "failing" and result.received == "shape (2352,)"
    assert result.trace == (
        TraceLine(line, "images = tf.reshape(images, [-1])", "images", (2352,), "uint8"),
    )  # the return of the same tensor is not shown twice
    shown = f"line {line}: images = tf.reshape(images, [-1])  ->  (2352,) uint8"
    assert str(result).endswith(shown)  # what a notebook and `kata check` show
    assert result.to_dict()["trace"] == [
        {
            "line": line,
            "code": "images = tf.reshape(images, [-1])",
            "name": "images",
            "shape": [2352],
            "dtype": "uint8",
        }
    ]
    assert CheckResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_a_passing_check_has_no_trace_and_the_learners_functions_are_theirs_again(tmp_path):
    path = learner_file(tmp_path, kata.find("tensors"))
    result = kata.check_file(kata.find("tensors"), path)
    assert result.passed and result.trace == () and str(result) == result.message


def test_a_models_trace_shows_its_variables_and_logits_not_tensorflows_lines(tmp_path):
    """A wrong bias shape in kata 2: the trace follows __init__ or __call__, the learner's."""
    k = kata.find("logistic")
    path = learner_file(tmp_path, k, [("tf.zeros([10])", "tf.zeros([784, 10])")])
    result = kata.check_file(k, path)
    assert result.status == "failing"
    assert result.trace, result.message
    assert all(t.code in path.read_text() for t in result.trace)  # only the learner's lines
    text = path.read_text()
    for t in result.trace:
        assert text.splitlines()[t.line - 1].strip().startswith(t.code)


def test_the_trace_of_a_notebook_follows_its_cells_and_restores_its_globals():
    namespace: dict = {}
    cell = (
        "import tensorflow as tf\n\n"
        "def flatten(images):\n    h = tf.reshape(images, [-1])\n    return h\n\n"
        "def scale(images):\n    return tf.cast(images, tf.float32) / 255.0 - 0.5\n\n"
        "def one_hot(labels, num_classes=10):\n    return tf.one_hot(labels, num_classes)\n"
    )
    exec(compile(cell, "<cell 1>", "exec"), namespace)  # a notebook cell's definitions
    flatten = namespace["flatten"]
    result = kata.check_namespace(kata.find("tensors"), namespace)
    assert result.status == "failing"
    assert [(t.line, t.name, t.shape, t.dtype) for t in result.trace] == [
        (4, "h", (2352,), "uint8")
    ]
    assert namespace["flatten"] is flatten  # the recorder's wrapper is gone


def test_the_recorder_keeps_the_outermost_call_and_restores_everything():
    kept = []
    space = types.ModuleType("learner")
    code = "def inner(x):\n    return x + 1\n\ndef outer(x):\n    return inner(x) * 2\n"
    exec(compile(code, "learner.py", "exec"), vars(space))
    inner, outer = space.inner, space.outer
    recorder = Recorder(lambda c, g: c.co_filename == "learner.py", lambda *a: kept.append(a))
    recorder.install(space)
    assert space.outer(3) == 8
    assert [(fn, args) for fn, args, _, _ in kept] == [(outer, (3,))]  # inner ran inside it
    recorder.restore()
    assert (space.inner, space.outer) == (inner, outer)


def test_a_run_again_is_bounded_and_its_errors_end_it():
    import numpy as np

    code = (
        "import numpy as np\n"
        "def loop(x):\n"
        "    for i in range(100000):\n"
        "        x = np.zeros((i % 50 + 1,))\n"
        "    return x\n"
        "def broken(x):\n"
        "    y = x * 2\n"
        "    raise ValueError('no')\n"
    )
    space: dict = {}
    exec(compile(code, "mine.py", "exec"), space)
    owns = lambda c, g: c.co_filename == "mine.py"  # noqa: E731
    trace = trace_call((space["loop"], (np.ones(3),), {}), owns, budget=30)
    assert len(trace) == LIMIT  # stopped once LIMIT distinct lines were seen
    assert [t.shape for t in trace[:2]] == [(1,), (2,)]
    trace = trace_call((space["broken"], (np.ones((2, 3), np.float32),), {}), owns)
    assert [(t.line, t.name, t.shape, t.dtype) for t in trace] == [(7, "y", (2, 3), "float32")]
    assert format_trace(()) == ""


def test_check_json_gives_case_expected_received_cause_and_trace_as_fields(dojo, capsys):  # noqa: F811
    """Through the worker process, as a learner runs it."""
    k = kata.find("tensors")
    learner_file(dojo, k, [("/ 255.0 - 0.5", "/ 255.0")])
    code, out = run(capsys, "kata", "check", "--json", "--threads", "1", "tensors")
    assert code == 1
    (verdict,) = json.loads(out)["katas"]
    assert verdict["case"].startswith("scale(images)")
    assert verdict["expected"].startswith("scale(images) = [")
    assert re.search(r"shape \(\d+, 28, 28\)$", verdict["received"])
    assert verdict["cause_text"] == "the range is [0, 1]: subtract 0.5 after dividing by 255"
    assert verdict["message"].splitlines() == [  # the fields are the message's parts
        f"case:     {verdict['case']}",
        f"expected: {verdict['expected']}",
        f"received: {verdict['received']}",
        f"cause:    {verdict['cause_text']}",
    ]
    (line,) = verdict["trace"]
    assert (line["name"], line["shape"][1:], line["dtype"]) == ("return", [28, 28], "float32")
