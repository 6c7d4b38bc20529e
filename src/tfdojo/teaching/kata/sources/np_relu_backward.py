"""By hand 3: the backward pass of ReLU, in NumPy.

Forward: out = max(0, x). Backward receives dout = dL/d(out), of the shape of out, and
returns dL/dx by the chain rule, value by value:

    dx = dout * d(out)/dx,   d max(0, x)/dx = 1 where x > 0, else 0      (N, D) -> (N, D)
    (at x = 0 exactly max has no derivative: 0, as TensorFlow takes it, or 1 are both accepted)

so the gradient flows through the units that were positive and stops at the others.

What to do: np_relu_backward(dout, x).

Check it:  kata.check_here("np_relu_backward", globals()), in lesson 2's notebook
"""


def np_relu_backward(dout, x):
    """dL/dx of out = max(0, x), given dout = dL/d(out); same shape as x."""
    # TODO: let the gradient through where x > 0, zero elsewhere.
    # BEGIN SOLUTION
    return dout * (x > 0)  # (N, D) * (N, D) bool -> (N, D)
    # END SOLUTION
