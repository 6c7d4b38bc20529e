"""A trained model in the formats other tools read: SavedModel, TF Lite, Keras.

Every format takes what tfdojo's models take and gives what they give::

    images uint8 (N, 28, 28), white glyph on black  ->  probabilities float32 (N, 10)

so a phone app (TF Lite), TF Serving (SavedModel) or Keras code gets the same answers as
``tfdojo predict``. Each file or folder is written beside its destination under a
temporary name and renamed into place, so an interrupted export leaves nothing that
loads; an existing path is replaced only with ``--overwrite`` and only if it is an export
of tfdojo's (:mod:`tfdojo.core.safe_write`). ``tfdojo export RUN --format tflite --out
letters.tflite``; without ``--out``, ``RUN/export/model.tflite`` (:func:`default_out`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tfdojo import runs
from tfdojo.core.atomic import write_bytes
from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.safe_write import KERAS, TFLITE, Output, inside, new_folder, prepare
from tfdojo.core.tf_setup import quiet_tensorflow
from tfdojo.models.init import PIXEL_OFFSET, PIXEL_SCALE
from tfdojo.models.keras_twin import keras_model

FORMATS = ("savedmodel", "tflite", "keras")
EXPORT_DIR = "export"
"""``RUN/export/``: where ``tfdojo export RUN`` writes without ``--out``."""
DEFAULT_NAMES = {"tflite": "model.tflite", "keras": "model.keras", "savedmodel": "savedmodel"}


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


def _run_model_folder(path: Path) -> bool:
    """A run's own ``RUN/model/`` written before folders carried tfdojo's marker."""
    return path.name == runs.SAVED_MODEL and runs.is_run(path.parent)


SAVEDMODEL = Output("savedmodel", "a SavedModel folder", recognise=_run_model_folder)
"""A SavedModel folder tfdojo wrote: its ``.tfdojo`` marker, or a run's ``model/``."""


def saved_model(model, dest: str | os.PathLike, overwrite: bool = False) -> Path:
    """A SavedModel folder whose ``serving_default`` maps ``images`` uint8 (N, 28, 28) to
    ``probabilities`` float32 (N, 10), written whole or not at all (:func:`new_folder`).

    Args:
        overwrite: replace a SavedModel folder tfdojo wrote at ``dest`` (nothing else).

    Raises:
        TfdojoError: ``dest`` exists (without ``overwrite``, or not tfdojo's SavedModel),
            or the folder could not be written (disk full, permissions).
    """
    import tensorflow as tf  # TensorFlow: every run imports this module

    module = _serving_module(model)
    with new_folder(dest, SAVEDMODEL, overwrite) as tmp:
        try:
            with quiet_tensorflow("WARNING"):  # no "INFO: Assets written to ..."
                tf.saved_model.save(module, str(tmp), signatures={"serving_default": module.serve})
        except (tf.errors.OpError, OSError) as exc:
            raise TfdojoError(
                f"{dest}: could not write the SavedModel ({first_line(exc)})"
            ) from None
    return Path(dest)


def tflite(model, dest: str | os.PathLike, overwrite: bool = False) -> Path:
    """A TF Lite flat buffer: input ``images`` uint8 (N, 28, 28), output float32 (N, 10).

    Run it with ``tf.lite.Interpreter`` (or ``ai_edge_litert``): resize the input to
    (N, 28, 28), ``set_tensor``, ``invoke``, ``get_tensor``. ``overwrite`` replaces a TF
    Lite file at ``dest`` (nothing else).
    """
    import tensorflow as tf  # TensorFlow: every run imports this module

    prepare(dest, TFLITE, overwrite)
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


def keras_file(model_cfg, weights: dict, dest: str | os.PathLike, overwrite: bool = False) -> Path:
    """A ``.keras`` file (Keras 3) of the same layers and weights, taking uint8 images.

    ``keras.saving.load_model(path)`` opens it in safe mode: every layer is a built-in
    one (``Rescaling`` does the ``(p - 127.5) / 255`` scaling, ``Softmax`` the end).
    ``overwrite`` replaces a ``.keras`` file at ``dest`` (nothing else).

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
    prepare(dest, KERAS, overwrite)
    twin = keras_model(model_cfg, weights)
    inputs = keras.Input((28, 28), dtype="uint8", name="images")
    x = keras.layers.Rescaling(1 / PIXEL_SCALE, offset=-PIXEL_OFFSET / PIXEL_SCALE)(inputs)
    x = keras.layers.Reshape((28, 28, 1))(x)
    probabilities = keras.layers.Softmax(name="probabilities")(twin(x))
    whole = keras.Model(inputs, probabilities, name=model_cfg.name)
    try:  # Keras saves to a named file only: saved aside, then written atomically to dest
        with tempfile.TemporaryDirectory(prefix="tfdojo-keras-") as aside:
            whole.save(Path(aside) / "model.keras")
            data = (Path(aside) / "model.keras").read_bytes()
    except OSError as exc:
        raise TfdojoError(
            f"{dest}: could not write the Keras file ({exc.strerror or exc})"
        ) from None
    return write_bytes(dest, data)


def default_out(run_dir: str | os.PathLike, fmt: str) -> Path:
    """Where ``tfdojo export RUN`` writes without ``--out``: ``RUN/export/model.tflite``,
    ``RUN/export/model.keras`` or ``RUN/export/savedmodel/``."""
    return inside(run_dir, EXPORT_DIR, DEFAULT_NAMES[fmt])


def export(run, fmt: str, out: str | os.PathLike | None = None, overwrite: bool = False) -> Path:
    """Write ``run``'s model (a :class:`tfdojo.runs.Run`) as ``fmt`` to ``out``.

    Args:
        out: the file (folder) to write; ``None``: :func:`default_out`, in the run folder,
            where an earlier export of tfdojo's is replaced.
        overwrite: replace an earlier export of tfdojo's at ``out`` (never anything else).

    Raises:
        TfdojoError: an unknown format, one the model cannot be written in, or an ``out``
            that exists (without ``overwrite``, or not an export of tfdojo's).
    """
    if fmt not in FORMATS:
        raise TfdojoError(f"--format: expected one of {', '.join(FORMATS)}, received {fmt!r}")
    if out is None:
        out, overwrite = default_out(run.path, fmt), True
    prepare(out, {"savedmodel": SAVEDMODEL, "tflite": TFLITE, "keras": KERAS}[fmt], overwrite)
    model = run.model()  # after the checks of out: they take no time
    if fmt == "savedmodel":
        return saved_model(model, out, overwrite)
    if fmt == "tflite":
        return tflite(model, out, overwrite)
    return keras_file(run.model_config(), model.get_weights(), out, overwrite)
