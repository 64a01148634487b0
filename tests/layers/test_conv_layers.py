"""Conv1D/2D/3D through the shared harness against Keras, plus LoRA, aliases and bad arguments."""

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet import layers


@pytest.mark.parametrize("cls,input_shape,init_kwargs", [
    ("Conv1D", (2, 9, 3), {"filters": 4, "kernel_size": 3}),
    ("Conv1D", (2, 9, 4), {"filters": 4, "kernel_size": 2, "padding": "causal",
                           "dilation_rate": 2, "groups": 2, "activation": "relu"}),
    ("Conv1D", (2, 3, 9), {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                           "data_format": "channels_first", "use_bias": False}),
    ("Conv2D", (2, 7, 6, 2), {"filters": 3, "kernel_size": 3, "activation": "tanh"}),
    ("Conv2D", (2, 7, 6, 4), {"filters": 6, "kernel_size": (3, 2), "strides": (2, 1),
                              "padding": "same", "groups": 2, "activation": "softmax"}),
    ("Conv2D", (2, 2, 7, 6), {"filters": 3, "kernel_size": 2, "dilation_rate": 2,
                              "data_format": "channels_first", "kernel_initializer": "he_normal",
                              "bias_initializer": "ones", "kernel_regularizer": "l2",
                              "bias_regularizer": "l1", "activity_regularizer": "l2",
                              "kernel_constraint": "max_norm", "bias_constraint": "non_neg"}),
    ("Conv2D", (2, 5, 5, 2), {"filters": 3, "kernel_size": 3, "lora_rank": 2}),
    ("Conv3D", (1, 5, 4, 4, 2), {"filters": 2, "kernel_size": 2, "padding": "same",
                                 "strides": 2, "activation": "relu"}),
    ("Conv3D", (1, 2, 4, 5, 4), {"filters": 2, "kernel_size": (2, 3, 2), "groups": 2,
                                 "data_format": "channels_first"}),
])
def test_conv_against_keras(cls, input_shape, init_kwargs):
    check_layer(getattr(layers, cls), input_shape, init_kwargs, keras_class=cls)


def test_keras_aliases_are_the_same_classes():
    assert layers.Convolution1D is layers.Conv1D and layers.Convolution2D is layers.Conv2D
    assert layers.Convolution3D is layers.Conv3D
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.Convolution3DTranspose is layers.Conv3DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


def test_causal_output_does_not_see_the_future():
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = np.random.default_rng(0).standard_normal((1, 10, 2)).astype("float32")
    changed = x.copy()
    changed[:, 6:] += 1.0
    before, after = layer(x).numpy(), layer(changed).numpy()
    np.testing.assert_array_equal(before[:, :6], after[:, :6])
    assert not np.allclose(before[:, 6:], after[:, 6:])


def test_lora_starts_as_the_plain_layer_and_freezes_the_kernel():
    layer = layers.Conv2D(4, 3, lora_rank=2)
    layer.build((None, 6, 6, 3))
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a",
                                                         "lora_kernel_b"]
    assert layer.lora_kernel_a.shape == (3, 3, 3, 2) and layer.lora_kernel_b.shape == (2, 4)
    x = np.random.default_rng(0).standard_normal((1, 6, 6, 3)).astype("float32")
    expected = nnet.ops.conv(x, layer.kernel.numpy()).numpy()
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="LoRA cannot be enabled.*kernel_constraint"):
        constrained = layers.Conv1D(2, 3, kernel_constraint="max_norm")
        constrained.build((None, 5, 2))
        constrained.enable_lora(2)


@pytest.mark.parametrize("make,message", [
    (lambda: layers.Conv2D(5, 3, groups=2), r"filters must be a multiple of groups.*filters=5"),
    (lambda: layers.Conv2D(0, 3), r"positive integer for filters. Received: filters=0"),
    (lambda: layers.Conv2D(4, 3, groups=0), r"positive integer for groups. Received: groups=0"),
    (lambda: layers.Conv2D(4, 0), r"`kernel_size` argument must hold integers >= 1"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), r"padding='causal'"),
    (lambda: layers.Conv1D(4, 3, padding="full"), r"'valid', 'same', 'causal'.*padding='full'"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), r"strides > 1 cannot be combined"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2),
     r"output_padding must be smaller than the stride.*output_padding=\(2, 2\)"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), r"depth_multiplier=0"),
    (lambda: layers.SeparableConv1D(0, 3), r"filters=0"),
    (lambda: layers.Conv2D(4, 3, data_format="nhwc"), r"data_format='nhwc'"),
])
def test_bad_arguments_name_the_argument_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_input_channels_not_divisible_by_groups_name_the_layer():
    layer = layers.Conv2D(4, 3, groups=2, name="grouped")
    with pytest.raises(ValueError, match=r"'grouped'.*multiple of groups.*groups=2.*3 channels"):
        layer(np.ones((1, 5, 5, 3)))


def test_too_small_input_names_the_fix():
    with pytest.raises(ValueError, match=r"output would be empty.*padding='same'"):
        layers.Conv2D(4, 5)(np.ones((1, 3, 3, 1)))


def test_relu_runs_fused_in_one_node():
    layer = layers.Conv2D(3, 3, activation="relu")
    x = nnet.Variable(np.ones((1, 5, 5, 2), "float32"))
    y = layer(x)
    assert y._parents[0][1] is x and "fused_conv" in str(y._vjp.__qualname__)
