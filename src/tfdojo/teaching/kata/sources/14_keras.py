"""Kata 14: the same convnet in Keras, and is it the same?

Code at work often uses Keras: layers stacked in a keras.Sequential, then `compile`
(which optimizer, which loss) and `fit`, which runs the loop you wrote in katas 4 and 5:
batches, the tape, the gradients, the updates, epoch after epoch, with the step compiled
into a TensorFlow graph by tf.function (faster: no Python between the operations).

    keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Reshape((28, 28, 1)),                                 # (N, 28, 28, 1)
        keras.layers.Conv2D(16, 5, padding="same", activation="relu"),   # (N, 28, 28, 16)
        keras.layers.MaxPooling2D(2),                                     # (N, 14, 14, 16)
        ...                                                               # as in kata 13
        keras.layers.Dense(10),                                           # (N, 10) logits
    ])

Kata 13's shapes, so kata 13's 57,722 parameters. The loss
keras.losses.SparseCategoricalCrossentropy(from_logits=True) takes integer labels and
logits (softmax_cross_entropy_with_logits took one-hot labels). The last layer has no
activation: with a softmax there, from_logits=True would apply softmax twice.

What to do: build_model(seed) and fit(model, X, y, epochs, batch_size, lr) (SGD with
that learning rate; it returns the loss of each epoch). The check runs your layers on
their own weights against kata 13's forward pass, fits a few images with other
settings (is it SGD at the lr given, the epochs and batch size given, the loss of
logits?), then trains your model, trains kata 13's ConvNet with its hand-written loop
on the same images (same batch size, same number of steps), and compares the two on
the same test images with McNemar's test, as `tfdojo compare` does: do they differ
more than chance would? Keras significantly worse than the loop fails.

Check it:  tfdojo kata check keras
"""

import keras

EPOCHS = 2
BATCH_SIZE = 32
LR = 0.1


def build_model(seed=0):
    """Kata 13's convnet as a keras.Sequential, its initial weights drawn from seed."""
    keras.utils.set_random_seed(seed)  # Keras draws weights (and fit's shuffles) from it
    # TODO: the layers of kata 13, in order, ending with Dense(10) and no activation.
    # BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Reshape((28, 28, 1)),  # (N, 28, 28, 1)
            keras.layers.Conv2D(16, 5, padding="same", activation="relu"),  # (N, 28, 28, 16)
            keras.layers.MaxPooling2D(2),  # (N, 14, 14, 16)
            keras.layers.Conv2D(16, 5, padding="same", activation="relu"),  # (N, 14, 14, 16)
            keras.layers.MaxPooling2D(2),  # (N, 7, 7, 16)
            keras.layers.Flatten(),  # (N, 784)
            keras.layers.Dense(64, activation="relu"),  # (N, 64)
            keras.layers.Dense(10),  # (N, 10): the logits
        ]
    )
    # END SOLUTION


def fit(model, X, y, epochs, batch_size, lr):
    """compile with SGD(lr) and the cross-entropy of logits, then fit; the epochs' losses."""
    # TODO: model.compile(optimizer=..., loss=...), then model.fit(..., verbose=0).
    # BEGIN SOLUTION
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return history.history["loss"]
    # END SOLUTION
