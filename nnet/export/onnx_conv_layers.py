"""ONNX emitters for the convolution, pooling, padding, cropping and up-sampling layers.

ONNX's Conv, ConvTranspose and pooling ops read channels-first data: a channels-last input is
transposed before them and back after. Kernels are transposed from Keras's layout
``(*kernel_size, in, out)`` to ONNX's ``(out, in, *kernel_size)`` when written.
"""

import numpy as np

from nnet.export.onnx_graph import channels_first, channels_last, emits, with_lora
from nnet.layers import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Cropping1D,
    Cropping2D,
    Cropping3D,
    DepthwiseConv1D,
    DepthwiseConv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
    SeparableConv1D,
    SeparableConv2D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from nnet.ops.conv import conv_padding, conv_transpose_padding, depthwise_kernel_as_grouped


def _onnx_kernel(kernel, rank):
    """A Keras kernel ``(*kernel_size, a, b)`` as ONNX's ``(b, a, *kernel_size)``."""
    array = kernel.numpy() if hasattr(kernel, "numpy") else np.asarray(kernel)
    return array.transpose(rank + 1, rank, *range(rank))


def _spatial_sizes(layer, node):
    shape = node.input_tensors[0].shape
    return shape[1:-1] if layer.data_format == "channels_last" else shape[2:]


def _padding_attributes(layer, node, kernel_size, strides, dilation):
    """``pads`` for ONNX, from the same (left, right) rule the layer pads by; SAME_UPPER (the
    same rule) where a spatial size is only known at run time."""
    sizes = _spatial_sizes(layer, node)
    if layer.padding == "same" and any(n is None for n in sizes):
        return {"auto_pad": "SAME_UPPER"}
    pairs = [conv_padding(n, k, s, d, layer.padding)
             for n, k, s, d in zip(sizes, kernel_size, strides, dilation)]
    return {"pads": [left for left, _ in pairs] + [right for _, right in pairs]}


def _channels_first_op(g, layer, x, rank, emit):
    """Run `emit(x)` on channels-first data, transposing around it for channels-last."""
    if layer.data_format == "channels_last":
        x = channels_first(g, x, rank + 2, layer.name)
    y = emit(x)
    if layer.data_format == "channels_last":
        y = channels_last(g, y, rank + 2, layer.name)
    return y


def _conv(g, layer, x, node, kernel, groups, hint, padding_of=None):
    inputs = [x, g.constant(_onnx_kernel(kernel, layer.rank), f"{hint}/kernel")]
    return g.op("Conv", inputs, hint, kernel_shape=list(layer.kernel_size),
                strides=list(layer.strides), dilations=list(layer.dilation_rate), group=groups,
                **(padding_of or _padding_attributes(layer, node, layer.kernel_size,
                                                     layer.strides, layer.dilation_rate)))


def _bias_and_activation(g, layer, y):
    if layer.use_bias:
        shape = [1, -1] + [1] * layer.rank
        y = g.op("Add", [y, g.constant(layer.bias.numpy().reshape(shape), f"{layer.name}/bias")],
                 f"{layer.name}/bias_add")
    return y


def _finish(g, layer, x, node, emit):
    y = _channels_first_op(g, layer, x, layer.rank,
                           lambda x: _bias_and_activation(g, layer, emit(x)))
    return g.activation(layer.activation, y, layer.name)


@emits(Conv1D, Conv2D, Conv3D)
def _convolution(g, layer, inputs, node):
    kernel = with_lora(layer, layer.kernel)
    return _finish(g, layer, inputs[0], node,
                   lambda x: _conv(g, layer, x, node, kernel, layer.groups, layer.name))


@emits(DepthwiseConv1D, DepthwiseConv2D)
def _depthwise_convolution(g, layer, inputs, node):
    kernel = depthwise_kernel_as_grouped(layer.kernel)
    channels = layer.kernel.shape[-2]
    return _finish(g, layer, inputs[0], node,
                   lambda x: _conv(g, layer, x, node, kernel, channels, layer.name))


@emits(SeparableConv1D, SeparableConv2D)
def _separable_convolution(g, layer, inputs, node):
    channels = layer.depthwise_kernel.shape[-2]

    def emit(x):
        depthwise = _conv(g, layer, x, node, depthwise_kernel_as_grouped(layer.depthwise_kernel),
                          channels, f"{layer.name}/depthwise")
        pointwise = _onnx_kernel(layer.pointwise_kernel, layer.rank)
        return g.op("Conv", [depthwise, g.constant(pointwise, f"{layer.name}/pointwise_kernel")],
                    f"{layer.name}/pointwise", kernel_shape=[1] * layer.rank)
    return _finish(g, layer, inputs[0], node, emit)


@emits(Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
def _convolution_transpose(g, layer, inputs, node):
    """ONNX crops ``pads`` off the full scatter of the input; the layer's output starts
    ``(k - 1) * dilation - left`` into it and may reach past its end (``output_padding``)."""
    sizes = _spatial_sizes(layer, node)
    if any(n is None for n in sizes):
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) needs known spatial sizes to be "
            f"exported to ONNX. Received input shape {node.input_tensors[0].shape}: give the "
            f"model's Input a full shape."
        )
    extras = layer.output_padding or (None,) * layer.rank
    begins, ends, output_padding = [], [], []
    for n, k, s, d, e in zip(sizes, layer.kernel_size, layer.strides, layer.dilation_rate,
                             extras):
        left, right = conv_transpose_padding(k, s, d, layer.padding, e)
        full = (n - 1) * s + (k - 1) * d + 1
        size = (n - 1) * s + left + right - (k - 1) * d + 1
        begin = (k - 1) * d - left
        past_end = max(0, begin + size - full)
        begins.append(begin)
        output_padding.append(past_end)
        ends.append(full + past_end - begin - size)

    def emit(x):
        # The layer's kernel (*kernel_size, filters, in) is ONNX's (in, filters, *kernel_size).
        kernel = g.constant(_onnx_kernel(layer.kernel, layer.rank), f"{layer.name}/kernel")
        return g.op("ConvTranspose", [x, kernel], layer.name,
                    kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
                    dilations=list(layer.dilation_rate), pads=begins + ends,
                    output_padding=output_padding)
    return _finish(g, layer, inputs[0], node, emit)


@emits(MaxPooling1D, MaxPooling2D, MaxPooling3D, AveragePooling1D, AveragePooling2D,
       AveragePooling3D)
def _pooling(g, layer, inputs, node):
    rank = len(layer.pool_size)
    padding = _padding_attributes(layer, node, layer.pool_size, layer.strides, [1] * rank)
    op_type = "MaxPool" if layer.pool_mode == "max" else "AveragePool"
    # count_include_pad=0 (the default): a padded window averages its real cells only.
    return _channels_first_op(g, layer, inputs[0], rank, lambda x: g.op(
        op_type, [x], layer.name, kernel_shape=list(layer.pool_size),
        strides=list(layer.strides), **padding))


@emits(GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
def _global_average_pooling(g, layer, inputs, node):
    return g.op("ReduceMean", [inputs[0], g.ints(list(layer._axes), f"{layer.name}/axes")],
                layer.name, keepdims=int(bool(layer.keepdims)))


@emits(GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
def _global_max_pooling(g, layer, inputs, node):
    return g.op("ReduceMax", [inputs[0], g.ints(list(layer._axes), f"{layer.name}/axes")],
                layer.name, keepdims=int(bool(layer.keepdims)))


@emits(ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
def _zero_padding(g, layer, inputs, node):
    pairs = layer._pad_width()
    pads = g.ints([before for before, _ in pairs] + [after for _, after in pairs],
                  f"{layer.name}/pads")
    return g.op("Pad", [inputs[0], pads], layer.name, mode="constant")


@emits(Cropping1D, Cropping2D, Cropping3D)
def _cropping(g, layer, inputs, node):
    first = layer._first_axis()
    axes = list(range(first, first + len(layer._pairs)))
    ends = [-after if after else np.iinfo(np.int64).max for _, after in layer._pairs]
    return g.op("Slice", [inputs[0], g.ints([before for before, _ in layer._pairs], "starts"),
                          g.ints(ends, "ends"), g.ints(axes, "axes")], layer.name)


@emits(UpSampling1D, UpSampling2D, UpSampling3D)
def _up_sampling(g, layer, inputs, node):
    interpolation = getattr(layer, "interpolation", "nearest")
    if interpolation != "nearest":
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) with interpolation="
            f"{interpolation!r} cannot be exported to ONNX yet; interpolation='nearest' can."
        )
    scales = [1.0] * len(node.input_tensors[0].shape)
    # UpSampling1D repeats along axis 1; the others along their spatial axes.
    sizes, first = ([layer.size], 1) if isinstance(layer, UpSampling1D) else (layer.size,
                                                                              layer._first)
    for axis, factor in enumerate(sizes, first):
        scales[axis] = float(factor)
    # Nearest with floor of the asymmetric source coordinate repeats each cell `factor` times.
    return g.op("Resize", [inputs[0], "", g.constant(scales, f"{layer.name}/scales")], layer.name,
                mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
