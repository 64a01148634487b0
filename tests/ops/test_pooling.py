"""Pooling ops against PyTorch (values and input gradients), Keras ("same" padding) and
float64 central differences."""

import itertools
import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

from nnet import ops
from nnet.autodiff import Tensor, backward, check_grad

torch = pytest.importorskip("torch")
F = torch.nn.functional
RTOL, ATOL = 1e-4, 1e-6

TORCH_POOL = {("max", 1): F.max_pool1d, ("max", 2): F.max_pool2d, ("max", 3): F.max_pool3d,
              ("average", 1): F.avg_pool1d, ("average", 2): F.avg_pool2d,
              ("average", 3): F.avg_pool3d}
TORCH_ADAPTIVE = {("max", 1): F.adaptive_max_pool1d, ("max", 2): F.adaptive_max_pool2d,
                  ("max", 3): F.adaptive_max_pool3d, ("average", 1): F.adaptive_avg_pool1d,
                  ("average", 2): F.adaptive_avg_pool2d, ("average", 3): F.adaptive_avg_pool3d}
NNET_POOL = {"max": ops.max_pool, "average": ops.average_pool}
NNET_ADAPTIVE = {"max": ops.adaptive_max_pool, "average": ops.adaptive_average_pool}


def _to_first(x):
    return np.moveaxis(x, -1, 1)


def _nnet_value_and_grad(fn, x, g_first, data_format):
    """nnet's output and input gradient, both channels_first, for an upstream gradient."""
    if data_format == "channels_last":
        x = np.moveaxis(x, 1, -1)
    leaf = Tensor(np.ascontiguousarray(x), requires_grad=True)
    y = fn(leaf, data_format)
    backward(y, np.ascontiguousarray(g_first if data_format == "channels_first"
                                     else np.moveaxis(g_first, 1, -1)))
    y, grad = y.numpy(), leaf.grad
    if data_format == "channels_last":
        y, grad = _to_first(y), _to_first(grad)
    return y, grad


def _compare_with_torch(x, torch_fn, nnet_fn, data_format, seed=0):
    """x is channels_first float32; torch_fn and nnet_fn take (tensor) and (tensor, format)."""
    t = torch.tensor(x, requires_grad=True)
    expected = torch_fn(t)
    g = np.random.default_rng(seed).standard_normal(tuple(expected.shape)).astype("float32")
    expected.backward(torch.tensor(g))
    y, grad = _nnet_value_and_grad(nnet_fn, x, g, data_format)
    np.testing.assert_allclose(y, expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=RTOL, atol=ATOL)


# (pool_size, strides) per spatial dimension count; padding 0 is "valid".
GRID = [(2, None), (3, 1), (3, 2), (2, 3), (1, 2), ((2, 3, 1), (1, 2, 3))]


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_valid_pooling_matches_torch(rank, mode, data_format):
    rng = np.random.default_rng(rank)
    x = rng.standard_normal((2, 3) + (7, 6, 5)[:rank]).astype("float32")
    for pool_size, strides in GRID:
        if isinstance(pool_size, tuple):
            pool_size, strides = pool_size[:rank], strides[:rank]

        def torch_fn(t, k=pool_size, s=strides):
            kwargs = {"count_include_pad": False} if mode == "average" else {}
            return TORCH_POOL[mode, rank](t, k, s, **kwargs)

        def nnet_fn(t, fmt, k=pool_size, s=strides):
            return NNET_POOL[mode](t, k, s, "valid", fmt)

        _compare_with_torch(x, torch_fn, nnet_fn, data_format)


@pytest.mark.parametrize("mode", ["max", "average"])
def test_symmetric_same_padding_matches_torch_padding(mode):
    # Odd windows at stride 1 pad (k - 1) / 2 on each side: PyTorch's `padding` argument, with
    # padded cells left out of the average's count.
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 5)).astype("float32")
    kwargs = {"count_include_pad": False} if mode == "average" else {}
    for k in (3, 5):
        _compare_with_torch(
            x, lambda t, k=k: TORCH_POOL[mode, 2](t, k, 1, padding=k // 2, **kwargs),
            lambda t, fmt, k=k: NNET_POOL[mode](t, k, 1, "same", fmt), "channels_last")


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    # Integer-valued inputs tie often; PyTorch picks the first maximum of each window.
    x = np.round(np.random.default_rng(2).standard_normal((2, 3, 8, 8))).astype("float32")
    for k, s in ((2, 2), (3, 1), (3, 2)):
        _compare_with_torch(x, lambda t, k=k, s=s: F.max_pool2d(t, k, s),
                            lambda t, fmt, k=k, s=s: ops.max_pool(t, k, s, data_format=fmt),
                            "channels_last")
    flat = np.zeros((1, 4, 4, 1), "float32")
    leaf = Tensor(flat, requires_grad=True)
    backward(ops.max_pool(leaf, 2), np.ones((1, 2, 2, 1), "float32"))
    assert leaf.grad.sum() == 4 and leaf.grad.max() == 1


def _same_reference(x, pool_size, strides, mode):
    """TensorFlow's "same" pooling, window by window (channels_last, spatial rank 1 to 3)."""
    spatial = x.shape[1:-1]
    geometry = []
    for n, k, s in zip(spatial, pool_size, strides):
        out = -(-n // s)
        geometry.append((out, max((out - 1) * s + k - n, 0) // 2))
    y = np.empty((x.shape[0], *[g[0] for g in geometry], x.shape[-1]), x.dtype)
    for position in itertools.product(*(range(out) for out, _ in geometry)):
        window = tuple(slice(max(o * s - left, 0), o * s - left + k)
                       for o, s, (_, left), k in zip(position, strides, geometry, pool_size))
        cells = x[(slice(None), *window)]
        axes = tuple(range(1, x.ndim - 1))
        y[(slice(None), *position)] = cells.max(axes) if mode == "max" else cells.mean(axes)
    return y


@pytest.mark.parametrize("mode", ["max", "average"])
def test_same_padding_matches_tensorflow_rule_and_keras(mode):
    from keras import ops as keras_ops

    rng = np.random.default_rng(3)
    for shape, pool_size, strides in [
        ((2, 7, 3), (4,), (1,)), ((2, 6, 2), (3,), (2,)), ((2, 5, 6, 2), (2, 3), (2, 2)),
        ((2, 6, 6, 2), (3, 3), (1, 1)), ((1, 4, 5, 3, 2), (2, 3, 2), (2, 1, 2)),
    ]:
        x = rng.standard_normal(shape).astype("float32")
        y = NNET_POOL[mode](x, pool_size, strides, "same").numpy()
        np.testing.assert_allclose(y, _same_reference(x, pool_size, strides, mode),
                                   rtol=RTOL, atol=ATOL)
        # Keras's torch backend pads an uneven split by repeating the edge cells, which gives
        # TensorFlow's result for the max but counts the repeats in an average: compare the
        # average with Keras only where the padding is even.
        even = all((max((-(-n // s) - 1) * s + k - n, 0)) % 2 == 0
                   for n, k, s in zip(shape[1:-1], pool_size, strides))
        if mode == "max" or even:
            keras_fn = keras_ops.max_pool if mode == "max" else keras_ops.average_pool
            expected = keras_fn(x, pool_size, strides, "same").detach().cpu().numpy()
            np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", ["max", "average"])
def test_adaptive_pooling_matches_torch(rank, mode):
    rng = np.random.default_rng(4 + rank)
    x = rng.standard_normal((2, 3) + (7, 9, 5)[:rank]).astype("float32")
    for output_size in ((3, 4, 2), (7, 2, 5), (1, 1, 1), (5, 9, 4)):
        size = output_size[:rank]
        for data_format in ("channels_last", "channels_first"):
            _compare_with_torch(
                x, lambda t, size=size: TORCH_ADAPTIVE[mode, rank](t, size),
                lambda t, fmt, size=size: NNET_ADAPTIVE[mode](t, size, fmt), data_format)


def test_adaptive_pooling_matches_keras():
    from keras import ops as keras_ops

    x = np.random.default_rng(5).standard_normal((2, 10, 7, 3)).astype("float32")
    for name in ("adaptive_average_pool", "adaptive_max_pool"):
        expected = getattr(keras_ops, name)(x, (4, 3)).detach().cpu().numpy()
        np.testing.assert_allclose(getattr(ops, name)(x, (4, 3)).numpy(), expected,
                                   rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("fn, args", [
    (ops.max_pool, ((2, 3), (1, 2), "same")),
    (ops.max_pool, (3, 2, "valid")),
    (ops.average_pool, ((3, 2), (2, 1), "same")),
    (ops.average_pool, (2, None, "valid")),
    (ops.adaptive_max_pool, ((3, 2),)),
    (ops.adaptive_average_pool, ((4, 3),)),
])
def test_float64_gradients(fn, args):
    # Normal draws have no ties, so the max is differentiable at the sample.
    x = np.random.default_rng(6).standard_normal((2, 6, 5, 3))
    check_grad(lambda t: fn(t, *args), x)


def test_bad_arguments_are_refused():
    x = np.zeros((1, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match="padding='full'"):
        ops.max_pool(x, 2, padding="full")
    with pytest.raises(ValueError, match="pool_size=\\(2, 2, 2\\)"):
        ops.average_pool(x, (2, 2, 2))
    with pytest.raises(ValueError, match="pool_size=0"):
        ops.max_pool(x, 0)
    with pytest.raises(ValueError, match="larger than the input"):
        ops.max_pool(x, 5)
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.adaptive_max_pool(np.zeros((2, 3)), 1)


def test_pooling_ops_in_a_functional_model_save_and_load(tmp_path):
    import nnet

    inputs = nnet.Input((6, 6, 2))
    pooled = ops.adaptive_average_pool(ops.max_pool(inputs, 2), 2)
    model = nnet.Model(inputs, [pooled, ops.adaptive_max_pool(ops.average_pool(inputs, 3, 1), 3)])
    assert [tuple(t.shape) for t in model.outputs] == [(None, 2, 2, 2), (None, 3, 3, 2)]
    model.save(tmp_path / "model.keras")
    loaded = nnet.saving.load_model(tmp_path / "model.keras")
    x = np.random.default_rng(7).standard_normal((2, 6, 6, 2)).astype("float32")
    for expected, actual in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0)):
        np.testing.assert_array_equal(actual, expected)


def test_max_pool_gradient_reaches_only_the_maximum_when_the_upstream_gradient_is_not_finite():
    leaf = Tensor(np.array([[[1.0], [3.0], [2.0], [0.0]]]), requires_grad=True)
    backward(ops.max_pool(leaf, 2), np.array([[[np.inf], [np.nan]]]))
    np.testing.assert_array_equal(leaf.grad[0, :, 0], [0.0, np.inf, np.nan, 0.0])
