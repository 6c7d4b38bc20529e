"""TensorBoard logs: scalars and the first layer's weights as images, per epoch; and
`tfdojo tensorboard` serving them on 127.0.0.1."""

from __future__ import annotations

import io
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from tfdojo.data import dataset
from tfdojo.training import train


def events(run) -> dict[str, list]:
    """``{tag: [(step, plugin, ndarray), ...]}`` from a run's TensorBoard files."""
    import tensorflow as tf

    found: dict[str, list] = {}
    for path in sorted((run / "tensorboard").glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for v in event.summary.value:
                plugin = v.metadata.plugin_data.plugin_name
                found.setdefault(v.tag, []).append((event.step, plugin, tf.make_ndarray(v.tensor)))
    return found


@pytest.fixture(scope="module")
def logged(tiny_dataset, tmp_path_factory):
    data = dataset.load(tiny_dataset)
    root = tmp_path_factory.mktemp("tb")
    for name in ("logistic", "cnn_course"):
        cfg = train.make_config(name, sets=["epochs=2"])
        train.train(cfg, data, root / name, progress=False)
    return root


def test_scalars_every_epoch_and_weight_images(logged):
    from PIL import Image

    logistic = events(logged / "logistic")
    for tag in ("loss/train", "loss/valid", "accuracy/train", "accuracy/valid", "lr"):
        assert [(step, plugin) for step, plugin, _ in logistic[tag]] == [
            (1, "scalars"),
            (2, "scalars"),
        ]
    history = json.loads((logged / "logistic" / "history.json").read_text())["epochs"]
    assert [float(v) for _, _, v in logistic["loss/valid"]] == pytest.approx(
        [r["valid_loss"] for r in history]
    )
    (first, second) = logistic["weights/templates"]
    assert (first[0], first[1]) == (1, "images")
    width, height, *pngs = second[2]
    assert (width, height, len(pngs)) == (b"56", b"56", 10)  # ten 28x28 templates, doubled
    image = Image.open(io.BytesIO(pngs[0]))
    assert image.size == (56, 56) and image.mode == "RGB"
    assert len(np.unique(np.asarray(image).reshape(-1, 3), axis=0)) > 20  # not blank

    width, height, *filters = events(logged / "cnn_course")["weights/first_filters"][-1][2]
    assert (width, height, len(filters)) == (b"55", b"55", 16)  # 5x5 filters, 11x


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tfdojo_tensorboard_serves_the_runs(logged):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tfdojo", "tensorboard", str(logged), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first == f"TensorBoard on {logged}: http://127.0.0.1:{port}/  (Ctrl-C stops it)\n"
        base = f"http://127.0.0.1:{port}/data/plugin"
        deadline = time.monotonic() + 60
        while True:  # TensorBoard reads the logs in the background
            tags = json.loads(urllib.request.urlopen(f"{base}/images/tags", timeout=10).read())
            if "logistic/tensorboard" in tags and "cnn_course/tensorboard" in tags:
                break
            assert time.monotonic() < deadline, tags
            time.sleep(0.5)
        assert "weights/templates" in tags["logistic/tensorboard"]
        scalars = json.loads(urllib.request.urlopen(f"{base}/scalars/tags", timeout=10).read())
        assert "accuracy/valid" in scalars["logistic/tensorboard"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out.strip().endswith("stopped"), (out, err)


def test_a_missing_folder_is_one_line(tmp_path, capsys):
    from tfdojo.cli import main

    assert main(["tensorboard", str(tmp_path / "nope")]) == 2
    assert "is not a folder; expected runs (or one run) to show" in capsys.readouterr().err


def test_weight_images_after_epochs_1_2_4_8_and_the_last_and_no_checkpoints_if_asked(
    tiny_dataset, tmp_path
):
    data = dataset.load(tiny_dataset)
    cfg = train.make_config("logistic", sets=["epochs=10"])
    train.train(cfg, data, tmp_path / "run", progress=False, checkpoints=False)
    logged = events(tmp_path / "run")
    assert [step for step, _, _ in logged["loss/valid"]] == list(range(1, 11))  # every epoch
    assert [step for step, _, _ in logged["weights/templates"]] == [1, 2, 4, 8, 10]
    assert not (tmp_path / "run" / "ckpt").exists()  # a lesson's variant: nothing to resume
