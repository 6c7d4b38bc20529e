"""The shape calculator against TensorFlow's own ops, and the deck's parameter counts."""

from __future__ import annotations

import numpy as np
import pytest

from tfdojo import models
from tfdojo.core.errors import TfdojoError
from tfdojo.models import ModelConfig, shapes


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize(
    "n,k,s", [(28, 5, 2), (28, 3, 1), (14, 5, 2), (7, 3, 3), (5, 5, 1), (9, 2, 4)]
)
def test_conv_and_pool_output_size_match_tensorflow(n, k, s, padding):
    import tensorflow as tf

    x = tf.zeros([1, n, n, 1])
    conv = tf.nn.conv2d(x, tf.zeros([k, k, 1, 1]), strides=s, padding=padding)
    pool = tf.nn.max_pool2d(x, ksize=k, strides=s, padding=padding)
    assert shapes.conv_output_size(n, k, s, padding) == conv.shape[1]
    assert shapes.pool_output_size(n, k, s, padding) == pool.shape[1]


def test_formulas_by_hand():
    assert shapes.conv_output_size(28, 5, 2, "SAME") == 14  # ceil(28/2)
    assert shapes.conv_output_size(28, 5, 1, "VALID") == 24  # 28-5+1
    assert shapes.conv_output_size(28, 5, 2, "VALID") == 12  # ceil(24/2)
    assert shapes.same_padding(28, 5, 2) == (1, 2)  # total (14-1)*2+5-28 = 3, extra after
    with pytest.raises(
        ValueError, match=r"^patch: .* must fit in the input \(patch <= 4\), received 5$"
    ):
        shapes.conv_output_size(4, 5, 1, "VALID")
    with pytest.raises(ValueError, match="^padding: expected one of SAME, VALID, received 'FULL'$"):
        shapes.conv_output_size(4, 3, 1, "FULL")


@pytest.mark.parametrize(
    "name,params",
    [
        ("logistic", 784 * 10 + 10),  # the deck's 7,850
        ("mlp", 784 * 1024 + 1024 + 1024 * 10 + 10),
        ("cnn_course", (5 * 5 * 16 + 16) + (5 * 5 * 16 * 16 + 16) + (7 * 7 * 16 * 64 + 64) + 650),
        ("lenet5", 61_706),  # LeNet-5's classic count
    ],
)
def test_parameter_counts(name, params):
    assert shapes.count_params(models.get(name).model) == params


def test_reference_convnet_shapes():
    specs = shapes.layers(models.get("cnn_course").model)
    assert [(l.name, l.output_shape) for l in specs] == [
        ("conv1", (14, 14, 16)),
        ("conv2", (7, 7, 16)),
        ("flatten", (784,)),
        ("dense1", (64,)),
        ("logits", (10,)),
    ]
    assert specs[0].weights == {"w": (5, 5, 1, 16), "b": (16,)}
    assert specs[0].macs == 14 * 14 * 16 * 25


def test_pooling_and_per_conv_settings():
    cfg = ModelConfig(
        conv_depths=(6, 16),
        conv_patches=(5,),
        conv_padding=("SAME", "VALID"),
        pools=(2,),
        hidden=(120, 84),
    )
    out = {l.name: l.output_shape for l in shapes.layers(cfg)}
    assert out["conv1"] == (28, 28, 6) and out["pool1"] == (14, 14, 6)
    assert out["conv2"] == (10, 10, 16) and out["pool2"] == (5, 5, 16)
    assert out["flatten"] == (400,)


def test_weight_shapes_and_flops():
    cfg = models.get("logistic").model
    (layer,) = shapes.layers(cfg)
    assert (layer.name, layer.weights) == ("logits", {"w": (784, 10), "b": (10,)})
    assert shapes.forward_flops(cfg) == 2 * 7840


def test_table_shows_counts():
    table = shapes.format_table(models.get("logistic").model)
    assert "784x10 + 10" in table and "7,850" in table


def test_invalid_model_configs_are_refused():
    from tfdojo.core.typed_config import replace

    base = models.get("cnn_course").model
    with pytest.raises(TfdojoError, match="conv_patches: expected 1 value or 2"):
        replace(base, {"conv_patches": "3,3,3"})
    with pytest.raises(TfdojoError, match=r"hidden: expected whole numbers from 1 to 32,768"):
        replace(base, {"hidden": "0"})
    with pytest.raises(TfdojoError, match=r"^model: conv2: patch: .*\(patch <= 5\), received 9$"):
        replace(
            base, {"conv_patches": "9", "conv_padding": "VALID", "conv_strides": "1", "pools": "4"}
        )
    with pytest.raises(TfdojoError, match="expects one of 'SAME', 'VALID'"):
        replace(base, {"conv_padding": "same"})


def test_params_cli(capsys):
    from tfdojo.cli import main

    assert main(["params", "--model", "logistic"]) == 0
    assert "7,850" in capsys.readouterr().out
    assert main(["params", "--model", "mlp", "--set", "model.hidden=100", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["params"] == 784 * 100 + 100 + 1010
    assert main(["params", "--model", "nope"]) == 2
    err = capsys.readouterr().err
    assert "valid models: logistic, mlp, cnn_course, lenet5, cnn" in err
    assert np.all([line.startswith("tfdojo: error:") for line in err.strip().splitlines()])
