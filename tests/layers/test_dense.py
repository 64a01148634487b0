"""Dense through the shared harness against Keras, plus LoRA and its argument errors."""

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet.layers import Dense


@pytest.mark.parametrize("input_shape,init_kwargs", [
    ((6, 5), {"units": 4}),
    ((6, 5), {"units": 3, "activation": "relu", "use_bias": False}),
    ((2, 3, 5), {"units": 4, "activation": "tanh"}),
    ((6, 5), {"units": 4, "activation": "softmax", "kernel_initializer": "he_normal",
              "bias_initializer": "ones"}),
    ((6, 5), {"units": 2, "kernel_regularizer": "l2", "bias_regularizer": "l1",
              "activity_regularizer": "l2", "kernel_constraint": "max_norm",
              "bias_constraint": "non_neg"}),
    ((6, 5), {"units": 3, "lora_rank": 2}),
])
def test_dense_against_keras(input_shape, init_kwargs):
    check_layer(Dense, input_shape, init_kwargs, keras_class="Dense")


def test_lora_freezes_the_kernel_and_learns_a_low_rank_update():
    layer = Dense(4, lora_rank=2)
    layer.build((None, 6))
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a",
                                                         "lora_kernel_b"]
    assert [w.name for w in layer.non_trainable_weights] == ["kernel"]
    x = np.random.default_rng(0).normal(size=(3, 6)).astype("float32")
    # lora_kernel_b starts at zero: the layer starts as the plain Dense.
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.kernel.numpy(), rtol=1e-6)
    layer.lora_kernel_b.assign(np.ones((2, 4)))
    update = layer.lora_kernel_a.numpy() @ np.ones((2, 4)) * (layer.lora_alpha / layer.lora_rank)
    np.testing.assert_allclose(layer(x).numpy(), x @ (layer.kernel.numpy() + update), rtol=1e-5)


@pytest.mark.parametrize("kwargs,message", [
    ({"units": 0}, r"positive integer for units. Received: units=0"),
    ({"units": 2.5}, r"units=2.5"),
    ({"units": 2, "activation": "relux"}, r"Unknown activation identifier.*'relux'"),
    ({"units": 2, "quantization_config": "int8"}, r"quantization_config='int8'"),
    ({"units": 2, "unit": 3}, r"Unrecognized keyword arguments passed to Dense"),
])
def test_bad_arguments_name_the_argument_and_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Dense(**kwargs)


def test_input_of_the_wrong_width_names_the_layer_shapes_and_fix():
    layer = Dense(2, name="head")
    layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r'"head".*value 3.*\(4, 5\).*Reshape the data'):
        layer(np.ones((4, 5)))


def test_auto_names_count_per_class():
    nnet.utils.clear_session()
    assert [Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
