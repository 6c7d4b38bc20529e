"""Lesson 2: fully connected networks (the course's assignment 2).

Full-batch gradient descent against stochastic gradient descent on the logistic model,
then one hidden layer of 1,024 ReLU units; and back-propagation by hand (the NumPy
engine, :mod:`tfdojo.scratch`) checked against TensorFlow's ``GradientTape``.
"""

from __future__ import annotations

import time

import numpy as np

from tfdojo import models
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.scratch.models import Model
from tfdojo.scratch.models import normalize as np_normalize
from tfdojo.teaching.lessons.data import epochs_for_steps
from tfdojo.teaching.lessons.outputs import LessonResult
from tfdojo.teaching.lessons.tables import train_rows
from tfdojo.teaching.lessons.variants import Context, Variant

NUMBER = 2
TITLE = "Fully connected: gradient descent, SGD, one hidden layer"
GD_IMAGES = 10_000  # the course's train_subset for full-batch gradient descent
# The course's network: 1,024 ReLU units, no dropout, a constant learning rate.
MLP_SETS = ["dropout=0", "lr_schedule=constant", "lr=0.05", "momentum=0.9"]


def variants(ctx: Context) -> list[Variant]:
    """GD (every step sees the whole subset), SGD (batches of 128), the 1,024-unit network."""
    n_gd = min(GD_IMAGES, len(ctx.data.train))
    return [
        Variant(
            key="logistic-gd",
            label=f"logistic, gradient descent ({n_gd:,}-image batches)",
            model="logistic",
            sets=[f"batch_size={n_gd}", "momentum=0", "lr=0.5", "lr_schedule=constant"],
            epochs=20 if ctx.quick else 400,  # one step per epoch
            train_n=n_gd,
            course="82.9% (GD)",
        ),
        Variant(
            key="logistic-sgd",
            label="logistic, SGD (batches of 128)",
            model="logistic",
            sets=["batch_size=128", "momentum=0", "lr=0.5", "lr_schedule=constant"],
            epochs=epochs_for_steps(len(ctx.data.train), 128, 30, 30) if ctx.quick else 3,
            course="86.1% (SGD)",
        ),
        Variant(
            key="mlp",
            label="1 hidden layer, 1,024 ReLU",
            model="mlp",
            sets=MLP_SETS,
            epochs=2 if ctx.quick else 5,
            course="87.7–89.3%",
        ),
    ]


def backprop_check(data, model: str = "mlp", n: int = 64, seed: int = 0) -> dict[str, float]:
    """The NumPy engine's loss and gradients against TensorFlow's, same weights and images.

    Returns:
        ``{"loss_numpy", "loss_tensorflow", "max_relative_error", "<weight>": rel. error}``:
        per weight, ``max|g_np - g_tf| / max|g_tf|`` (TensorFlow computes in float32).
    """
    from tfdojo.models.layers import normalize  # TensorFlow: `tfdojo lessons` lists them without it

    tf = configure_tensorflow()
    cfg = models.get(model).model
    tf_model = models.build(cfg, seed=seed)
    mine = Model(cfg, seed=seed, dtype=np.float64)
    mine.set_weights(tf_model.get_weights())
    images, labels = data.train.images[:n], data.train.labels[:n].astype(np.int64)
    loss_np, grads_np, _ = mine.loss_and_grads(np_normalize(images, np.float64), labels)
    variables = tf_model.named_variables()
    with tf.GradientTape() as tape:
        logits = tf_model(normalize(tf.constant(images)))
        loss_tf = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        )
    grads_tf = dict(zip(variables, tape.gradient(loss_tf, list(variables.values()))))
    out = {"loss_numpy": float(loss_np), "loss_tensorflow": float(loss_tf)}
    for name, g in grads_np.items():
        t = grads_tf[name].numpy().astype(np.float64)
        out[name] = float(np.abs(g - t).max() / max(np.abs(t).max(), 1e-12))
    out["max_relative_error"] = max(v for k, v in out.items() if "." in k)
    return out


def format_backprop(check: dict[str, float], n: int = 64) -> str:
    lines = [
        f"the 1,024-unit network on {n} training images, the same weights in both engines",
        f"  loss by hand (NumPy, float64): {check['loss_numpy']:.6f}",
        f"  loss from TensorFlow (float32): {check['loss_tensorflow']:.6f}",
        "  gradient  max|by hand - GradientTape| / max|GradientTape|",
    ]
    for k, v in check.items():
        if "." in k:
            lines.append(f"  {k:<9} {v:.1e}")
    verdict = "agree" if check["max_relative_error"] < 1e-4 else "DISAGREE"
    lines.append(
        f"the hand-written back-propagation and TensorFlow {verdict} "
        f"(largest relative difference {check['max_relative_error']:.1e}; float32 rounds at ~1e-6)"
    )
    return "\n".join(lines)


def run(ctx: Context) -> LessonResult:
    """Run the lesson: the back-propagation check, then GD, SGD and the network."""
    start = time.perf_counter()
    check = backprop_check(ctx.data)
    notes = [("Back-propagation by hand, checked against TensorFlow", format_backprop(check))]
    rows = train_rows(ctx, variants(ctx))
    return LessonResult(NUMBER, TITLE, rows, notes, [], time.perf_counter() - start)
