"""Kata 1: tensors. From images and letters to the numbers a model takes.

A notMNIST image is 28 x 28 uint8 pixels, 0 (black) to 255 (white ink); its label is
the letter's number, 0..9 for A..J. A model wants float32 numbers near 0, one image
per row, and the loss wants each label as a one-hot row:

    flatten   images uint8 (N, 28, 28)  ->  (N, 784)          one row of pixels per image
    scale     pixels uint8 0..255       ->  float32 x = p / 255 - 0.5, in [-0.5, 0.5]
    one_hot   labels int (N,)           ->  float32 (N, 10), 1.0 at column y_i of row i

        y = [2, 0]  ->  [[0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
                         [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]

What to do: write the three functions with TensorFlow ops (tf.reshape, tf.cast,
tf.one_hot). Each takes and returns tensors (NumPy arrays are accepted too). The check
calls them with several numbers of images and of classes: use N and num_classes as they
come, never a number written in.

Check it:  tfdojo kata check tensors        A hint:  tfdojo kata hint tensors
"""

import tensorflow as tf


def flatten(images):
    """(N, 28, 28) -> (N, 784): each image becomes one row of 784 pixels."""
    # TODO: reshape to N rows of 28 * 28 values; -1 lets TensorFlow work out N.
    # BEGIN SOLUTION
    return tf.reshape(images, [-1, 28 * 28])  # (N, 28, 28) -> (N, 784)
    # END SOLUTION


def scale(images):
    """uint8 pixels 0..255 -> float32 x = p / 255 - 0.5, in [-0.5, 0.5]."""
    # TODO: cast to float32 first, then scale.
    # BEGIN SOLUTION
    return tf.cast(images, tf.float32) / 255.0 - 0.5  # (...) uint8 -> (...) float32
    # END SOLUTION


def one_hot(labels, num_classes=10):
    """int labels (N,) -> float32 (N, num_classes), 1.0 at each label's column, else 0."""
    # TODO: tf.one_hot does it (look at the dtype it returns).
    # BEGIN SOLUTION
    return tf.one_hot(labels, num_classes)  # (N,) -> (N, num_classes) float32
    # END SOLUTION
