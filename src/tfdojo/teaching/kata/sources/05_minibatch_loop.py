"""Kata 5: the training loop: minibatches, many steps, and the accuracy.

Stochastic gradient descent (SGD) takes each step on a small batch of images instead of
all N of them: a noisy gradient, but batch_size / N of the work, so many more steps in
the same time. The course walks through the training images in order:

    offset = (step * batch_size) % (N - batch_size)
    X_batch = X[offset : offset + batch_size]          # (batch_size, 28, 28)
    y_batch = y[offset : offset + batch_size]          # (batch_size,)

The accuracy is the fraction of images whose largest logit is the right letter:

    accuracy = mean(argmax(logits, axis=1) == y)       (N, 10), (N,) -> a number in [0, 1]

What to do: accuracy(logits, y), y int32 (a tensor or an array), and
train(model, X, y, num_steps, batch_size, lr), which returns the list of the losses of its
steps. The check first calls train with settings of its own (not the constants below):
use the arguments. The step is kata 4's, imported below
(paste yours in its place if you like: the check trains with what this file defines).

The check trains Logistic(seed=0) with your loop on the kata set (2,620 images of
letters) for NUM_STEPS steps (at most 300) and wants 85% of its 600 test images right;
it tells you the loss and the accuracy your loop reached.

Check it:  tfdojo kata check minibatch_loop
"""

import tensorflow as tf

from tfdojo.teaching.kata.given import train_step

BATCH_SIZE = 128
LR = 0.5
NUM_STEPS = 200


def accuracy(logits, y):
    """Fraction of rows of logits (N, 10) whose largest value is at column y (N,)."""
    # TODO: tf.argmax along the classes, compare with y, the mean of the matches as floats.
    # BEGIN SOLUTION
    predicted = tf.argmax(logits, axis=1, output_type=tf.int32)  # (N, 10) -> (N,)
    correct = tf.cast(predicted == tf.cast(y, tf.int32), tf.float32)  # (N,) of 0.0 or 1.0
    return float(tf.reduce_mean(correct))
    # END SOLUTION


def train(model, X, y, num_steps, batch_size, lr):
    """num_steps steps of train_step on minibatches of (X, y); returns the losses."""
    # TODO: for each step, the next batch of X and the same rows of y, one train_step,
    #       float(loss) appended to a list.
    # BEGIN SOLUTION
    losses = []
    for step in range(num_steps):
        offset = (step * batch_size) % (len(y) - batch_size)
        X_batch = X[offset : offset + batch_size]  # (batch_size, 28, 28)
        y_batch = y[offset : offset + batch_size]  # (batch_size,)
        losses.append(float(train_step(model, X_batch, y_batch, lr)))
    return losses
    # END SOLUTION
