"""Mutants and variants of kata 14, Keras (checks/keras_twin.py); part of
:mod:`~tfdojo.teaching.kata.mutants.conv`' lists."""

from __future__ import annotations

from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

CONV1_K = 'keras.layers.Conv2D(16, 5, padding="same", activation="relu"),  # (N, 28, 28, 16)'
SGD = "optimizer=keras.optimizers.SGD(learning_rate=lr)"
LOSS = "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
FIT = "history = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0)"

MUTANTS: list[Mutant] = [
    Mutant(
        "keras",
        "adam",
        "Adam instead of the asked SGD",
        SGD,
        "optimizer=keras.optimizers.Adam(learning_rate=lr)",
        "keras/optimizer-not-sgd",
    ),
    Mutant(
        "keras",
        "momentum",
        "SGD with momentum",
        SGD,
        "optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.9)",
        "keras/optimizer-not-sgd",
    ),
    Mutant(
        "keras",
        "lr-0.1",
        "the learning rate written as 0.1",
        SGD,
        "optimizer=keras.optimizers.SGD(learning_rate=0.1)",
        "keras/lr-ignored",
    ),
    Mutant(
        "keras",
        "no-relu-dense",
        "no ReLU on the hidden Dense layer",
        'keras.layers.Dense(64, activation="relu")',
        "keras.layers.Dense(64)",
        "keras/relu-missing",
    ),
    Mutant(
        "keras",
        "no-relu-conv1",
        "no ReLU after the first Conv2D",
        CONV1_K,
        'keras.layers.Conv2D(16, 5, padding="same"),',
        "keras/relu-missing",
    ),
    Mutant(
        "keras",
        "softmax",
        "a softmax on the last layer",
        "keras.layers.Dense(10),  #",
        'keras.layers.Dense(10, activation="softmax"),  #',
        "keras/softmax-on-logits",
    ),
    Mutant(
        "keras",
        "relu-logits",
        "a ReLU on the last layer",
        "keras.layers.Dense(10),  #",
        'keras.layers.Dense(10, activation="relu"),  #',
        "keras/activation-on-logits",
    ),
    Mutant(
        "keras",
        "valid",
        "the first Conv2D without padding='same'",
        CONV1_K,
        'keras.layers.Conv2D(16, 5, activation="relu"),',
        "keras/layers",
    ),
    Mutant(
        "keras",
        "categorical",
        "CategoricalCrossentropy with integer labels",
        LOSS,
        "loss=keras.losses.CategoricalCrossentropy(from_logits=True)",
        "any/keras-categorical-integer-labels",
    ),
    Mutant(
        "keras",
        "probabilities-loss",
        "the loss told it gets probabilities",
        LOSS,
        "loss=keras.losses.SparseCategoricalCrossentropy()",
        "keras/loss",
    ),
    Mutant(
        "keras",
        "string-loss",
        "the loss by name (from_logits=False)",
        LOSS,
        'loss="sparse_categorical_crossentropy"',
        "keras/loss",
    ),
    Mutant(
        "keras",
        "epochs-2",
        "epochs written as 2",
        FIT,
        "history = model.fit(X, y, epochs=2, batch_size=batch_size, verbose=0)",
        "keras/epochs-or-batch-ignored",
    ),
    Mutant(
        "keras",
        "batch-32",
        "batch_size written as 32",
        FIT,
        "history = model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)",
        "keras/epochs-or-batch-ignored",
    ),
    Mutant(
        "keras",
        "last-loss",
        "only the last epoch's loss returned",
        'return history.history["loss"]',
        'return history.history["loss"][-1]',
        "keras/return-losses",
    ),
    Mutant(
        "keras",
        "accuracy-returned",
        "the accuracy of each epoch returned, not its loss",
        LOSS
        + """,
    )
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return history.history["loss"]""",
        LOSS
        + """,
        metrics=["accuracy"],
    )
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return history.history["accuracy"]""",
        "keras/return-losses",
    ),
]

VARIANTS: list[Variant] = [
    Variant(
        "keras",
        "no-input",
        "no keras.Input: the Reshape layer told its input shape",
        """keras.Input(shape=(28, 28)),
            keras.layers.Reshape((28, 28, 1)),""",
        "keras.layers.Reshape((28, 28, 1)),",
    ),
    Variant(
        "keras",
        "relu-layers",
        "ReLU as layers of their own",
        'keras.layers.Dense(64, activation="relu"),  # (N, 64)',
        "keras.layers.Dense(64),\n            keras.layers.ReLU(),",
    ),
    Variant(
        "keras",
        "losses-list",
        "the losses returned as a list",
        'return history.history["loss"]',
        'return list(history.history["loss"])',
    ),
]
