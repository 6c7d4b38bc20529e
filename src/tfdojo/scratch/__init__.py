"""The NumPy engine: every layer's forward and backward pass by hand, checked against TensorFlow.

- :mod:`tfdojo.scratch.layers`: ``forward(x, params) -> (out, cache)`` and
  ``backward(dout, cache) -> grads`` for affine, ReLU, softmax cross-entropy, conv2d,
  max-pool, flatten, dropout and L2;
- :mod:`tfdojo.scratch.models`: :class:`Model`, the lesson models (logistic, mlp, cnn) from
  the same configs and initial weights as :mod:`tfdojo.models`;
- :mod:`tfdojo.scratch.optim`: :class:`SGD` with momentum and :class:`Adam`;
- :mod:`tfdojo.engines.numpy_engine`: the training step of ``tfdojo train --engine numpy``;
- :mod:`tfdojo.scratch.gradcheck`: central finite differences, the oracle of the tests.

Nothing here imports TensorFlow but exporting a trained model
(:meth:`tfdojo.engines.numpy_engine.NumpyEngine.final_model`).
"""

from tfdojo.scratch.gradcheck import numerical_gradient, relative_error
from tfdojo.scratch.models import Model, normalize
from tfdojo.scratch.optim import SGD, Adam, make_optimizer

__all__ = [
    "SGD",
    "Adam",
    "Model",
    "make_optimizer",
    "normalize",
    "numerical_gradient",
    "relative_error",
]
