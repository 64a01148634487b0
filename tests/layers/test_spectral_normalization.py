"""SpectralNormalization against Keras 3: weights in Keras's order, the power iteration, the
kernel normalized in place while training, configs both ways."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet.layers import Dense, Embedding, Identity, SpectralNormalization


def _wrapped_dense(dtype=None, **kwargs):
    return SpectralNormalization(Dense(3, name="inner", dtype=dtype), dtype=dtype, **kwargs)


@pytest.mark.parametrize("power_iterations", [1, 3])
def test_spectral_normalization_matches_keras(power_iterations):
    keras = pytest.importorskip("keras")
    pytest.importorskip("torch")
    layer = check_layer(
        _wrapped_dense, (5, 4), {"power_iterations": power_iterations},
        keras_class=keras.layers.SpectralNormalization,
        keras_init_kwargs={"layer": keras.layers.Dense(3, name="inner"),
                           "power_iterations": power_iterations},
        # The training call rescales the kernel in place before using it, so its gradient is
        # the inner layer's at the new kernel, not the derivative of the rescaling.
        training_gradient=False,
        expected_num_trainable_weights=2, expected_num_non_trainable_weights=1,
    )
    assert [w.name for w in layer.weights] == ["kernel", "vector_u", "bias"]


def test_training_calls_converge_to_unit_spectral_norm_and_inference_leaves_the_kernel():
    # Power iteration converges at a rate set by the kernel's spectral gap: a fixed kernel.
    nnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    layer = _wrapped_dense()
    x = rng.standard_normal((2, 6)).astype("float32")
    layer(x)
    kernel = layer.kernel.numpy().copy()
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x @ kernel)
    np.testing.assert_array_equal(layer.kernel.numpy(), kernel)
    for _ in range(30):
        out = layer(x, training=True).numpy()
    np.testing.assert_allclose(np.linalg.norm(layer.kernel.numpy(), 2), 1.0, rtol=1e-4)
    np.testing.assert_allclose(out, x @ layer.kernel.numpy(), rtol=1e-5, atol=1e-6)
    # Divided by its spectral norm: the direction of the kernel is unchanged.
    np.testing.assert_allclose(layer.kernel.numpy(), kernel / np.linalg.norm(kernel, 2),
                               rtol=1e-4, atol=1e-6)


def test_an_all_zero_kernel_is_left_alone():
    layer = SpectralNormalization(Dense(2, kernel_initializer="zeros"))
    layer(np.ones((1, 3)), training=True)
    np.testing.assert_array_equal(layer.kernel.numpy(), np.zeros((3, 2)))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="power_iterations=0"):
        SpectralNormalization(Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="supplied to Wrapper.*Pass an nnet.layers.Layer"):
        SpectralNormalization("dense")
    with pytest.raises(ValueError, match="Identity object has no attribute 'kernel'"):
        SpectralNormalization(Identity())(np.ones((2, 3)))


def test_an_embedding_table_is_normalized_like_a_kernel():
    layer = SpectralNormalization(Embedding(5, 3), power_iterations=30)
    layer(np.array([[0, 4, 2]]), training=True)
    np.testing.assert_allclose(np.linalg.norm(layer.kernel.numpy(), 2), 1.0, rtol=1e-4)
    assert layer.kernel is layer.layer.embeddings
