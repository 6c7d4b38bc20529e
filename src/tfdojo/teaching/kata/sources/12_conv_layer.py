"""Kata 12: a convolution layer, with tf.nn.conv2d.

A k x k patch slides over the image, `stride` pixels at a time. At each place, the
k * k * depth_in values under it are multiplied by a kernel of the same size and
summed, plus a bias: one output value per filter, depth_out filters.

    out[n, i, j, o] = b[o] + sum over p, q, c of x[n, i*s + p, j*s + q, c] * W[p, q, c, o]

    x (N, H, W, depth_in)  W (k, k, depth_in, depth_out)  b (depth_out,)  ->  (N, H', W', depth_out)
    SAME:  H' = ceil(H / s)             zeros padded around the border
    VALID: H' = ceil((H - k + 1) / s)   the patch stays inside: it fits in H - k + 1 places

The deck's table: a 28 x 28 grey image (depth 1), a 3 x 3 patch, depth 8:

    SAME,  stride 1  ->  28 x 28 x 8
    VALID, stride 1  ->  26 x 26 x 8
    VALID, stride 2  ->  13 x 13 x 8

and 3 * 3 * 1 * 8 weights + 8 biases = 80 parameters, whatever the size of the image.

What to do: output_size(n, k, stride, padding) and num_params(k, depth_in, depth_out)
by the formulas; make_kernel(k, depth_in, depth_out, seed), a tf.Variable of
TensorFlow's kernel shape; conv_layer(x, W, b, stride, padding) = relu(conv2d(x, W) + b).
The check runs the deck's table through your layer and your formulas, then other
depths, strides and paddings, and reads the spread of your kernels at a depth_in above 1.

Check it:  tfdojo kata check conv_layer
"""

import math

import tensorflow as tf


def output_size(n, k, stride, padding):
    """Output size along one side of an n-wide input: "SAME" or "VALID" padding."""
    # TODO: the two formulas above (math.ceil rounds up).
    # BEGIN SOLUTION
    if padding == "SAME":
        return math.ceil(n / stride)
    return math.ceil((n - k + 1) / stride)
    # END SOLUTION


def num_params(k, depth_in, depth_out):
    """Weights and biases of a k x k conv layer from depth_in to depth_out channels."""
    # TODO: each filter has k * k * depth_in weights and one bias.
    # BEGIN SOLUTION
    return k * k * depth_in * depth_out + depth_out
    # END SOLUTION


def make_kernel(k, depth_in, depth_out, seed=0):
    """A kernel variable W (k, k, depth_in, depth_out), drawn from seed (He's stddev)."""
    # TODO: stateless_truncated_normal with stddev sqrt(2 / fan_in), fan_in = k * k * depth_in.
    # BEGIN SOLUTION
    stddev = (2 / (k * k * depth_in)) ** 0.5
    shape = [k, k, depth_in, depth_out]
    W = tf.random.stateless_truncated_normal(shape, seed=[seed, 0], stddev=stddev)
    return tf.Variable(W, name="W")  # (k, k, depth_in, depth_out)
    # END SOLUTION


def conv_layer(x, W, b, stride, padding):
    """relu(conv2d(x, W) + b): x (N, H, W, depth_in) -> (N, H', W', depth_out)."""
    # TODO: tf.nn.conv2d(x, W, strides=stride, padding=padding), plus b, then tf.nn.relu.
    # BEGIN SOLUTION
    return tf.nn.relu(tf.nn.conv2d(x, W, strides=stride, padding=padding) + b)
    # END SOLUTION
