"""The same architectures in Keras layers: an independent oracle, and the benchmark's Keras side.

``keras_model(cfg)`` stacks ``keras.layers`` from the same layer list
(:func:`tfdojo.models.shapes.layers`) as the tf.Module models, so the two can be compared
output for output (the tests do) and speed for speed (``benchmarks/train_throughput.py``).
Inputs are float32 (N, 28, 28, 1) scaled like the models' (``x = (p - 127.5) / 255``).
"""

from __future__ import annotations

import numpy as np

from tfdojo.models.shapes import layers as layer_specs
from tfdojo.models.spec import ModelConfig


def keras_model(cfg: ModelConfig, weights: dict[str, np.ndarray] | None = None):
    """A ``keras.Sequential`` of ``cfg``'s layers, holding ``weights`` if given.

    Args:
        cfg: the architecture.
        weights: ``{"<layer>.<w|b>": array}`` as ``Model.get_weights()`` returns them.
    """
    import keras  # Keras: for the twin only, not for tfdojo's own models

    specs = layer_specs(cfg)
    stack = [keras.Input((28, 28, 1))]
    for spec in specs:
        if spec.kind == "conv":
            stack.append(
                keras.layers.Conv2D(
                    spec.output_shape[-1],
                    spec.size,
                    spec.stride,
                    spec.padding.lower(),
                    activation="relu",
                )
            )
        elif spec.kind == "pool":
            stack.append(keras.layers.MaxPool2D(spec.size, spec.stride, "same"))
        elif spec.kind == "flatten":
            stack.append(keras.layers.Flatten())
        else:  # dense: the logistic model and MLPs flatten the image first
            if len(stack) == 1:
                stack.append(keras.layers.Flatten())
            act = "relu" if spec.relu else None
            stack.append(keras.layers.Dense(spec.output_shape[0], activation=act))
    model = keras.Sequential(stack)
    if weights is not None:
        names = [s.name for s in specs if s.weights]
        model.set_weights([weights[f"{n}.{k}"] for n in names for k in ("w", "b")])
    return model
