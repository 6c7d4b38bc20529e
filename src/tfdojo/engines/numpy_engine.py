"""One training step in NumPy: the TensorFlow engine's step with every gradient by hand.

Read it beside :mod:`tfdojo.engines.tensorflow_engine`: the same
:class:`~tfdojo.engines.contract.Engine`, driven by the same loop
(:func:`tfdojo.training.loop.fit`), from the same initial weights (same seed), on the
same shuffled batches and learning rates (:mod:`tfdojo.training.settings`), with the same
update rules (:mod:`tfdojo.scratch.optim`). One step on a batch (X, y) of B images (each
jittered first when ``cfg.jitter``: :func:`tfdojo.engines.jitter.warp_numpy`)::

    loss = mean_i CE(softmax(f(X_i)), y_i) + weight_decay * sum_W ||W||^2 / 2
    g    = d loss / d theta                         (Model.backward: the chain rule)
    v <- momentum * v - lr * g;   theta <- theta + v

The run folder is the same as the TensorFlow engine's: the trained weights are put into
the TensorFlow model of the same config for export (:meth:`NumpyEngine.final_model`), so
evaluation cannot tell the engines apart. Only the checkpoint differs:
``ckpt/numpy.npz`` (arrays only, loaded without pickle).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from tfdojo import models
from tfdojo.core.atomic import atomic_open
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import Headers, load_npz
from tfdojo.engines import jitter
from tfdojo.engines.contract import Engine, TrainState
from tfdojo.scratch import layers as L
from tfdojo.scratch.models import Model, normalize
from tfdojo.scratch.optim import make_optimizer

CHECKPOINT = "numpy.npz"


class NumpyEngine(Engine):
    """The NumPy engine: a :class:`~tfdojo.scratch.models.Model`, its optimiser, its images.

    Args:
        cfg: the run's :class:`tfdojo.training.settings.TrainConfig` (``engine == "numpy"``).
        images: uint8 (N, 28, 28) training images; labels: (N,) 0..9.
    """

    name = "numpy"

    def __init__(self, cfg, images: np.ndarray, labels: np.ndarray):
        self.cfg = cfg
        self.model = Model(cfg.model, seed=cfg.seed)  # float32, the TF model's initial weights
        self.optimizer = make_optimizer(cfg.optimizer, self.model.params, cfg.momentum)
        self.step = 0
        self.images = images
        self.labels = labels.astype(np.int64)
        self.best = self.model.get_weights()

    # -- one step ------------------------------------------------------------------------
    def train_step(self, X: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, int]:
        """One step on a batch: forward, loss, gradients by hand, update.

        Args:
            X: float32 (B, 28, 28) images in [-0.5, 0.5]; y: int (B,) classes; lr: float.

        Returns:
            ``(loss summed over the batch, correct predictions)`` (L2 not included).
        """
        cfg = self.cfg
        rng = np.random.default_rng([cfg.seed, self.step]) if cfg.dropout else None
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite loss is the loop's
            total, grads, logits = self.model.loss_and_grads(
                X, y, cfg.weight_decay, cfg.dropout, rng
            )
        self.optimizer.step(self.model.params, grads, lr)
        self.step += 1
        ce = total  # reported without the L2 term, as the TF engine
        if cfg.weight_decay:
            with np.errstate(over="ignore", invalid="ignore"):
                ce, _ = L.softmax_cross_entropy_forward(logits, y)
        return ce * len(y), int((logits.argmax(1) == y).sum())

    def batch_step(self, idx: np.ndarray, lr: float) -> tuple[float, int]:
        """:meth:`train_step` on the training images at indices ``idx`` (B,)."""
        X = normalize(self.images[idx])  # (B, 28, 28) float32 in [-0.5, 0.5]
        if self.cfg.jitter:  # the TensorFlow engine's warp, its numbers from NumPy's generator
            rng = np.random.default_rng([self.cfg.seed, self.step, jitter.SALT])
            X = jitter.warp_numpy(X, rng.uniform(-1, 1, (len(idx), 5)), self.cfg.jitter)
        y = self.labels[idx]  # (B,)
        return self.train_step(X, y, lr)

    def train_steps(self, batches: np.ndarray, rates: np.ndarray) -> tuple[float, int]:
        loss_sum, correct = 0.0, 0
        for idx, lr in zip(batches, rates):
            loss, hits = self.batch_step(idx, float(lr))
            loss_sum, correct = loss_sum + loss, correct + hits
        return loss_sum, correct

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        loss, correct = 0.0, 0
        bs = self.cfg.eval_batch_size
        for i in range(0, len(images), bs):
            X = normalize(images[i : i + bs], self.model.dtype.type)  # (B, 28, 28)
            y = labels[i : i + bs].astype(np.int64)  # (B,)
            logits, _ = self.model.forward(X)  # (B, 10)
            ce, _ = L.softmax_cross_entropy_forward(logits, y)
            loss += ce * len(y)
            correct += int((logits.argmax(1) == y).sum())
        n = max(len(images), 1)
        return loss / n, correct / n

    # -- the best epoch, checkpoints, export -------------------------------------------------
    def take_best(self) -> None:
        self.best = self.model.get_weights()

    def restore_best(self) -> None:
        self.model.set_weights(self.best)

    def save(self, folder: Path, state: TrainState) -> None:
        """``folder/numpy.npz``: weights, optimiser slots, the best weights and ``state``."""
        arrays = {f"params/{k}": v for k, v in self.model.params.items()}
        arrays.update({f"opt/{k}": v for k, v in self.optimizer.state().items()})
        arrays.update({f"best/{k}": v for k, v in self.best.items()})
        arrays.update({k: np.array(v) for k, v in dataclasses.asdict(state).items()})
        with atomic_open(Path(folder) / CHECKPOINT, "wb") as f:
            np.savez(f, **arrays)

    def restore(self, folder: Path) -> TrainState | None:
        path = Path(folder) / CHECKPOINT
        if not path.exists():
            return None
        params = sum(v.size for v in self.model.params.values())
        try:  # weights, best weights and at most three optimiser slots per weight, as float64
            arrays = load_npz(path, 8 * 5 * params + (1 << 20), check=self._check_checkpoint)
            self.model.set_weights({k: arrays[f"params/{k}"] for k in self.model.params})
            self.optimizer.load_state({k[4:]: v for k, v in arrays.items() if k.startswith("opt/")})
            self.best = {k: arrays[f"best/{k}"] for k in self.best}
            state = TrainState(
                **{k: arrays[k].item() for k in ("epoch", "best_accuracy", "best_epoch")}
            )
        except (ValueError, KeyError, TfdojoError) as exc:
            raise TfdojoError(
                f"{path}: checkpoint is corrupt or does not fit this model ({str(exc)[:200]}); "
                "start again with --overwrite"
            ) from None
        self.step = state.epoch * (len(self.labels) // self.cfg.batch_size)  # every epoch's
        return state

    def _check_checkpoint(self, headers: Headers) -> None:
        """The checkpoint's weights must be this model's, by name and shape, before it is read."""
        for prefix in ("params/", "best/"):
            for k, v in self.model.params.items():
                shape = headers.get(prefix + k, (None,))[0]
                if shape != v.shape:
                    raise TfdojoError(f"{prefix}{k} expects shape {v.shape}, received {shape}")

    def get_weights(self) -> dict[str, np.ndarray]:
        return self.model.get_weights()

    def final_model(self):
        """The TensorFlow model of the same config holding these weights, to export and test."""
        tf_model = models.build(self.cfg.model, seed=self.cfg.seed)
        tf_model.set_weights(self.model.get_weights())
        return tf_model
