"""GroupNormalization against Keras 3 and torch.nn.functional.group_norm."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.autodiff import Tensor, backward
from nnet.layers import GroupNormalization


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((2, 3, 3, 6), {"groups": 3}),
    ((2, 4, 3, 3), {"groups": 2, "axis": 1, "epsilon": 1e-5}),
    ((3, 5, 4), {"groups": -1, "center": False}),
    ((2, 5, 4), {"groups": 1, "scale": False, "beta_regularizer": "l2"}),
])
def test_group_normalization_matches_keras(input_shape, init_kwargs):
    trainable = int(init_kwargs.get("center", True)) + int(init_kwargs.get("scale", True))
    check_layer(GroupNormalization, input_shape, init_kwargs, keras_class="GroupNormalization",
                expected_num_trainable_weights=trainable, expected_num_non_trainable_weights=0)


@pytest.mark.parametrize("data_format", ["channels_first", "channels_last"])
def test_matches_torch_group_norm(data_format):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 6, 4, 5)) * 2 + 1).astype("float32")
    g = rng.standard_normal(x.shape).astype("float32")
    gamma, beta = (rng.standard_normal(6).astype("float32") for _ in range(2))
    tx, tgamma, tbeta = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    expected = torch.nn.functional.group_norm(tx, 3, tgamma, tbeta, eps=1e-5)
    expected.backward(torch.tensor(g))

    axis = 1 if data_format == "channels_first" else -1
    to_layout = (lambda a: a) if axis == 1 else (lambda a: np.moveaxis(a, 1, -1))
    layer = GroupNormalization(groups=3, axis=axis, epsilon=1e-5)
    layer.build(to_layout(x).shape)
    layer.set_weights([gamma, beta])
    inputs = Tensor(to_layout(x), requires_grad=True)
    out = layer(inputs)
    backward(out, to_layout(g))
    tolerance = {"rtol": 1e-4, "atol": 1e-6}
    np.testing.assert_allclose(out.numpy(), to_layout(expected.detach().numpy()), **tolerance)
    np.testing.assert_allclose(inputs.grad, to_layout(tx.grad.numpy()), **tolerance)
    np.testing.assert_allclose(layer.gamma.grad, tgamma.grad.numpy(), **tolerance)
    np.testing.assert_allclose(layer.beta.grad, tbeta.grad.numpy(), **tolerance)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="groups=0"):
        GroupNormalization(groups=0)
    with pytest.raises(TypeError, match=r"axis=\[1, 2\]"):
        GroupNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match="divide the number of channels.*groups=4"):
        GroupNormalization(groups=4)(np.zeros((2, 6)))
    with pytest.raises(ValueError, match="Axis 3 is out of bounds"):
        GroupNormalization(groups=1, axis=3)(np.zeros((2, 6)))
