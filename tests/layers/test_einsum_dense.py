"""EinsumDense through check_layer against Keras, its shapes with unknown sizes, and its errors."""

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import EinsumDense

CASES = [
    ("abc,cde->abde", (3, 2, 3), "de", (2, 3, 4), {"activation": "relu"}),
    ("...b,bc->...c", 3, "c", (2, 3, 4), {}),
    ("ab...,bc->ac...", (3,), "c", (2, 4, 5), {}),
    ("abcd,cde->abe", (3, 3), "e", (2, 3, 4, 5), {"lora_rank": 2}),
    ("abc,cd->abd", (3, 3), "b", (2, 3, 4), {}),
    ("abc,cd->abd", (3, 3), None, (2, 3, 4), {}),
]


@pytest.mark.parametrize("equation,output_shape,bias_axes,input_shape,extra", CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_check_layer_against_keras(equation, output_shape, bias_axes, input_shape, extra):
    check_layer(EinsumDense, input_shape,
                {"equation": equation, "output_shape": output_shape, "bias_axes": bias_axes,
                 **extra}, keras_class="EinsumDense")


def test_shapes_with_unknown_output_sizes_match_keras():
    keras = pytest.importorskip("keras")
    args = ("abc,cde->abde", (None, 2, 8))
    layer, klayer = EinsumDense(*args, bias_axes="de"), keras.layers.EinsumDense(
        *args, bias_axes="de")
    assert layer.compute_output_shape((4, 3, 16)) == klayer.compute_output_shape((4, 3, 16))
    assert layer(np.ones((4, 3, 16))).shape == (4, 3, 2, 8)
    klayer.build((4, 3, 16))
    assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in klayer.weights]
    assert [w.path for w in layer.weights] == [w.path.replace(klayer.name, layer.name)
                                               for w in klayer.weights]


def test_the_kernel_initializer_counts_fans_over_the_kernel_axes():
    layer = EinsumDense("ab,bcd->acd", (4, 50), kernel_initializer="glorot_uniform")
    layer.build((2, 30))
    # fan_in 30 (axis 0), fan_out 4 * 50 (axes 1, 2): limit sqrt(6 / 230).
    limit = np.sqrt(6 / 230)
    kernel = layer.kernel.numpy()
    assert kernel.max() <= limit and kernel.max() > 0.9 * limit
    assert layer.get_config()["kernel_initializer"]["config"]["input_axes"] is None


@pytest.mark.parametrize("kwargs,input_shape,message", [
    ({"equation": "ab,bc", "output_shape": 3}, (2, 4), "Invalid einsum equation 'ab,bc'"),
    ({"equation": "ab,bc->ad", "output_shape": 3}, (2, 4), "Dimension 'd' was specified"),
    ({"equation": "ab,bcd->ac", "output_shape": 3}, (2, 4), "Weight dimension 'd'"),
    ({"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "x"}, (2, 4),
     "Bias dimension 'x'"),
    ({"equation": "abc,cd->abd", "output_shape": (5, 3)}, (2, 4, 6), "shared dimension 'b'"),
    ({"equation": "ab,bc->ac", "output_shape": 3, "quantization_config": {"mode": "int8"}},
     (2, 4), "quantization_config="),
])
def test_bad_arguments_are_refused_clearly(kwargs, input_shape, message):
    with pytest.raises(ValueError, match=message):
        EinsumDense(**kwargs)(np.ones(input_shape))


def test_enable_lora_freezes_the_kernel_and_trains_the_update():
    layer = EinsumDense("abc,cd->abd", (None, 3), bias_axes="d")
    layer.build((2, 5, 4))
    before = layer(np.ones((2, 5, 4))).numpy()
    layer.enable_lora(2)
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a",
                                                          "lora_kernel_b"]
    np.testing.assert_allclose(layer(np.ones((2, 5, 4))).numpy(), before)
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
