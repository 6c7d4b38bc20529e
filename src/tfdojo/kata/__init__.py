"""Katas: the learner writes the code, a check answers at once and names the likely mistake.

The "by hand" track (the lesson notebooks): ``kata.check_softmax(my_softmax)`` and six
more checks of small NumPy functions (:mod:`~tfdojo.kata.numpy_track`).
"""

from tfdojo.kata.numpy_track import (
    _CONV_CASES,
    KataResult,
    check_affine_backward,
    check_conv_output_size,
    check_conv_params,
    check_cross_entropy,
    check_dropout,
    check_relu_backward,
    check_softmax,
)

__all__ = [
    "KataResult",
    "_CONV_CASES",
    "check_affine_backward",
    "check_conv_output_size",
    "check_conv_params",
    "check_cross_entropy",
    "check_dropout",
    "check_relu_backward",
    "check_softmax",
]
