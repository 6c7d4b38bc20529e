"""A trained model in the formats other tools read: SavedModel, TF Lite, Keras.

Every format takes what tfdojo's models take and gives what they give::

    images uint8 (N, 28, 28), white glyph on black  ->  probabilities float32 (N, 10)

so a phone app (TF Lite), TF Serving (SavedModel) or Keras code gets the same answers as
``tfdojo predict``. Each file or folder is written beside its destination under a
temporary name and renamed into place, so an interrupted export leaves nothing that
loads. ``tfdojo export RUN --format tflite --out letters.tflite``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tfdojo.core.atomic import ensure_dir, umask, write_bytes
from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.tf_setup import quiet_tensorflow
from tfdojo.models.init import PIXEL_OFFSET, PIXEL_SCALE
from tfdojo.models.keras_twin import keras_model

FORMATS = ("savedmodel", "tflite", "keras")


def _serving_module(model):
    """A tf.Module whose ``serve(images uint8 (N, 28, 28))`` returns the probabilities."""
    import tensorflow as tf  # TensorFlow: every run imports this module

    from tfdojo.models.layers import normalize  # TensorFlow

    module = tf.Module()
    module.model = model

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.uint8, name="images")])
    def serve(images):
        return {"probabilities": tf.nn.softmax(model(normalize(images)))}

    module.serve = serve
    return module


def saved_model(model, dest: str | os.PathLike) -> Path:
    """A SavedModel folder whose ``serving_default`` maps ``images`` uint8 (N, 28, 28) to
    ``probabilities`` float32 (N, 10). A folder already at ``dest`` is replaced.

    Raises:
        TfdojoError: the folder could not be written (disk full, permissions).
    """
    import tensorflow as tf  # TensorFlow: every run imports this module

    dest = Path(dest)
    ensure_dir(dest.parent)
    module = _serving_module(model)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        try:
            with quiet_tensorflow("WARNING"):  # no "INFO: Assets written to ..."
                tf.saved_model.save(module, str(tmp), signatures={"serving_default": module.serve})
        except (tf.errors.OpError, OSError) as exc:
            raise TfdojoError(
                f"{dest}: could not write the SavedModel ({first_line(exc)})"
            ) from None
        os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it 0700
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}-old.", dir=dest.parent))
            os.replace(dest, old / dest.name)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def tflite(model, dest: str | os.PathLike) -> Path:
    """A TF Lite flat buffer: input ``images`` uint8 (N, 28, 28), output float32 (N, 10).

    Run it with ``tf.lite.Interpreter`` (or ``ai_edge_litert``): resize the input to
    (N, 28, 28), ``set_tensor``, ``invoke``, ``get_tensor``.
    """
    import tensorflow as tf  # TensorFlow: every run imports this module

    module = _serving_module(model)
    concrete = module.serve.get_concrete_function()
    try:
        converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], module)
        flat = converter.convert()
    except Exception as exc:  # noqa: BLE001 - the converter raises many kinds
        raise TfdojoError(
            f"{dest}: TF Lite could not convert the model ({first_line(exc)})"
        ) from None
    return write_bytes(dest, flat)


def keras_file(model_cfg, weights: dict, dest: str | os.PathLike) -> Path:
    """A ``.keras`` file (Keras 3) of the same layers and weights, taking uint8 images.

    ``keras.saving.load_model(path)`` opens it in safe mode: every layer is a built-in
    one (``Rescaling`` does the ``(p - 127.5) / 255`` scaling, ``Softmax`` the end).

    Raises:
        TfdojoError: a learner's own model (its layers are not Keras layers).
    """
    import keras  # Keras: for a .keras export only

    if model_cfg.source:
        raise TfdojoError(
            f"--format keras: exports tfdojo's own models; {model_cfg.source} is a tf.Module "
            "of your own: export it as savedmodel or tflite"
        )
    dest = Path(dest)
    if dest.suffix != ".keras":
        raise TfdojoError(f"--out: a Keras file's name ends in .keras, received {str(dest)!r}")
    twin = keras_model(model_cfg, weights)
    inputs = keras.Input((28, 28), dtype="uint8", name="images")
    x = keras.layers.Rescaling(1 / PIXEL_SCALE, offset=-PIXEL_OFFSET / PIXEL_SCALE)(inputs)
    x = keras.layers.Reshape((28, 28, 1))(x)
    probabilities = keras.layers.Softmax(name="probabilities")(twin(x))
    whole = keras.Model(inputs, probabilities, name=model_cfg.name)
    ensure_dir(dest.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".keras", dir=dest.parent)
    os.close(fd)
    try:
        whole.save(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, dest)
    except OSError as exc:
        raise TfdojoError(
            f"{dest}: could not write the Keras file ({exc.strerror or exc})"
        ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def export(run, fmt: str, out: str | os.PathLike) -> Path:
    """Write ``run``'s model (a :class:`tfdojo.runs.Run`) as ``fmt`` to ``out``.

    Raises:
        TfdojoError: an unknown format, or one the model cannot be written in.
    """
    if fmt not in FORMATS:
        raise TfdojoError(f"--format: expected one of {', '.join(FORMATS)}, received {fmt!r}")
    model = run.model()
    if fmt == "savedmodel":
        return saved_model(model, out)
    if fmt == "tflite":
        return tflite(model, out)
    return keras_file(run.model_config(), model.get_weights(), out)
