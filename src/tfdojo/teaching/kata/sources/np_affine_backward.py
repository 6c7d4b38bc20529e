"""By hand 4: the backward pass of a dense (affine) layer, in NumPy.

Forward: out = x @ W + b with x (N, D), W (D, M), b (M,), out (N, M). Backward receives
dout = dL/d(out) (N, M) and returns one gradient per input, each of its input's shape:

    dx = dout @ W.T          (N, M) @ (M, D) -> (N, D)
    dW = x.T @ dout          (D, N) @ (N, M) -> (D, M)
    db = sum of dout over the batch          (N, M) -> (M,)

b is added to every row of the batch, so its gradient gathers every row's.

What to do: np_affine_backward(dout, x, W) -> (dx, dW, db).

Check it:  kata.check_here("np_affine_backward", globals()), in lesson 2's notebook
"""


def np_affine_backward(dout, x, W):
    """(dx (N, D), dW (D, M), db (M,)) of out = x @ W + b, given dout (N, M)."""
    # TODO: three products/sums; write the shape of each next to it.
    # BEGIN SOLUTION
    dx = dout @ W.T  # (N, M) @ (M, D) -> (N, D)
    dW = x.T @ dout  # (D, N) @ (N, M) -> (D, M)
    db = dout.sum(axis=0)  # (N, M) -> (M,)
    return dx, dW, db
    # END SOLUTION
