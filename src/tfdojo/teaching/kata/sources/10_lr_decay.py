"""Kata 10: learning-rate decay: big steps first, small steps to settle.

A large learning rate crosses the loss landscape fast but bounces around its minimum;
a small one settles but crawls. Decay starts large and shrinks it as training goes:

    lr(step) = lr0 * decay_rate ** (step / decay_steps)           smooth
    lr(step) = lr0 * decay_rate ** (step // decay_steps)          staircase

    lr0 = 0.3, decay_rate = 0.5, decay_steps = 100:  0.3 at step 0, 0.15 at step 100,
    0.075 at step 200 (smooth: 0.212 at step 50; staircase: still 0.3 there)

keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps, decay_rate, staircase)
computes the same numbers, and the check compares yours with it.

What to do: learning_rate(step, lr0, decay_rate, decay_steps, staircase=False), the
rate of step `step` (the first step is step 0, at lr0), and train(...), kata 5's loop
that gives train_step the decayed rate of each step (the step, not the epoch) and
returns the list of the losses train_step returned, one float per step. Use the
arguments, not the module's constants: the check calls both with other values (lr0 0.8,
decay_steps 7, batch_size 12, ...), smooth and staircase, and compares each rate with
Keras's. Then it trains the ReLU network of kata 7 with your train, LR0, DECAY_RATE and
DECAY_STEPS for NUM_STEPS steps (at most 300) and wants 85% of the test images right.
Too large an LR0 and the loss becomes nan: the check says so.

Check it:  tfdojo kata check lr_decay
"""

from tfdojo.teaching.kata.given import train_step

LR0 = 0.3
DECAY_RATE = 0.5
DECAY_STEPS = 100
BATCH_SIZE = 128
NUM_STEPS = 200


def learning_rate(step, lr0, decay_rate, decay_steps, staircase=False):
    """The decayed learning rate at ``step`` (a Python float)."""
    # TODO: the exponent is step / decay_steps, rounded down when staircase is True.
    # BEGIN SOLUTION
    exponent = step // decay_steps if staircase else step / decay_steps
    return lr0 * decay_rate**exponent
    # END SOLUTION


def train(model, X, y, num_steps, batch_size, lr0, decay_rate, decay_steps):
    """Minibatch SGD (kata 5) with the learning rate decayed at each step; returns the losses."""
    # TODO: kata 5's loop, with lr = learning_rate(step, ...) for each step.
    # BEGIN SOLUTION
    losses = []
    for step in range(num_steps):
        offset = (step * batch_size) % (len(y) - batch_size)
        X_batch = X[offset : offset + batch_size]  # (batch_size, 28, 28)
        y_batch = y[offset : offset + batch_size]  # (batch_size,)
        lr = learning_rate(step, lr0, decay_rate, decay_steps)
        losses.append(float(train_step(model, X_batch, y_batch, lr)))
    return losses
    # END SOLUTION
