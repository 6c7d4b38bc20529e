"""Optimisers of the NumPy engine: the TF trainer's update rules, on dicts of arrays.

SGD with momentum mu (plain SGD when mu = 0)::

    v <- mu * v - lr * g
    theta <- theta + v

Adam (b1 = 0.9, b2 = 0.999, eps = 1e-7, as the TF trainer)::

    m <- b1 m + (1 - b1) g;   s <- b2 s + (1 - b2) g^2
    theta <- theta - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(s) + eps)

The learning rate of each step comes from :func:`tfdojo.training.train.learning_rates`, the same
schedule the TF engine follows. Every optimiser's state is a dict of arrays
(:meth:`state` / :meth:`load_state`) so a run can checkpoint it without pickle.
"""

from __future__ import annotations

import math

import numpy as np


class SGD:
    """Minibatch SGD with momentum, updating ``params`` in place."""

    def __init__(self, params: dict[str, np.ndarray], momentum: float = 0.9):
        self.momentum = momentum
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()} if momentum else {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float) -> None:
        """One update of every parameter with its gradient at learning rate ``lr``."""
        for k, g in grads.items():
            if self.momentum:
                v = self.velocity[k]
                v *= self.momentum
                v -= lr * g  # v <- mu v - lr g
                params[k] += v  # theta <- theta + v
            else:
                params[k] -= lr * g  # theta <- theta - lr g

    def state(self) -> dict[str, np.ndarray]:
        return {f"velocity/{k}": v for k, v in self.velocity.items()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        for k in self.velocity:
            self.velocity[k][...] = state[f"velocity/{k}"]


class Adam:
    """Adam (Kingma & Ba, 2015), bias corrections folded into the step size."""

    b1, b2, eps = 0.9, 0.999, 1e-7

    def __init__(self, params: dict[str, np.ndarray]):
        self.t = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.s = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float) -> None:
        self.t += 1
        size = lr * math.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        for k, g in grads.items():
            m, s = self.m[k], self.s[k]
            m *= self.b1
            m += (1 - self.b1) * g  # m <- b1 m + (1 - b1) g
            s *= self.b2
            s += (1 - self.b2) * g * g  # s <- b2 s + (1 - b2) g^2
            params[k] -= size * m / (np.sqrt(s) + self.eps)

    def state(self) -> dict[str, np.ndarray]:
        out = {"t": np.array(self.t)}
        out.update({f"m/{k}": v for k, v in self.m.items()})
        out.update({f"s/{k}": v for k, v in self.s.items()})
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        for k in self.m:
            self.m[k][...] = state[f"m/{k}"]
            self.s[k][...] = state[f"s/{k}"]


def make_optimizer(name: str, params: dict[str, np.ndarray], momentum: float = 0.9):
    """``"sgd"`` (with ``momentum``) or ``"adam"``, as ``TrainConfig.optimizer``."""
    return Adam(params) if name == "adam" else SGD(params, momentum)
