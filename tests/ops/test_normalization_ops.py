"""Normalization ops: the fused batch norm and its inference form, layer and RMS normalization,
against NumPy (values, float64 numerical gradients), PyTorch and keras.ops."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_op

from nnet import ops
from nnet.autodiff import Tensor, backward

TORCH_TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


def _stats_shape(shape, axis):
    return [n if i == axis % len(shape) else 1 for i, n in enumerate(shape)]


def _batch_norm_reference(x, scale, offset, axis, epsilon):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    shape = _stats_shape(x.shape, axis)
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + epsilon)
    return x_hat * scale.reshape(shape) + offset.reshape(shape), mean, var


def _all_outputs(outputs, axis, ndim, reshape=np.reshape):
    """y plus the broadcast statistics, so that one gradient check covers all three outputs."""
    y, mean, var = outputs
    shape = [-1 if i == axis % ndim else 1 for i in range(ndim)]
    return y + 2 * reshape(mean, shape) + 3 * reshape(var, shape)


@pytest.mark.parametrize("shape, axis", [((6, 3), -1), ((3, 4, 5), 1), ((2, 3, 4, 2), -1),
                                         ((2, 3, 2, 2, 3), 1)])
def test_fused_batch_normalization_table(shape, axis):
    def fn(x, scale, offset):
        return _all_outputs(ops.fused_batch_normalization(x, scale, offset, axis=axis,
                                                          epsilon=1e-3), axis, len(shape),
                            ops.reshape)

    def reference(x, scale, offset):
        return _all_outputs(_batch_norm_reference(x, scale, offset, axis, 1e-3), axis, x.ndim)

    channels = shape[axis]
    check_op(fn, reference, [shape, (channels,), (channels,)])


def test_batch_normalization_table():
    def fn(x, mean, variance, offset, scale):
        return ops.batch_normalization(x, mean, variance * variance + 0.5, axis=1,
                                       offset=offset, scale=scale, epsilon=1e-2)

    def reference(x, mean, variance, offset, scale):
        shape = (1, 3, 1)
        variance = variance * variance + 0.5
        return ((x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + 1e-2)
                * scale.reshape(shape) + offset.reshape(shape))

    check_op(fn, reference, [(4, 3, 5), (3,), (3,), (3,), (3,)])
    check_op(lambda x, m, v: ops.batch_normalization(x, m, v * v + 0.5, axis=-1),
             lambda x, m, v: (x - m) / np.sqrt(v * v + 0.5 + 1e-3), [(6, 2), (2,), (2,)])


def _layer_norm_reference(x, gamma, beta, axes, epsilon, center=True):
    mean = x.mean(axis=axes, keepdims=True) if center else 0
    square = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    shape = [n if i in axes else 1 for i, n in enumerate(x.shape)]
    out = (x - mean) / np.sqrt(square + epsilon) * gamma.reshape(shape)
    return out if beta is None else out + beta.reshape(shape)


@pytest.mark.parametrize("shape, axis", [((4, 6), -1), ((2, 3, 4), [1, 2]), ((2, 3, 4), [0, 2]),
                                         ((3, 4, 2), 1)])
def test_layer_and_rms_normalization_table(shape, axis):
    axes = tuple(sorted(a % len(shape) for a in (axis if isinstance(axis, list) else [axis])))
    weight_shape = tuple(shape[a] for a in axes)
    check_op(lambda x, g, b: ops.layer_normalization(x, g, b, axis=axis, epsilon=1e-3),
             lambda x, g, b: _layer_norm_reference(x, g, b, axes, 1e-3),
             [shape, weight_shape, weight_shape])
    check_op(lambda x, s: ops.rms_normalization(x, s, axis=axis, epsilon=1e-3),
             lambda x, s: _layer_norm_reference(x, s, None, axes, 1e-3, center=False),
             [shape, weight_shape])


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("shape", [(16, 3), (6, 3, 5), (4, 5, 6, 3), (2, 4, 3, 5, 3)])
@pytest.mark.parametrize("axis", [-1, 1])
def test_fused_batch_normalization_matches_torch(shape, axis):
    torch = _torch()
    rng = np.random.default_rng(0)
    shape = shape if axis == -1 else (shape[0], shape[-1], *shape[1:-1])
    x = (rng.standard_normal(shape) * 3 + 2).astype("float32")
    g = rng.standard_normal(shape).astype("float32")
    channels = shape[axis]
    scale, offset = (rng.standard_normal(channels).astype("float32") for _ in range(2))
    leaves = [Tensor(a, requires_grad=True) for a in (x, scale, offset)]
    y, mean, var = ops.fused_batch_normalization(*leaves, axis=axis, epsilon=1e-3)
    backward(y, g)

    tx, tscale, toffset = (torch.tensor(a, requires_grad=True) for a in (x, scale, offset))
    running_mean, running_var = torch.zeros(channels), torch.ones(channels)
    ty = torch.nn.functional.batch_norm(tx.movedim(axis, 1), running_mean, running_var, tscale,
                                        toffset, training=True, momentum=1.0, eps=1e-3)
    ty.backward(torch.tensor(g).movedim(axis, 1))
    count = x.size // channels
    np.testing.assert_allclose(y.numpy(), ty.movedim(1, axis).detach().numpy(),
                               **TORCH_TOLERANCE)
    np.testing.assert_allclose(mean.numpy(), running_mean.numpy(), **TORCH_TOLERANCE)
    # torch keeps the unbiased variance as its running statistic.
    np.testing.assert_allclose(var.numpy() * count / (count - 1), running_var.numpy(),
                               **TORCH_TOLERANCE)
    for leaf, expected in zip(leaves, (tx, tscale, toffset)):
        assert leaf.grad.dtype == np.float32
        np.testing.assert_allclose(leaf.grad, expected.grad.numpy(), **TORCH_TOLERANCE)


def test_fused_batch_normalization_keeps_float32_accuracy_on_large_offset_feature_maps():
    # Feature maps with a mean far from 0: the two-pass variance keeps the float32 result
    # within float32 rounding of the float64 one.
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((8, 16, 16, 4)) + 300).astype("float32")
    y, _, var = ops.fused_batch_normalization(x, None, None, epsilon=1e-5)
    expected, _, expected_var = _batch_norm_reference(
        x.astype("float64"), np.ones(4), np.zeros(4), -1, 1e-5)
    np.testing.assert_allclose(var.numpy(), expected_var, rtol=1e-4)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-4)


def test_layer_rms_and_group_norms_match_torch():
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5, 8)).astype("float32")
    g = rng.standard_normal(x.shape).astype("float32")
    gamma, beta = (rng.standard_normal(8).astype("float32") for _ in range(2))
    for ours, theirs in (
        (lambda x, w, b: ops.layer_normalization(x, w, b, epsilon=1e-5),
         lambda x, w, b: F.layer_norm(x, (8,), w, b, eps=1e-5)),
        (lambda x, w, b: ops.rms_normalization(x, w, epsilon=1e-5) + b,
         lambda x, w, b: F.rms_norm(x, (8,), w, eps=1e-5) + b),
    ):
        leaves = [Tensor(a, requires_grad=True) for a in (x, gamma, beta)]
        backward(ours(*leaves), g)
        tensors = [torch.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
        out = theirs(*tensors)
        out.backward(torch.tensor(g))
        np.testing.assert_allclose(ours(x, gamma, beta).numpy(), out.detach().numpy(),
                                   **TORCH_TOLERANCE)
        for leaf, tensor in zip(leaves, tensors):
            np.testing.assert_allclose(leaf.grad, tensor.grad.numpy(), **TORCH_TOLERANCE)


def test_half_precision_inputs_are_normalized_in_float32():
    x = (np.random.default_rng(3).standard_normal((4, 64)) * 300 + 1000).astype("float16")
    for out in (ops.layer_normalization(x), ops.rms_normalization(x)):
        assert out.dtype == np.float16 and np.all(np.isfinite(out.numpy()))
    expected = _layer_norm_reference(x.astype("float64"), np.ones(64), None, (1,), 1e-7)
    np.testing.assert_allclose(ops.layer_normalization(x).numpy(), expected, atol=2e-2)


def test_keras_ops_give_the_same_values():
    keras = pytest.importorskip("keras")
    _torch()
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3, 5)).astype("float32")
    mean, var, offset, scale = (rng.uniform(0.5, 2.0, 3).astype("float32") for _ in range(4))
    pairs = [
        (ops.batch_normalization(x, mean, var, axis=1, offset=offset, scale=scale),
         keras.ops.batch_normalization(x, mean, var, axis=1, offset=offset, scale=scale)),
        (ops.layer_normalization(x, axis=[1, 2]), keras.ops.layer_normalization(x, axis=[1, 2])),
        (ops.rms_normalization(x, scale=np.arange(5.0, dtype="float32")),
         keras.ops.rms_normalization(x, scale=np.arange(5.0, dtype="float32"))),
        *zip(ops.moments(x, axes=[0, 2], keepdims=True),
             keras.ops.moments(x, axes=[0, 2], keepdims=True)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.detach().cpu().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"`scale` must be a vector.*scale.shape=\(2,\)"):
        ops.batch_normalization(np.ones((2, 3)), np.zeros(3), np.ones(3), axis=-1,
                                scale=np.ones(2))
    with pytest.raises(ValueError, match="synchronized=True"):
        ops.moments(np.ones(3), axes=[0], synchronized=True)
    with pytest.raises(TypeError, match="rms_scaling"):
        ops.layer_normalization(np.ones((2, 3)), center=False)
