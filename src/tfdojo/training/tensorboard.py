"""TensorBoard: what each run logs per epoch, and ``tfdojo tensorboard`` to look at it.

Every run writes ``RUN/tensorboard/`` with TensorFlow's own ``tf.summary.write`` and the
plugins' metadata, so tfdojo does not need the ``tensorboard`` package to *write* logs:

- scalars: ``loss/train``, ``loss/valid``, ``accuracy/train``, ``accuracy/valid``,
  ``lr``, ``examples_per_second``;
- images: the first layer's weights after each epoch, red for positive and blue for
  negative, as in the report (the logistic model's ten 28x28 templates, an MLP's first
  hidden units, a convnet's first filters), so one can watch them form.

To *look*, TensorBoard itself is an extra: ``pip install 'tfdojo[tensorboard]'``, then
``tfdojo tensorboard runs`` (it serves on 127.0.0.1 only).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo.core import bounds
from tfdojo.core.errors import TfdojoError
from tfdojo.models.first_layer import first_layer
from tfdojo.training.loop import Callback, FitResult, Training

MAX_IMAGES = 16  # weight images per epoch
TAGS = {
    "templates": "weights/templates",
    "hidden_units": "weights/hidden_units",
    "filters": "weights/first_filters",
}


class TensorBoard(Callback):
    """After each epoch, its scalars into ``logdir``, and the first layer's weights as images
    after epochs 1, 2, 4, 8, ... and the last (:func:`write_summaries`: 11 ms an epoch, most
    of a tiny epoch's time); :meth:`close` at the end, on every path."""

    def __init__(self, logdir: str | os.PathLike):
        self.logdir = Path(logdir)
        self.writer = None

    def on_train_begin(self, training: Training) -> None:
        import tensorflow as tf  # the loop's engine has imported it, with its threads set

        self.writer = tf.summary.create_file_writer(str(self.logdir))

    def on_epoch_end(self, training: Training, row: dict[str, Any]) -> None:
        epoch, last = row["epoch"], training.cfg.epochs
        pictured = (epoch & (epoch - 1)) == 0 or epoch == last or training.stop  # 1, 2, 4, 8, ...
        write_summaries(self.writer, row, training.engine.get_weights() if pictured else None)

    def on_train_end(self, training: Training, result: FitResult) -> None:
        self.close()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def weight_images(weights: dict[str, np.ndarray]) -> tuple[str, np.ndarray] | None:
    """``(tag, uint8 (K, H, W, 3))``: the first layer's weights as RGB images, or ``None``.

    W (784, 10) or W1 (784, hidden): each column as a 28x28 image; a kernel
    (k, k, 1, depth): each filter as a k x k image. One colour scale per image set:
    white is 0, red the largest positive weight, blue the most negative.
    """
    layer = first_layer(weights)
    if layer is None:
        return None
    w = layer.w
    if layer.kind == "filters":
        tiles = np.moveaxis(w[:, :, 0, :MAX_IMAGES], -1, 0)  # (k, k, 1, depth) -> (depth, k, k)
    else:
        tiles = w[:, :MAX_IMAGES].T.reshape(-1, 28, 28)  # (784, units) -> (units, 28, 28)
    tag = TAGS[layer.kind]
    v = tiles / (float(np.abs(tiles).max()) or 1.0)  # [-1, 1]
    red = np.where(v < 0, 1 + v, 1.0)  # white at 0, blue below, red above
    blue = np.where(v > 0, 1 - v, 1.0)
    green = 1 - np.abs(v)
    return tag, np.round(np.stack([red, green, blue], axis=-1) * 255).astype(np.uint8)


def write_summaries(writer, row: dict[str, Any], weights: dict[str, np.ndarray] | None = None):
    """One epoch's scalars (and the first layer's weights as images) into ``writer``."""
    import tensorflow as tf  # TensorFlow: `tfdojo tensorboard` needs none
    from tensorflow.core.framework import summary_pb2  # TensorFlow

    scalars = summary_pb2.SummaryMetadata()
    scalars.plugin_data.plugin_name = "scalars"  # TensorBoard's scalar plugin, version 0
    values = {"lr": row["lr"], "examples_per_second": row["examples_per_second"]}
    for split in ("train", "valid"):
        values[f"loss/{split}"] = row[f"{split}_loss"]
        values[f"accuracy/{split}"] = row[f"{split}_accuracy"]
    with writer.as_default():
        step = row["epoch"]
        for tag, value in values.items():
            tf.summary.write(tag, tf.constant(value, tf.float32), step=step, metadata=scalars)
        images = weight_images(weights) if weights else None
        if images is not None:
            tag, rgb = images
            meta = summary_pb2.SummaryMetadata()
            meta.plugin_data.plugin_name = "images"  # the image plugin: [width, height, png...]
            scale = max(1, 56 // rgb.shape[1])  # blocks of pixels: a 3x3 filter shows as 54x54
            rgb = rgb.repeat(scale, axis=1).repeat(scale, axis=2)
            size = [str(rgb.shape[2]).encode(), str(rgb.shape[1]).encode()]
            pngs = [tf.io.encode_png(image) for image in rgb]
            tensor = tf.stack([tf.constant(s) for s in size] + pngs)
            tf.summary.write(tag, tensor, step=step, metadata=meta)
    writer.flush()


def serve(logdir: str | os.PathLike, host: str = "127.0.0.1", port: int = 6006) -> str:
    """Start TensorBoard on ``logdir`` in this process; return its URL.

    Args:
        port: 0..65535 (0: a free port).

    Raises:
        TfdojoError: TensorBoard is not installed, ``logdir`` is not a folder, or ``port``
            is outside 0..65535 or in use.
    """
    bounds.whole("--port", port, 0, 65535, "a port number")
    logdir = Path(logdir)
    if not logdir.is_dir():
        raise TfdojoError(f"RUNS: {logdir} is not a folder; expected runs (or one run) to show")
    try:
        from tensorboard import program  # an extra: pip install 'tfdojo[tensorboard]'
    except ImportError:
        raise TfdojoError(
            "TensorBoard is not installed; install it with: pip install 'tfdojo[tensorboard]'"
        ) from None
    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", str(logdir), "--host", host, "--port", str(port)])
    try:
        return board.launch()
    except program.TensorBoardServerException as exc:
        raise TfdojoError(f"--port: {exc.msg}") from None
