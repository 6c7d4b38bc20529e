"""tfdojo export: the TF Lite and Keras files give what `tfdojo predict` gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfdojo import runs
from tfdojo.cli import main
from tfdojo.data import dataset
from tfdojo.training import train

N = 300  # images compared per format


@pytest.fixture(scope="module")
def cnn_run(tiny_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "run"
    cfg = train.make_config("cnn_course", sets=["epochs=1"])
    train.train(cfg, dataset.load(tiny_dataset), out, progress=False)
    return out


@pytest.fixture(scope="module")
def images(tiny_dataset):
    data = dataset.load(tiny_dataset)
    every = np.concatenate([data.test.images, data.valid.images, data.train.images])
    return every[:N]


@pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated:UserWarning")
def test_tflite_agrees_with_predict(cnn_run, images, tmp_path, capsys):
    import tensorflow as tf

    out = tmp_path / "letters.tflite"
    assert main(["export", str(cnn_run), "--format", "tflite", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out} (tflite)\n"
    interpreter = tf.lite.Interpreter(model_path=str(out))
    (inp,), (outp,) = interpreter.get_input_details(), interpreter.get_output_details()
    assert inp["dtype"] == np.uint8 and outp["dtype"] == np.float32
    interpreter.resize_tensor_input(inp["index"], [len(images), 28, 28])
    interpreter.allocate_tensors()
    interpreter.set_tensor(inp["index"], images)
    interpreter.invoke()
    theirs = interpreter.get_tensor(outp["index"])
    ours = runs.load_model(cnn_run).predict_proba(images)
    assert theirs.shape == (N, 10)
    np.testing.assert_array_equal(theirs.argmax(1), ours.argmax(1))
    np.testing.assert_allclose(theirs, ours, atol=1e-5)


def test_keras_file_loads_in_safe_mode_and_agrees(cnn_run, images, tmp_path):
    import keras

    out = tmp_path / "letters.keras"
    assert main(["export", str(cnn_run), "--format", "keras", "--out", str(out)]) == 0
    model = keras.saving.load_model(out, safe_mode=True)
    theirs = np.asarray(model.predict(images, verbose=0))
    ours = runs.load_model(cnn_run).predict_proba(images)
    np.testing.assert_array_equal(theirs.argmax(1), ours.argmax(1))
    np.testing.assert_allclose(theirs, ours, atol=1e-5)


def test_savedmodel_serves_uint8_images(cnn_run, images, tmp_path):
    import tensorflow as tf

    out = tmp_path / "served"
    assert main(["export", str(cnn_run), "--format", "savedmodel", "--out", str(out)]) == 0
    serve = tf.saved_model.load(str(out)).signatures["serving_default"]
    theirs = serve(images=tf.constant(images))["probabilities"].numpy()
    np.testing.assert_array_equal(theirs, runs.load_model(cnn_run).predict_proba(images))


def test_bad_exports_are_one_line(cnn_run, tmp_path, capsys):
    argv = ["export", str(cnn_run), "--format", "keras", "--out", str(tmp_path / "m.h5")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    bad = tmp_path / "m.h5"
    assert err == f"tfdojo: error: --out: a Keras file's name ends in .keras, received '{bad}'\n"
    assert not (tmp_path / "m.h5").exists()
    assert json.loads((cnn_run / "metrics.json").read_text())["model"] == "cnn_course"


def test_savedmodel_of_a_run_without_model_and_of_an_older_one_with_it(
    cnn_run, images, tmp_path, capsys
):
    """Training writes no ``model/``: ``export --format savedmodel`` makes one on demand, into
    ``RUN/export/savedmodel/`` (replaced by the next); an older run's ``model/`` (unmarked)
    is still tfdojo's: ``--overwrite`` replaces it, nothing else does."""
    import shutil

    import tensorflow as tf

    run = shutil.copytree(cnn_run, tmp_path / "run")
    assert not (run / "model").exists()
    served = run / "export" / "savedmodel"
    for _ in range(2):  # the default out is replaced without --overwrite
        assert main(["export", str(run), "--format", "savedmodel"]) == 0
        assert capsys.readouterr().out == f"wrote {served} (savedmodel)\n"
    serve = tf.saved_model.load(str(served)).signatures["serving_default"]
    theirs = serve(images=tf.constant(images))["probabilities"].numpy()
    np.testing.assert_array_equal(theirs, runs.load_model(run).predict_proba(images))

    shutil.copytree(served, run / "model")  # as an older version left it: no marker
    (run / "model" / ".tfdojo").unlink()
    argv = ["export", str(run), "--format", "savedmodel", "--out", str(run / "model")]
    assert main(argv) == 2
    assert "add --overwrite to replace it" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0
    assert (run / "model" / ".tfdojo").is_file()
