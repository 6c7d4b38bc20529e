"""The katas' checks, a module per few katas, each readable in one sitting.

TensorFlow (these import TensorFlow):

- :mod:`~tfdojo.teaching.kata.checks.basics`: 1 tensors, 2 logistic, 3 softmax and cross-entropy,
  4 the training step;
- :mod:`~tfdojo.teaching.kata.checks.loops`: 5 the minibatch loop, 6 gradient descent vs SGD,
  10 learning-rate decay;
- :mod:`~tfdojo.teaching.kata.checks.networks`: 7 the ReLU network, 8 L2, 9 dropout,
  11 overfitting;
- :mod:`~tfdojo.teaching.kata.checks.conv`: 12 the conv layer, 13 the convnet, 14 Keras.

NumPy, by hand: :mod:`~tfdojo.teaching.kata.checks.by_hand`: softmax, the cross-entropy,
the backward passes of ReLU and of a dense layer, dropout.

Every check is a function ``(ck: Checker) -> str`` that its kata's record names
(:mod:`~tfdojo.teaching.kata.registry`). :mod:`~tfdojo.teaching.kata.checks.common` holds
what several TensorFlow checks share, :mod:`~tfdojo.teaching.kata.checks.diagnoses` the
mistakes both tracks diagnose (softmax, the cross-entropy, dropout, the conv formulas).
"""
