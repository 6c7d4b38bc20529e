"""By hand 5: dropout, in NumPy.

While training, each unit is zeroed with probability `rate`, so the network cannot lean
on any single unit. The kept units are scaled by 1 / (1 - rate) ("inverted dropout"), so
that each keeps its expected value and nothing changes at test time:

    keep_i ~ Bernoulli(1 - rate)        x_i -> keep_i * x_i / (1 - rate)        E = x_i

The mask is drawn from `rng`, a np.random.Generator: the same generator state gives the
same mask, so a run can be repeated exactly.

What to do: np_dropout(x, rate, rng), x of any shape.

Check it:  kata.check_here("np_dropout", globals()), in lesson 3's notebook
"""


def np_dropout(x, rate, rng):
    """x with each entry zeroed with probability rate, the rest scaled by 1 / (1 - rate)."""
    # TODO: a random mask from rng, then scale.
    # BEGIN SOLUTION
    keep = rng.random(x.shape) >= rate  # same shape as x, True with probability 1 - rate
    return x * keep / (1 - rate)  # kept units scaled, dropped ones 0
    # END SOLUTION
