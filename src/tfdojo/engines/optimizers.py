"""The optimisers of the TensorFlow engines, as update rules on named variables.

Read them beside :mod:`tfdojo.scratch.optim`, the same rules in NumPy: both have
``step(params, grads, lr)`` over dicts ``{"conv1.w": variable, ...}``::

    SGD + momentum:  v <- momentum * v - lr * g;   theta <- theta + v
    Adam:            m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) g^2
                     theta <- theta - lr * m_hat / (sqrt(s_hat) + eps)
"""

from __future__ import annotations

import tensorflow as tf


class SGD(tf.Module):
    """Minibatch SGD with momentum ``mu``, updating ``params`` in place (plain SGD when 0)::

    v <- mu * v - lr * g
    theta <- theta + v

    With ``fused`` (the default), TensorFlow's ``ResourceApplyKerasMomentum`` kernel does
    both lines in one pass over each tensor (as PyTorch's fused SGD does): the update is
    memory-bound, and the five separate ops (two products, a difference, two writes) cost
    an MLP a fifth of its step. Variables replicated by ``tf.distribute`` use the ops.
    """

    def __init__(self, params: dict[str, tf.Variable], momentum: float = 0.9, fused: bool = True):
        super().__init__(name="sgd")
        self.momentum = momentum
        self.fused = fused
        zeros = {k: tf.Variable(tf.zeros_like(v)) for k, v in params.items()} if momentum else {}
        self.velocity = zeros  # v, one per parameter (none for plain SGD)

    def step(self, params: dict[str, tf.Variable], grads: dict[str, tf.Tensor], lr) -> None:
        """One update of every parameter with its gradient at learning rate ``lr``."""
        for k, g in grads.items():
            if self.momentum and self.fused:  # the two lines below, in one kernel
                tf.raw_ops.ResourceApplyKerasMomentum(
                    var=params[k].handle,
                    accum=self.velocity[k].handle,
                    lr=tf.cast(lr, g.dtype),
                    grad=g,
                    momentum=tf.constant(self.momentum, g.dtype),
                )
            elif self.momentum:
                v = self.velocity[k]
                v.assign(self.momentum * v - lr * g)  # v <- mu v - lr g
                params[k].assign_add(v)  # theta <- theta + v
            else:
                params[k].assign_sub(lr * g)  # theta <- theta - lr g


class Adam(tf.Module):
    """Adam (Kingma & Ba, 2015), bias corrections folded into the step size::

    m <- b1 m + (1 - b1) g;   s <- b2 s + (1 - b2) g^2
    theta <- theta - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(s) + eps)
    """

    b1, b2, eps = 0.9, 0.999, 1e-7

    def __init__(self, params: dict[str, tf.Variable]):
        super().__init__(name="adam")
        self.t = tf.Variable(0.0)
        self.m = {k: tf.Variable(tf.zeros_like(v)) for k, v in params.items()}
        self.s = {k: tf.Variable(tf.zeros_like(v)) for k, v in params.items()}

    def step(self, params: dict[str, tf.Variable], grads: dict[str, tf.Tensor], lr) -> None:
        t = self.t.assign_add(1.0)
        size = lr * tf.sqrt(1 - self.b2**t) / (1 - self.b1**t)
        for k, g in grads.items():
            m, s = self.m[k], self.s[k]
            m.assign(self.b1 * m + (1 - self.b1) * g)  # m <- b1 m + (1 - b1) g
            s.assign(self.b2 * s + (1 - self.b2) * tf.square(g))  # s <- b2 s + (1 - b2) g^2
            params[k].assign_sub(size * m / (tf.sqrt(s) + self.eps))


def make_optimizer(
    name: str, params: dict[str, tf.Variable], momentum: float = 0.9, fused: bool = True
):
    """``"sgd"`` (with ``momentum``) or ``"adam"``, as ``TrainConfig.optimizer``."""
    return Adam(params) if name == "adam" else SGD(params, momentum, fused)
