"""A model of the learner's own file trains through tfdojo like tfdojo's models, and is
never imported from a path a run folder names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError

CONVNET = '''
import numpy as np
import tensorflow as tf


class ConvNet(tf.Module):
    """conv 3x3 (8) -> max-pool -> dense 32 -> 10 logits."""

    def __init__(self, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.conv_w = tf.Variable(rng.normal(0, 0.4, (3, 3, 1, 8)).astype("float32"))
        self.conv_b = tf.Variable(np.zeros(8, "float32"))
        self.hidden_w = tf.Variable(rng.normal(0, 0.05, (14 * 14 * 8, 32)).astype("float32"))
        self.hidden_b = tf.Variable(np.zeros(32, "float32"))
        self.out_w = tf.Variable(rng.normal(0, 0.2, (32, 10)).astype("float32"))
        self.out_b = tf.Variable(np.zeros(10, "float32"))

    def __call__(self, x, dropout_rate=0.0, seed=None):
        h = tf.reshape(x, [-1, 28, 28, 1])
        h = tf.nn.relu(tf.nn.conv2d(h, tf.cast(self.conv_w, x.dtype), 1, "SAME") + self.conv_b)
        h = tf.reshape(tf.nn.max_pool2d(h, 2, 2, "SAME"), [-1, 14 * 14 * 8])
        h = tf.nn.relu(h @ self.hidden_w + self.hidden_b)
        return h @ self.out_w + self.out_b
'''


@pytest.fixture(scope="module")
def learner_run(tiny_dataset, tmp_path_factory):
    root = tmp_path_factory.mktemp("learner")
    (root / "mine.py").write_text(CONVNET)
    run = root / "run"
    argv = ["train", "--data", str(tiny_dataset), "--model", f"{root / 'mine.py'}:ConvNet"]
    argv += ["--out", str(run), "--epochs", "3", "--precision", "float32", "--no-progress"]
    assert main([*argv, "--report"]) == 0
    return root, run


def test_a_learners_model_trains_into_a_full_run_folder(learner_run):
    root, run = learner_run
    metrics = json.loads((run / "metrics.json").read_text())
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["source"] == f"{root / 'mine.py'}:ConvNet"
    assert (metrics["model"], metrics["model_kind"]) == ("ConvNet", "learner")
    assert metrics["params"] == 3 * 3 * 8 + 8 + 14 * 14 * 8 * 32 + 32 + 32 * 10 + 10
    assert metrics["test_accuracy"] > 0.5  # it learnt letters
    page = (run / "report" / "report.html").read_text()
    assert "First convolution&#x27;s filters" in page  # chosen by the kernel's shape


def test_using_the_run_needs_the_code_from_the_command_line(learner_run, tiny_dataset, capsys):
    root, run = learner_run
    code = f"{root / 'mine.py'}:ConvNet"
    assert main(["evaluate", str(run), "--data", str(tiny_dataset)]) == 2
    err = capsys.readouterr().err
    assert f"tfdojo never imports code a run folder names: pass --model-code {code}" in err
    assert (
        main(["evaluate", str(run), "--data", str(tiny_dataset), "--model-code", code, "--json"])
        == 0
    )
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["accuracy"] == json.loads((run / "metrics.json").read_text())["test_accuracy"]


def test_play_needs_the_code_from_the_command_line(learner_run):
    from tfdojo.models.learner import load_class
    from tfdojo.play import Player

    root, run = learner_run

    code = f"{root / 'mine.py'}:ConvNet"
    with pytest.raises(TfdojoError) as err:
        Player.open([run])
    assert (
        str(err.value) == f"RUN: {run} was trained from {code}: add --model-code {code} to play it"
    )
    player = Player.open([run], {"ConvNet": load_class(code, "--model-code")})
    assert player.info()[0]["name"] == "ConvNet"


def test_compare_with_a_builtin_model(learner_run, tiny_dataset, tmp_path, capsys):
    root, run = learner_run
    builtin = tmp_path / "logistic"
    argv = ["train", "--data", str(tiny_dataset), "--model", "logistic", "--out", str(builtin)]
    assert main([*argv, "--epochs", "1", "--no-progress"]) == 0
    capsys.readouterr()
    argv = ["compare", str(builtin), str(run), "--model-code", f"{root / 'mine.py'}:ConvNet"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["b_accuracy"] == json.loads((run / "metrics.json").read_text())["test_accuracy"]


def test_a_run_folder_never_names_the_code_that_runs(learner_run, tiny_dataset, tmp_path, capsys):
    import shutil

    root, run = learner_run
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').write('x')\n" + CONVNET)
    forged = tmp_path / "forged"
    shutil.copytree(run, forged)
    config = json.loads((forged / "config.json").read_text())
    config["model"]["source"] = f"{evil}:ConvNet"
    (forged / "config.json").write_text(json.dumps(config))
    for argv in (["evaluate", str(forged), "--data", str(tiny_dataset)], ["report", str(forged)]):
        assert main(argv) == 2
        assert "--model-code" in capsys.readouterr().err
    argv = ["evaluate", str(forged), "--data", str(tiny_dataset)]
    assert main([*argv, "--model-code", f"{root / 'mine.py'}:ConvNet"]) == 0
    assert not marker.exists()


@pytest.mark.parametrize(
    "source, message",
    [
        ("def broken(:\n", "mine.py:1: SyntaxError"),
        ("import tensorflow as tf\nraise ValueError('oops')\n", "mine.py:2: ValueError: oops"),
        (
            "import tensorflow as tf\nclass ConvNet(tf.Module):\n"
            "    def __init__(self, seed=0):\n        self.w = tf.Variable(tf.zeros([784, 12]))\n"
            "    def __call__(self, x, dropout_rate=0.0, seed=None):\n"
            "        return tf.reshape(x, [-1, 784]) @ self.w\n",
            "mine.py:ConvNet: expected (2, 10) float logits for 2 images, received float32 of "
            "shape (2, 12)",
        ),
        ("class Other:\n    pass\n", "defines no 'ConvNet'; classes in it: Other"),
    ],
)
def test_a_broken_model_file_is_one_line(tiny_dataset, tmp_path, capsys, source, message):
    (tmp_path / "mine.py").write_text(textwrap.dedent(source))
    argv = ["train", "--data", str(tiny_dataset), "--model", f"{tmp_path / 'mine.py'}:ConvNet"]
    assert main([*argv, "--out", str(tmp_path / "run"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def model_file(call: str, init: str = "self.w = tf.Variable(tf.zeros([784, 10]))") -> str:
    """A model file whose ``ConvNet.__call__`` returns ``call`` (lines 1-7: ``call`` on 7)."""
    return (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "class ConvNet(tf.Module):\n"
        "    def __init__(self, seed=0):\n"
        f"        {init}\n"
        "    def __call__(self, x, dropout_rate=0.0, seed=None):\n"
        f"        return {call}\n"
    )


FLAT = "tf.reshape(x, [-1, 784]) @ self.w"


@pytest.mark.parametrize(
    "source, message",
    [
        (  # its own batch size: the training loop's shapes did not fit (a page of TensorFlow)
            model_file(f"({FLAT})[:2]"),
            "expected (5, 10) float logits for 5 images, received float32 of shape (2, 10): "
            "the number of images comes from x (tf.shape(x)[0], or -1 in tf.reshape)",
        ),
        (  # no gradient for w: the optimiser's AttributeError
            model_file("tf.zeros([tf.shape(x)[0], 10])"),
            "expected a gradient from the logits to every trainable variable, received none "
            "for w: use each tf.Variable in __call__ (or make it trainable=False), with "
            "TensorFlow operations: the tape does not see NumPy",
        ),
        (  # one variable of two unused
            model_file(
                FLAT, "self.w = tf.Variable(tf.zeros([784, 10])); self.b = tf.Variable(1.0)"
            ),
            "expected a gradient from the logits to every trainable variable, received none for b",
        ),
        (  # no variable at all
            model_file("tf.zeros([tf.shape(x)[0], 10])", "pass"),
            "expected a trainable tf.Variable, received none: hold the weights in tf.Variables",
        ),
        (  # NumPy logits: 15 lines of autograph's stack
            model_file(f"({FLAT}).numpy()"),
            "expected a tf.Tensor of (2, 10) logits, received numpy.ndarray: .numpy() or NumPy in "
            "__call__? TensorFlow operations only: no .numpy(), no NumPy on tensors",
        ),
        (  # runs eagerly only
            model_file("tf.reshape(x, [int(x.numpy().shape[0]), 784]) @ self.w"),
            "expected a model that runs in a tf.function, as tfdojo trains it, received "
            "{path}:7: AttributeError: 'SymbolicTensor' object has no attribute 'numpy': "
            "TensorFlow operations only",
        ),
        (  # integer logits
            model_file(
                "tf.zeros([tf.shape(x)[0], 10], tf.int32) + tf.cast(self.w[0, :1], tf.int32)"
            ),
            "expected (2, 10) float logits for 2 images, received int32 of shape (2, 10)",
        ),
        (  # an exception of the learner's code, at its line, as a run of it would raise it
            model_file("undefined_name"),
            "calling the model: {path}:7: NameError: name 'undefined_name' is not defined",
        ),
        (  # the file ends the program when imported: it was exit 0, nothing trained
            "import sys\nsys.exit(0)\n",
            "--model: {path}:2: SystemExit: 0: importing the file ended the program; expected a "
            "file that defines ConvNet (put the rest under `if __name__ == '__main__':`)",
        ),
        (
            model_file(FLAT, "raise SystemExit(3)"),
            "could not build the model: {path}:5: SystemExit: 3",
        ),
    ],
    ids=[
        "batch",
        "no-gradient",
        "unused-variable",
        "no-variable",
        "numpy",
        "eager-only",
        "int-logits",
        "name-error",
        "exit-at-import",
        "exit-in-init",
    ],
)
def test_a_model_breaking_the_contract_is_one_line(tiny_dataset, tmp_path, capsys, source, message):
    path = tmp_path / "mine.py"
    path.write_text(source)
    argv = ["train", "--data", str(tiny_dataset), "--model", f"{path}:ConvNet"]
    assert main([*argv, "--out", str(tmp_path / "run"), "--epochs", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("tfdojo: error: ") and message.format(path=path) in err, err
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_a_folder_or_a_missing_file_as_the_model_is_one_line(tmp_path, capsys):
    folder = tmp_path / "dirmodel.py"
    folder.mkdir()
    for command in (["train"], ["evaluate", str(tmp_path / "run")]):
        option = "--model" if command == ["train"] else "--model-code"
        assert main([*command, option, f"{folder}:M"]) == 2
        assert capsys.readouterr().err == (
            f"tfdojo: error: {option}: {folder} is a folder; expected a Python file PATH.py:M\n"
        )
    assert main(["params", "--model", "missing.py:M"]) == 2
    assert capsys.readouterr() == ("", "tfdojo: error: --model: missing.py does not exist\n")
    assert main(["shapes", "--model", f"{folder}:M"]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_params_of_a_model_of_ones_own_is_refused_not_a_table(tmp_path, capsys):
    (tmp_path / "mine.py").write_text(CONVNET)
    assert main(["params", "--model", f"{tmp_path / 'mine.py'}:ConvNet"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"tfdojo: error: --model: ConvNet of {tmp_path / 'mine.py'} is a model of your own: its "
        "layers are its own, unknown to tfdojo's calculator (it knows logistic, mlp, cnn_course, "
        f"lenet5, cnn); `tfdojo train --model {tmp_path / 'mine.py'}:ConvNet` reports its "
        "parameter count\n"
    )


def test_the_katas_convnet_trains_and_compares_with_the_builtin_one(tiny_dataset, tmp_path, capsys):
    """The dojo's end: the learner's kata-13 convnet through tfdojo, against tfdojo's own."""
    dojo = tmp_path / "dojo"
    assert main(["kata", "start", str(dojo)]) == 0
    assert main(["kata", "solve", "convnet", "--dir", str(dojo)]) == 0
    code = f"{dojo / '13_convnet.py'}:ConvNet"
    mine, builtin = tmp_path / "mine", tmp_path / "builtin"
    data = ["--data", str(tiny_dataset), "--epochs", "2", "--quiet"]
    assert main(["train", "--model", code, "--out", str(mine), *data, "--report"]) == 0
    assert main(["train", "--model", "cnn_course", "--out", str(builtin), *data]) == 0
    capsys.readouterr()
    metrics = json.loads((mine / "metrics.json").read_text())
    assert (metrics["params"], metrics["precision"]) == (57_722, "float32")  # auto: float32
    assert (mine / "report" / "report.html").is_file()
    assert main(["compare", str(builtin), str(mine), "--model-code", code, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["b_accuracy"] == metrics["test_accuracy"]
    assert out["n"] == metrics["test_n"]


def test_bfloat16_asked_of_a_float32_model_is_one_line(learner_run, tiny_dataset, tmp_path, capsys):
    root, _ = learner_run
    argv = ["train", "--data", str(tiny_dataset), "--model", f"{root / 'mine.py'}:ConvNet"]
    argv += ["--out", str(tmp_path / "run"), "--precision", "bfloat16", "--epochs", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{root / 'mine.py'}:21: InvalidArgumentError" in err, err


def test_a_replicated_model_of_ones_own_is_tried_in_a_replica(tiny_dataset, tmp_path):
    """Under --strategy mirrored its variables are mirrored, read in a replica only: the
    contract's gradient is taken there (it raised ValueError outside one)."""
    two = "self.w = tf.Variable(tf.zeros([784, 10])); self.b = tf.Variable(tf.zeros([10]))"

    def train_mirrored(name: str, source: str) -> subprocess.CompletedProcess:
        path = tmp_path / f"{name}.py"
        path.write_text(source)
        argv = [sys.executable, "-m", "tfdojo", "train", "--data", str(tiny_dataset)]
        argv += ["--model", f"{path}:ConvNet", "--out", str(tmp_path / name), "--epochs", "1"]
        argv += ["--quiet", "--strategy", "mirrored", "--devices", "2"]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)

    unused = train_mirrored("unused", model_file(FLAT, two))
    assert (unused.returncode, unused.stderr) == (
        2,
        f"tfdojo: error: {tmp_path / 'unused.py'}:ConvNet: expected a gradient from the logits "
        "to every trainable variable, received none for b: use each tf.Variable in __call__ "
        "(or make it trainable=False), with TensorFlow operations: the tape does not see NumPy\n",
    )
    good = train_mirrored("good", model_file(f"{FLAT} + self.b", two))
    assert good.returncode == 0, good.stderr
    metrics = json.loads((tmp_path / "good" / "metrics.json").read_text())
    assert (metrics["params"], metrics["replicas"]) == (7850, 2)
