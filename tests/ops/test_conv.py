"""The convolution ops against PyTorch (values and gradients of input, kernel and bias) over a
grid of strides, paddings, dilations, groups and data formats, and float64 numerical gradients."""

import functools
import itertools
import math

import numpy as np
import pytest

import nnet
from nnet import ops
from nnet.autodiff import Tensor, backward, check_grad
from nnet.ops.conv import (
    conv_transpose_output_length,
    conv_transpose_padding,
    fused_conv,
    fused_conv_transpose,
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}
SPATIAL, KERNEL = (7, 6, 5), (3, 2, 3)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """PyTorch's thread pool costs far more than these tiny convolutions on a busy machine."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)  # the output gradients drawn by _backward_torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _to_torch_kernel(kernel, rank):
    """Keras (*K, a, b) -> PyTorch (b, a, *K)."""
    return np.ascontiguousarray(np.transpose(kernel, (rank + 1, rank, *range(rank))))


def _layouts(data_format, rank):
    """Converters of the (input, kernel, bias) gradients to PyTorch's layouts."""
    return [functools.partial(_input_to_torch, data_format=data_format),
            functools.partial(_to_torch_kernel, rank=rank), np.asarray]


def _leaves(torch, x, kernel, bias, rank, data_format):
    """The same (input, kernel, bias) as PyTorch leaves (channels first) and nnet leaves."""
    torch_leaves = [torch.tensor(np.moveaxis(x, -1, 1), requires_grad=True),
                    torch.tensor(_to_torch_kernel(kernel, rank), requires_grad=True),
                    torch.tensor(bias, requires_grad=True)]
    inputs = x if data_format == "channels_last" else np.moveaxis(x, -1, 1).copy()
    return torch_leaves, [Tensor(a, requires_grad=True) for a in (inputs, kernel, bias)]


def _backward_torch(torch, yt):
    """Backpropagate a random output gradient through PyTorch; return it."""
    gt = torch.randn(yt.shape)
    (yt * gt).sum().backward()
    return gt


def _reference_pads(size, kernel_size, stride, dilation, padding):
    """TensorFlow's padding, written out here: "same" puts the odd pixel on the right."""
    span = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    total = max((math.ceil(size / stride) - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def _grids(rank, **axes):
    """Every combination of the given axes, less strides > 1 with dilation > 1 (which Keras
    refuses in its layers)."""
    names = list(axes)
    for values in itertools.product(*axes.values()):
        case = dict(zip(names, values))
        if case.get("strides", 1) > 1 and case.get("dilation", 1) > 1:
            continue
        yield case


def _input_to_torch(x, data_format):
    return np.moveaxis(x, -1, 1) if data_format == "channels_last" else x


def _depthwise_to_torch(kernel, rank):
    """Keras depthwise (*K, C, M) -> PyTorch's groups=C conv kernel (C * M, 1, *K)."""
    return _to_torch_kernel(kernel.reshape(*kernel.shape[:-2], 1, -1), rank)


def _compare(actual_tensor, leaves, to_torch, expected, expected_leaf_grads, torch_grad,
             data_format, what):
    """Backpropagate the same output gradient through nnet and check values and gradients
    (each leaf's gradient put in PyTorch's layout by its `to_torch` function)."""
    channels_last = data_format == "channels_last"
    actual = actual_tensor.numpy()
    np.testing.assert_allclose(np.moveaxis(actual, -1, 1) if channels_last else actual,
                               expected, **TOLERANCE, err_msg=f"{what}: values")
    g = np.ascontiguousarray(np.moveaxis(torch_grad, 1, -1) if channels_last else torch_grad)
    backward(actual_tensor, g)
    leaf_grads = [convert(leaf.grad) for leaf, convert in zip(leaves, to_torch)]
    for name, (leaf, expect) in zip(("input", "kernel", "bias"),
                                    zip(leaf_grads, expected_leaf_grads)):
        # A kernel gradient entry sums hundreds of products: float32 rounding in either library
        # is relative to the size of the gradient, not of one entry that nearly cancels.
        atol = TOLERANCE["atol"] * max(1.0, float(np.abs(expect).max()))
        np.testing.assert_allclose(leaf, expect, rtol=TOLERANCE["rtol"], atol=atol,
                                   err_msg=f"{what}: {name} grad")


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_conv_with_bias_and_relu_against_torch(rank):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    torch_conv = (functional.conv1d, functional.conv2d, functional.conv3d)[rank - 1]
    rng = np.random.default_rng(rank)
    paddings = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
    for case in _grids(rank, strides=(1, 2), dilation=(1, 2), padding=paddings, groups=(1, 2),
                       data_format=("channels_last", "channels_first"),
                       activation=(None, "relu")):
        spatial, kernel_size = SPATIAL[:rank], KERNEL[:rank]
        x = rng.standard_normal((2, *spatial, 4)).astype("float32")
        kernel = rng.standard_normal((*kernel_size, 4 // case["groups"], 6)).astype("float32")
        bias = rng.standard_normal(6).astype("float32")
        (xt, kt, bt), (inputs, k, b) = _leaves(torch, x, kernel, bias, rank, case["data_format"])
        pads = [_reference_pads(s, k, case["strides"], case["dilation"], case["padding"])
                for s, k in zip(spatial, kernel_size)]
        padded = functional.pad(xt, [p for pair in reversed(pads) for p in pair])
        yt = torch_conv(padded, kt, bt, stride=case["strides"], dilation=case["dilation"],
                        groups=case["groups"])
        if case["activation"]:
            yt = torch.relu(yt)
        gt = _backward_torch(torch, yt)
        y = fused_conv(inputs, k, b, case["activation"], strides=case["strides"],
                       padding=case["padding"], data_format=case["data_format"],
                       dilation_rate=case["dilation"])
        _compare(y, [inputs, k, b], _layouts(case["data_format"], rank), yt.detach().numpy(),
                 [xt.grad.numpy(), kt.grad.numpy(), bt.grad.numpy()], gt.numpy(),
                 case["data_format"], f"conv {rank}D {case}")


def _torch_conv_transpose(torch, xt, kt, bt, case, in_size, kernel_size):
    """PyTorch's full transposed conv, cropped / zero-extended to Keras's padding."""
    functional = torch.nn.functional
    rank = len(in_size)
    conv_t = (functional.conv_transpose1d, functional.conv_transpose2d,
              functional.conv_transpose3d)[rank - 1]
    full = conv_t(xt, kt, stride=case["strides"], dilation=case["dilation"])
    crops = []
    for axis in reversed(range(rank)):
        k = kernel_size[axis]
        left, _ = conv_transpose_padding(k, case["strides"], case["dilation"], case["padding"],
                                         case["output_padding"])
        start = (k - 1) * case["dilation"] - left
        length = conv_transpose_output_length(in_size[axis], k, case["strides"],
                                              case["dilation"], case["padding"],
                                              case["output_padding"])
        crops += [-start, start + length - full.shape[2 + axis]]
    y = functional.pad(full, crops)
    return y + bt.reshape(1, -1, *[1] * rank)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_conv_transpose_with_bias_against_torch(rank):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10 + rank)
    for case in _grids(rank, strides=(1, 2, 3), dilation=(1, 2), padding=("valid", "same"),
                       output_padding=(None, 0, 1),
                       data_format=("channels_last", "channels_first"),
                       activation=(None, "tanh")):
        if case["output_padding"] is not None and case["output_padding"] >= case["strides"]:
            continue
        in_size, kernel_size = (5, 4, 3)[:rank], KERNEL[:rank]
        x = rng.standard_normal((2, *in_size, 4)).astype("float32")
        kernel = rng.standard_normal((*kernel_size, 3, 4)).astype("float32")
        bias = rng.standard_normal(3).astype("float32")
        (xt, kt, bt), (inputs, k, b) = _leaves(torch, x, kernel, bias, rank, case["data_format"])
        yt = _torch_conv_transpose(torch, xt, kt, bt, case, in_size, kernel_size)
        if case["activation"]:
            yt = torch.tanh(yt)
        gt = _backward_torch(torch, yt)
        y = fused_conv_transpose(inputs, k, b, case["activation"], strides=case["strides"],
                                 padding=case["padding"], output_padding=case["output_padding"],
                                 data_format=case["data_format"], dilation_rate=case["dilation"])
        _compare(y, [inputs, k, b], _layouts(case["data_format"], rank), yt.detach().numpy(),
                 [xt.grad.numpy(), kt.grad.numpy(), bt.grad.numpy()], gt.numpy(),
                 case["data_format"], f"conv_transpose {rank}D {case}")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_and_separable_conv_against_torch(data_format):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(20)
    channels_last = data_format == "channels_last"
    for rank, strides, padding in itertools.product((1, 2), (1, 2), ("valid", "same")):
        spatial, kernel_size = SPATIAL[:rank], KERNEL[:rank]
        torch_conv = (functional.conv1d, functional.conv2d)[rank - 1]
        x = rng.standard_normal((2, *spatial, 3)).astype("float32")
        depthwise = rng.standard_normal((*kernel_size, 3, 2)).astype("float32")
        pointwise = rng.standard_normal((*(1,) * rank, 6, 4)).astype("float32")
        xt = torch.tensor(np.moveaxis(x, -1, 1), requires_grad=True)
        # Depthwise output channel c * multiplier + m is PyTorch's groups=C conv's channel order.
        dt = torch.tensor(_to_torch_kernel(depthwise.reshape(*kernel_size, 1, 6), rank),
                          requires_grad=True)
        pt = torch.tensor(_to_torch_kernel(pointwise, rank), requires_grad=True)
        pads = [_reference_pads(s, k, strides, 1, padding) for s, k in zip(spatial, kernel_size)]
        padded = functional.pad(xt, [p for pair in reversed(pads) for p in pair])
        yt = torch_conv(torch_conv(padded, dt, stride=strides, groups=3), pt)
        gt = _backward_torch(torch, yt)

        inputs = Tensor(x if channels_last else np.moveaxis(x, -1, 1).copy(),
                        requires_grad=True)
        d, p = Tensor(depthwise, requires_grad=True), Tensor(pointwise, requires_grad=True)
        y = ops.separable_conv(inputs, d, p, strides=strides, padding=padding,
                               data_format=data_format)
        to_torch = [functools.partial(_input_to_torch, data_format=data_format),
                    functools.partial(_depthwise_to_torch, rank=rank),
                    functools.partial(_to_torch_kernel, rank=rank)]
        _compare(y, [inputs, d, p], to_torch, yt.detach().numpy(),
                 [xt.grad.numpy(), dt.grad.numpy(), pt.grad.numpy()], gt.numpy(), data_format,
                 f"separable_conv {rank}D {strides} {padding}")
        depthwise_only = ops.depthwise_conv(x, depthwise, strides=strides, padding=padding)
        expected = torch_conv(padded, dt, stride=strides, groups=3).detach().numpy()
        np.testing.assert_allclose(np.moveaxis(depthwise_only.numpy(), -1, 1), expected,
                                   **TOLERANCE)


@pytest.mark.parametrize("fn,x_shape,kernel_shape,kwargs", [
    (fused_conv, (2, 5, 4), (3, 2, 4), {"activation": "relu", "strides": 2, "padding": "same"}),
    (fused_conv, (1, 4, 6, 7), (2, 3, 2, 4),
     {"activation": "tanh", "dilation_rate": 2, "data_format": "channels_first"}),
    (fused_conv, (1, 3, 4, 3, 2), (2, 2, 2, 2, 3), {"padding": "same"}),
    (fused_conv_transpose, (2, 4, 3), (3, 2, 3),
     {"activation": "tanh", "strides": 2, "padding": "same", "output_padding": 1}),
    (fused_conv_transpose, (1, 2, 3, 2), (2, 3, 3, 2),
     {"strides": (2, 1), "data_format": "channels_first"}),
])
def test_float64_numerical_gradients(fn, x_shape, kernel_shape, kwargs):
    rng = np.random.default_rng(0)
    filters = kernel_shape[-1] if fn is fused_conv else kernel_shape[-2]
    check_grad(lambda x, k, b: fn(x, k, b, **kwargs), rng.standard_normal(x_shape),
               rng.standard_normal(kernel_shape), rng.standard_normal(filters))


def test_float64_numerical_gradients_of_depthwise_and_separable():
    rng = np.random.default_rng(1)
    check_grad(lambda x, d, p: ops.separable_conv(x, d, p, strides=2, padding="same"),
               rng.standard_normal((2, 5, 4, 2)), rng.standard_normal((2, 3, 2, 2)),
               rng.standard_normal((1, 1, 4, 3)))


def test_float32_stays_float32():
    x = Tensor(np.ones((1, 5, 5, 2), "float32"), requires_grad=True)
    k = Tensor(np.ones((3, 3, 2, 4), "float32"), requires_grad=True)
    y = ops.conv(x, k, padding="same")
    backward(ops.sum(y))
    assert y.dtype == x.grad.dtype == k.grad.dtype == np.float32


def test_data_format_defaults_to_the_config():
    nnet.config.set_image_data_format("channels_first")
    try:
        assert ops.conv(np.ones((1, 2, 6, 6)), np.ones((3, 3, 2, 5))).shape == (1, 5, 4, 4)
        assert nnet.layers.Conv2D(5, 3).data_format == "channels_first"
    finally:
        nnet.config.set_image_data_format("channels_last")


@pytest.mark.parametrize("call,message", [
    (lambda: ops.conv(np.ones((1, 5, 3)), np.ones((3, 2, 4))),
     r"3 channels must be a multiple of the kernel's input channels.*kernel.shape=\(3, 2, 4\)"),
    (lambda: ops.conv(np.ones((1, 5, 4)), np.ones((3, 2, 3))),
     r"3 filters must be a multiple of the 2 groups"),
    (lambda: ops.conv(np.ones((1, 2, 4)), np.ones((3, 4, 4))), r"output would be empty"),
    (lambda: ops.conv(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="causal"),
     r"Expected one of 'valid', 'same' for padding. Received: padding='causal'"),
    (lambda: ops.conv(np.ones((1, 5, 1)), np.ones((3, 1, 1)), strides=0),
     r"`strides` argument must hold integers >= 1. Received: strides=0"),
    (lambda: ops.conv(np.ones((5, 1)), np.ones((3, 1))), r"inputs of rank 3, 4 or 5"),
    (lambda: ops.conv_transpose(np.ones((1, 5, 2)), np.ones((3, 1, 3))),
     r"kernel's last axis must equal the input's 2 channels"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_functional_model_with_conv_ops_saves_and_loads(tmp_path):
    inputs = nnet.Input((6, 6, 2))
    kernel = np.random.default_rng(0).standard_normal((3, 3, 2, 4)).astype("float32")
    outputs = ops.conv(inputs, kernel, padding="same")
    model = nnet.Model(inputs, outputs)
    x = np.ones((1, 6, 6, 2), "float32")
    path = tmp_path / "conv.keras"
    model.save(path)
    loaded = nnet.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
