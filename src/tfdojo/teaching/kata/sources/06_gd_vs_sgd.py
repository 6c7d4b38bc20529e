"""Kata 6: gradient descent or SGD? Measure it, as the course's assignment 2 does.

Gradient descent (GD) takes every step on all N training images: the exact gradient of
the training loss, for N images' worth of work per step. Stochastic gradient descent
(SGD) takes it on a random batch of B images: a noisy estimate, for B images' worth.
For the same work (images processed), SGD takes N / B times more steps:

    GD:   10 steps x 2,620 images = 26,200 images
    SGD: 204 steps x   128 images = 26,112 images

What to do: gradient_descent(model, X, y, num_steps, lr) and
sgd(model, X, y, num_steps, batch_size, lr, seed), each returning the list of its
losses. The check calls them with settings of its own (use the arguments), runs sgd twice
with a seed and once with another (the same batches for the same seed), and looks at the
rows of every batch. experiment() below trains both from the same Logistic(seed=0) with the same
budget of images and reports their time and test accuracy; the check runs it and tells
you what it measured.

Check it:  tfdojo kata check gd_vs_sgd
"""

import time

import numpy as np

from tfdojo.teaching.kata.given import Logistic, accuracy, train_step

LR = 0.5
BATCH_SIZE = 128


def gradient_descent(model, X, y, num_steps, lr):
    """num_steps steps of train_step, each on all of X and y; returns the losses."""
    # TODO: every step sees the whole training set.
    # BEGIN SOLUTION
    return [float(train_step(model, X, y, lr)) for _ in range(num_steps)]
    # END SOLUTION


def sgd(model, X, y, num_steps, batch_size, lr, seed=0):
    """num_steps steps of train_step, each on a new random batch; returns the losses."""
    # TODO: rng = np.random.default_rng(seed), then each step batch_size distinct rows,
    #       rng.choice(len(y), size=batch_size, replace=False).
    # BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(num_steps):
        rows = rng.choice(len(y), size=batch_size, replace=False)  # (batch_size,)
        losses.append(float(train_step(model, X[rows], y[rows], lr)))
    return losses
    # END SOLUTION


def experiment(X_train, y_train, X_test, y_test, gd_steps=10):
    """GD and SGD from the same start, the same number of images: (method, steps, s, acc)."""
    sgd_steps = gd_steps * len(y_train) // BATCH_SIZE  # the same images processed
    gd_model, sgd_model = Logistic(seed=0), Logistic(seed=0)
    start = time.perf_counter()
    gradient_descent(gd_model, X_train, y_train, gd_steps, LR)
    middle = time.perf_counter()
    sgd(sgd_model, X_train, y_train, sgd_steps, BATCH_SIZE, LR)
    end = time.perf_counter()
    return [
        ("gradient descent", gd_steps, middle - start, accuracy(gd_model(X_test), y_test)),
        ("SGD", sgd_steps, end - middle, accuracy(sgd_model(X_test), y_test)),
    ]
