"""UpSampling1D/2D/3D against Keras 3, and the resize under UpSampling2D against PyTorch."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import layers, ops
from nnet.autodiff import Tensor, backward


@pytest.mark.parametrize("name, input_shape, init_kwargs", [
    ("UpSampling1D", (2, 3, 2), {}),
    ("UpSampling1D", (2, 3, 2), {"size": 3}),
    ("UpSampling2D", (2, 3, 2, 2), {}),
    ("UpSampling2D", (2, 2, 3, 2), {"size": (1, 3), "data_format": "channels_first"}),
    ("UpSampling2D", (2, 3, 4, 2), {"size": (2, 3), "interpolation": "bilinear"}),
    ("UpSampling2D", (2, 2, 3, 3), {"size": 3, "interpolation": "bilinear",
                                    "data_format": "channels_first"}),
    ("UpSampling3D", (1, 2, 2, 3, 2), {"size": (2, 1, 2)}),
    ("UpSampling3D", (1, 2, 2, 2, 3), {"data_format": "channels_first"}),
])
def test_up_sampling_matches_keras(name, input_shape, init_kwargs):
    check_layer(getattr(layers, name), input_shape, init_kwargs, keras_class=name)


def test_resize_matches_torch_interpolate():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    cases = [((5, 7), (10, 21), "bilinear", False), ((6, 9), (4, 3), "bilinear", False),
             ((6, 9), (4, 3), "bilinear", True), ((5, 5), (7, 3), "bilinear", True),
             ((5, 7), (8, 3), "nearest", False)]
    for old, new, interpolation, antialias in cases:
        x = rng.standard_normal((2, 3, *old)).astype("float32")
        t = torch.tensor(x, requires_grad=True)
        kwargs = ({"mode": "bilinear", "align_corners": False, "antialias": antialias}
                  if interpolation == "bilinear" else {"mode": "nearest-exact"})
        expected = torch.nn.functional.interpolate(t, size=new, **kwargs)
        g = rng.standard_normal(tuple(expected.shape)).astype("float32")
        expected.backward(torch.tensor(g))
        leaf = Tensor(x, requires_grad=True)
        y = ops.image.resize(leaf, new, interpolation, antialias, data_format="channels_first")
        backward(y, g)
        np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(leaf.grad, t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_nearest_repeats_each_pixel():
    x = np.array([[1.0, 2.0], [3.0, 4.0]], "float32").reshape(1, 2, 2, 1)
    y = layers.UpSampling2D((1, 2))(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[1, 1, 2, 2], [3, 3, 4, 4]])
    assert layers.UpSampling2D().compute_output_shape((None, None, 3, 1)) == (None, None, 6, 1)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="size=0"):
        layers.UpSampling1D(0)
    with pytest.raises(ValueError, match="interpolation='cubic'"):
        layers.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match="size=\\(2, 2\\)"):
        layers.UpSampling3D((2, 2))
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        ops.image.resize(np.zeros((2, 2)), 3)
