"""ONNX emitters for the activations and the core, normalization, regularization, merging and
reshaping layers."""

import math
from types import SimpleNamespace

import numpy as np
from onnx import TensorProto

from nnet import activations
from nnet.backend import epsilon as backend_epsilon
from nnet.export.onnx_graph import emits, emits_activation, emitter_for, with_lora
from nnet.layers import (
    ELU,
    Activation,
    ActivityRegularization,
    Add,
    AlphaDropout,
    Average,
    BatchNormalization,
    Concatenate,
    Dense,
    Dot,
    Dropout,
    Flatten,
    GaussianDropout,
    GaussianNoise,
    GroupNormalization,
    Identity,
    LayerNormalization,
    LeakyReLU,
    Maximum,
    Minimum,
    Multiply,
    Normalization,
    Permute,
    PReLU,
    ReLU,
    RepeatVector,
    Rescaling,
    Reshape,
    RMSNormalization,
    Softmax,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
    Subtract,
    TimeDistributed,
    UnitNormalization,
)
from nnet.layers.unit_normalization import _EPSILON as _UNIT_EPSILON
from nnet.ops.nn import _SELU_ALPHA, _SELU_SCALE


def _unary(op_type, **attributes):
    return lambda g, x, hint: g.op(op_type, [x], f"{hint}/{op_type}", **attributes)


for _function, _op, _attributes in [
        (activations.relu, "Relu", {}), (activations.sigmoid, "Sigmoid", {}),
        (activations.tanh, "Tanh", {}), (activations.elu, "Elu", {"alpha": 1.0}),
        (activations.selu, "Selu", {"alpha": _SELU_ALPHA, "gamma": _SELU_SCALE}),
        (activations.softplus, "Softplus", {}), (activations.softsign, "Softsign", {}),
        (activations.leaky_relu, "LeakyRelu", {"alpha": 0.2}),
        (activations.hard_sigmoid, "HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}),
        (activations.hard_silu, "HardSwish", {}), (activations.exponential, "Exp", {}),
        (activations.softmax, "Softmax", {"axis": -1}),
        (activations.log_softmax, "LogSoftmax", {"axis": -1}),
        (activations.mish, "Mish", {}), (activations.celu, "Celu", {"alpha": 1.0})]:
    emits_activation(_function)(_unary(_op, **_attributes))


@emits_activation(activations.relu6)
def _relu6(g, x, hint):
    return g.op("Clip", [x, g.constant(0.0, "zero"), g.constant(6.0, "six")], f"{hint}/relu6")


@emits_activation(activations.hard_tanh)
def _hard_tanh(g, x, hint):
    return g.op("Clip", [x, g.constant(-1.0, "minus_one"), g.constant(1.0, "one")],
                f"{hint}/hard_tanh")


@emits_activation(activations.silu)
def _silu(g, x, hint):
    return g.op("Mul", [x, g.op("Sigmoid", [x], f"{hint}/sigmoid")], f"{hint}/silu")


@emits_activation(activations.gelu)
def _gelu(g, x, hint):
    """The exact form, ``0.5 x (1 + erf(x / sqrt(2)))``, the activation's default."""
    erf = g.op("Erf", [g.op("Mul", [x, g.constant(1 / math.sqrt(2), "inv_sqrt2")])],
               f"{hint}/erf")
    half = g.op("Mul", [x, g.constant(0.5, "half")])
    return g.op("Mul", [half, g.op("Add", [erf, g.constant(1.0, "one")])], f"{hint}/gelu")


@emits_activation(activations.log_sigmoid)
def _log_sigmoid(g, x, hint):
    return g.op("Neg", [g.op("Softplus", [g.op("Neg", [x])])], f"{hint}/log_sigmoid")


@emits_activation(activations.tanh_shrink)
def _tanh_shrink(g, x, hint):
    return g.op("Sub", [x, g.op("Tanh", [x])], f"{hint}/tanh_shrink")


def relu(g, x, hint, negative_slope=0.0, max_value=None, threshold=0.0):
    """``x * (x > threshold)``, clipped to ``[0, max_value]``, minus
    ``negative_slope * relu(threshold - x)``: the ReLU layer's options."""
    if threshold == 0:
        y = g.op("Relu", [x], f"{hint}/relu")
    else:
        passes = g.op("Greater", [x, g.constant(threshold, "threshold")])
        y = g.op("Where", [passes, x, g.constant(0.0, "zero")], f"{hint}/threshold")
    if max_value is not None:
        y = g.op("Clip", [y, g.constant(0.0, "zero"), g.constant(max_value, "max_value")],
                 f"{hint}/clip")
    if negative_slope != 0:
        below = g.op("Relu", [g.op("Sub", [g.constant(threshold, "threshold"), x])])
        y = g.op("Sub", [y, g.op("Mul", [below, g.constant(negative_slope, "slope")])],
                 f"{hint}/negative_part")
    return y


@emits(Dense)
def _dense(g, layer, inputs, node):
    kernel = with_lora(layer, layer.kernel)
    y = g.op("MatMul", [inputs[0], g.constant(kernel, f"{layer.name}/kernel")],
             f"{layer.name}/matmul")
    if layer.use_bias:
        y = g.op("Add", [y, g.constant(layer.bias, f"{layer.name}/bias")], f"{layer.name}/bias_add")
    return g.activation(layer.activation, y, layer.name)


@emits(Activation)
def _activation(g, layer, inputs, node):
    return g.activation(layer.activation, inputs[0], layer.name)


@emits(ReLU)
def _relu_layer(g, layer, inputs, node):
    return relu(g, inputs[0], layer.name, layer.negative_slope, layer.max_value, layer.threshold)


@emits(LeakyReLU)
def _leaky_relu(g, layer, inputs, node):
    return g.op("LeakyRelu", inputs, layer.name, alpha=float(layer.negative_slope))


@emits(ELU)
def _elu(g, layer, inputs, node):
    return g.op("Elu", inputs, layer.name, alpha=float(layer.alpha))


@emits(PReLU)
def _prelu(g, layer, inputs, node):
    return g.op("PRelu", [inputs[0], g.constant(layer.alpha, f"{layer.name}/alpha")], layer.name)


def softmax(g, x, axes, hint):
    """Softmax over `axes`: ONNX's op for one axis, ``exp(x - max) / sum`` for several (the
    maximum subtracted for stability)."""
    if len(axes) == 1:
        return g.op("Softmax", [x], hint, axis=int(axes[0]))
    axes = g.ints(list(axes), f"{hint}/axes")
    e = g.op("Exp", [g.op("Sub", [x, g.op("ReduceMax", [x, axes], keepdims=1)])])
    return g.op("Div", [e, g.op("ReduceSum", [e, axes], keepdims=1)], hint)


@emits(Softmax)
def _softmax(g, layer, inputs, node):
    axes = list(layer.axis) if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    return softmax(g, inputs[0], axes, layer.name)


@emits(Dropout, AlphaDropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D,
       GaussianDropout, GaussianNoise, ActivityRegularization, Identity)
def _inference_identity(g, layer, inputs, node):
    """Layers that pass their input through unchanged at inference."""
    return g.op("Identity", inputs, layer.name)


def _feature_shape(rank, axes, sizes):
    shape = [1] * rank
    for axis, size in zip(axes, sizes):
        shape[axis] = size
    return shape


@emits(BatchNormalization)
def _batch_normalization(g, layer, inputs, node):
    """Inference: ``x * scale + shift`` with the moving statistics folded into two constants."""
    rank = len(node.input_tensors[0].shape)
    variance = layer.moving_variance.numpy().astype(np.float64)
    scale = 1 / np.sqrt(variance + layer.epsilon)
    if layer.scale:
        scale = scale * layer.gamma.numpy()
    shift = -layer.moving_mean.numpy() * scale
    if layer.center:
        shift = shift + layer.beta.numpy()
    shape = _feature_shape(rank, [layer.axis % rank], [scale.size])
    y = g.op("Mul", [inputs[0], g.constant(scale.reshape(shape), f"{layer.name}/scale")])
    return g.op("Add", [y, g.constant(shift.reshape(shape), f"{layer.name}/shift")], layer.name)


def normalize(g, x, axes, epsilon, hint, center=True, divide_centered=True):
    """`x` (or ``x - mean``) over ``sqrt(var + epsilon)`` along `axes` (with center=False,
    the mean square replaces the variance: RMS normalization)."""
    reduce_axes = g.ints(axes, f"{hint}/axes")
    centered = x
    if center:
        mean = g.op("ReduceMean", [x, reduce_axes], f"{hint}/mean", keepdims=1)
        centered = g.op("Sub", [x, mean])
    variance = g.op("ReduceMean", [g.op("Mul", [centered, centered]), reduce_axes],
                    f"{hint}/variance", keepdims=1)
    root = g.op("Sqrt", [g.op("Add", [variance, g.constant(epsilon, "epsilon")])])
    return g.op("Div", [centered if divide_centered else x, root], f"{hint}/normalized")


def _affine(g, y, gamma, beta, shape, hint):
    if gamma is not None:
        y = g.op("Mul", [y, g.constant(gamma.numpy().reshape(shape), f"{hint}/gamma")])
    if beta is not None:
        y = g.op("Add", [y, g.constant(beta.numpy().reshape(shape), f"{hint}/beta")])
    return g.op("Identity", [y], hint)


@emits(LayerNormalization)
def _layer_normalization(g, layer, inputs, node):
    shape = node.input_tensors[0].shape
    axes = [a % len(shape) for a in layer.axis]
    # rms_scaling divides the input itself by the root of the variance (Keras's definition).
    y = normalize(g, inputs[0], axes, layer.epsilon, layer.name,
                  divide_centered=not layer.rms_scaling)
    return _affine(g, y, layer.gamma, layer.beta,
                   _feature_shape(len(shape), axes, [shape[a] for a in axes]), layer.name)


@emits(RMSNormalization)
def _rms_normalization(g, layer, inputs, node):
    shape = node.input_tensors[0].shape
    axes = [a % len(shape) for a in (layer.axis if isinstance(layer.axis, (list, tuple))
                                     else [layer.axis])]
    epsilon = backend_epsilon() if layer.epsilon is None else layer.epsilon
    y = normalize(g, inputs[0], axes, epsilon, layer.name, center=False)
    return _affine(g, y, layer.scale, None,
                   _feature_shape(len(shape), axes, [shape[a] for a in axes]), layer.name)


@emits(GroupNormalization)
def _group_normalization(g, layer, inputs, node):
    shape = node.input_tensors[0].shape
    axis = layer.axis % len(shape)
    if any(n is None for n in shape[1:]):
        raise ValueError(
            f"Layer '{layer.name}' (GroupNormalization) needs known sizes besides the batch to "
            f"be exported to ONNX. Received input shape {shape}."
        )
    grouped = [*shape[:axis], layer.groups, shape[axis] // layer.groups, *shape[axis + 1:]]
    x = g.op("Reshape", [inputs[0], g.ints([0, *grouped[1:]], f"{layer.name}/grouped_shape")])
    y = normalize(g, x, [i for i in range(1, len(grouped)) if i != axis], layer.epsilon,
                  layer.name)
    y = g.op("Reshape", [y, g.ints([0, *shape[1:]], f"{layer.name}/shape")])
    return _affine(g, y, layer.gamma, layer.beta,
                   _feature_shape(len(shape), [axis], [shape[axis]]), layer.name)


@emits(Normalization)
def _normalization(g, layer, inputs, node):
    mean, variance = (np.asarray(t.numpy() if hasattr(t, "numpy") else t, np.float32)
                      for t in layer._statistics())
    std = np.maximum(np.sqrt(variance), np.float32(backend_epsilon()))
    x = g.op("Cast", inputs, f"{layer.name}/float", to=TensorProto.FLOAT)
    mean, std = g.constant(mean, f"{layer.name}/mean"), g.constant(std, f"{layer.name}/std")
    if layer.invert:
        return g.op("Add", [mean, g.op("Mul", [x, std])], layer.name)
    return g.op("Div", [g.op("Sub", [x, mean]), std], layer.name)


@emits(UnitNormalization)
def _unit_normalization(g, layer, inputs, node):
    x = inputs[0]
    axes = g.ints(layer._axes(node.input_tensors[0].shape), f"{layer.name}/axes")
    square_sum = g.op("ReduceSum", [g.op("Mul", [x, x]), axes], keepdims=1)
    floor = g.constant(_UNIT_EPSILON**2, "floor_of_square_sum")
    return g.op("Div", [x, g.op("Sqrt", [g.op("Max", [square_sum, floor])])], layer.name)


@emits(Rescaling)
def _rescaling(g, layer, inputs, node):
    scaled = g.op("Mul", [inputs[0], g.constant(layer.scale, f"{layer.name}/scale")])
    return g.op("Add", [scaled, g.constant(layer.offset, f"{layer.name}/offset")], layer.name)


def _aligned(g, layer, inputs, node):
    """The inputs with size-1 axes inserted after the batch one up to the largest rank."""
    ranks = [len(t.shape) for t in node.input_tensors]
    return [x if r == max(ranks) else g.op("Unsqueeze", [x, g.ints(
        list(range(1, 1 + max(ranks) - r)), f"{layer.name}/axes")]) for x, r in zip(inputs, ranks)]


def _reduce_pairwise(op_type):
    def emit(g, layer, inputs, node):
        inputs = _aligned(g, layer, inputs, node)
        y = inputs[0]
        for x in inputs[1:]:
            y = g.op(op_type, [y, x], f"{layer.name}/{op_type}")
        return g.op("Identity", [y], layer.name)
    return emit


emits(Add)(_reduce_pairwise("Add"))
emits(Subtract)(_reduce_pairwise("Sub"))
emits(Multiply)(_reduce_pairwise("Mul"))
emits(Maximum)(_reduce_pairwise("Max"))
emits(Minimum)(_reduce_pairwise("Min"))


@emits(Average)
def _average(g, layer, inputs, node):
    total = _reduce_pairwise("Add")(g, layer, inputs, node)
    return g.op("Div", [total, g.constant(float(len(inputs)), "count")], f"{layer.name}/mean")


@emits(Concatenate)
def _concatenate(g, layer, inputs, node):
    return g.op("Concat", inputs, layer.name, axis=int(layer.axis))


@emits(Dot)
def _dot(g, layer, inputs, node):
    shapes = [t.shape for t in node.input_tensors]
    axes = layer._resolve_axes(shapes)
    if layer.normalize:
        inputs = [_l2_normalize(g, x, axis, layer.name) for x, axis in zip(inputs, axes)]
    letters = iter("bcdefghijklmnopqrstuvwxyz")
    first = ["a"] + [next(letters) for _ in shapes[0][1:]]
    second = ["a"] + [next(letters) for _ in shapes[1][1:]]
    second[axes[1]] = first[axes[0]]
    kept = [c for i, c in enumerate(first) if i != axes[0]] + [
        c for i, c in enumerate(second[1:], 1) if i != axes[1]]
    equation = f"{''.join(first)},{''.join(second)}->{''.join(kept)}"
    y = g.op("Einsum", inputs, f"{layer.name}/einsum", equation=equation)
    if len(kept) == 1:
        y = g.op("Unsqueeze", [y, g.ints([1], "axis_1")], f"{layer.name}/unsqueeze")
    return g.op("Identity", [y], layer.name)


def _l2_normalize(g, x, axis, hint):
    """``x * min(1 / ||x||, 1 / epsilon)`` along `axis`, as the Dot layer normalizes."""
    norm = g.op("Sqrt", [g.op("ReduceSum", [g.op("Mul", [x, x]), g.ints([axis], "axis")],
                              keepdims=1)])
    inverse = g.op("Reciprocal", [norm])
    cap = g.constant(1.0 / backend_epsilon(), "inverse_epsilon")
    return g.op("Mul", [x, g.op("Min", [inverse, cap])], f"{hint}/l2_normalize")


@emits(Reshape)
def _reshape(g, layer, inputs, node):
    target = g.ints([0, *layer.target_shape], f"{layer.name}/shape")
    return g.op("Reshape", [inputs[0], target], layer.name)


@emits(Flatten)
def _flatten(g, layer, inputs, node):
    x, rank = inputs[0], len(node.input_tensors[0].shape)
    if layer.data_format == "channels_first" and rank > 2:
        x = g.op("Transpose", [x], f"{layer.name}/channels_last", perm=[0, *range(2, rank), 1])
    return g.op("Flatten", [x], layer.name, axis=1)


@emits(Permute)
def _permute(g, layer, inputs, node):
    return g.op("Transpose", inputs, layer.name, perm=[0, *layer.dims])


@emits(RepeatVector)
def _repeat_vector(g, layer, inputs, node):
    expanded = g.op("Unsqueeze", [inputs[0], g.ints([1], "axis_1")])
    return g.op("Tile", [expanded, g.ints([1, layer.n, 1], f"{layer.name}/repeats")], layer.name)


@emits(TimeDistributed)
def _time_distributed(g, layer, inputs, node):
    """The wrapped layer on (batch * time, ...) data, reshaped back to (batch, time, ...)."""
    shape = node.input_tensors[0].shape
    inner_shape = (None, *shape[2:])
    output_shape = layer.layer.compute_output_shape(inner_shape)
    if any(n is None for n in (*shape[1:], *output_shape[1:])):
        raise ValueError(
            f"Layer '{layer.name}' (TimeDistributed) needs known sizes besides the batch to be "
            f"exported to ONNX. Received input shape {shape}."
        )
    x = g.op("Reshape", [inputs[0], g.ints([-1, *shape[2:]], f"{layer.name}/merged_shape")])
    inner = SimpleNamespace(input_tensors=[SimpleNamespace(shape=inner_shape)],
                            outputs=SimpleNamespace(shape=output_shape), call_kwargs={})
    y = emitter_for(layer.layer)(g, layer.layer, [x], inner)
    return g.op("Reshape", [y, g.ints([-1, shape[1], *output_shape[1:]],
                                      f"{layer.name}/shape")], layer.name)
