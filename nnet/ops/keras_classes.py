"""Keras's op classes, and how each maps onto an `nnet.ops` function.

When Keras applies an op to symbolic tensors (``keras.ops.add(x, 1.0)``, ``x[:, 0]``, the
``NotEqual`` that ``Embedding(mask_zero=True)`` records for its mask), its functional config saves
an operation object among the layers: ``{"module": "keras.src.ops.numpy", "class_name":
"NotEqual", "config": {"name": ...}, "inbound_nodes": [{"args": [<tensor>, 0], "kwargs": {}}]}``.
The constructor arguments (``axis`` of ``Mean``) are in ``config``; the call arguments (the tensors,
the ``0``) are in the node.

`KERAS_OPS` below lists every op class of Keras 3.15.1 with its call and constructor parameters.
The nnet function of a class is found by name alone, among the functions `nnet.ops` registered
(`nnet.autodiff.symbolic.register_ops`): the snake_case of the class name (``NotEqual`` ->
``not_equal``), else the name in `_FUNCTION_CLASSES` where Keras's function has another name. An
nnet function saves as the class that Keras's function of its name records (``abs`` as
``Absolute``, which loads as ``absolute``). A file names a class; nothing it names is imported or
run, and an op that nnet lacks raises an error that says so. An op added to `nnet.ops` under its
Keras name is picked up with no change here (a composite one is marked with
`nnet.autodiff.symbolic.graph_op`, so that a graph records it whole).

nnet's own ``SymbolicOp`` form (``{"class_name": "SymbolicOp", "config": {"function":
"nnet.ops.math:add"}}``) remains for the ops Keras has no class for, and older nnet files.
"""

import functools
import inspect
import re

import numpy as np

from nnet import ops
from nnet.autodiff.symbolic import SymbolicOp, is_registered_op
from nnet.backend import standardize_dtype
from nnet.naming import to_snake_case

# Keras's op classes by the module of keras.src.ops that defines them, as
# ``Class(call parameters; constructor parameters)``; ``*`` marks a variadic call parameter.
KERAS_OPS = {
    "numpy": """
        Rot90(array; k, axes) Absolute(x) Abs(x) Fabs(x) Add(x1, x2) All(x; axis, keepdims)
        AllClose(x1, x2; rtol, atol, equal_nan) Angle(x) Any(x; axis, keepdims) Amax(x; axis,
        keepdims) Amin(x; axis, keepdims) Append(x1, x2; axis) Arange(start, stop, step; dtype)
        Arccos(x) Arccosh(x) Arcsin(x) Arcsinh(x) Arctan(x) Arctan2(x1, x2) Arctanh(x) Argmax(x;
        axis, keepdims) Argmin(x; axis, keepdims) Argsort(x; axis) Array(x; dtype) View(x; dtype)
        Average(x, weights; axis) Heaviside(x1, x2) Bincount(x; weights, minlength, sparse)
        BitwiseAnd(x, y) BitwiseInvert(x) BitwiseNot(x) BitwiseOr(x, y) BitwiseXor(x, y)
        BitwiseLeftShift(x, y) LeftShift(x, y) BitwiseRightShift(x, y) RightShift(x, y)
        BroadcastTo(x; shape) Cbrt(x) Ceil(x) Clip(x; x_min, x_max) Concatenate(xs; axis)
        Conjugate(x) Conj(x) Copy(x) Cos(x) Cosh(x) CountNonzero(x; axis) Cross(x1, x2; axisa,
        axisb, axisc, axis) Cumprod(x; axis, dtype) Cumsum(x; axis, dtype) Deg2rad(x) Rad2deg(x)
        Diag(x; k) Diagflat(x; k) Diagonal(x; offset, axis1, axis2) Diff(a; n, axis) Digitize(x,
        bins) Dot(x1, x2) Dstack(xs) Einsum(*operands; subscripts) EmptyLike(x; dtype) Equal(x1,
        x2) Exp(x) Exp2(x) ExpandDims(x; axis) Expm1(x) Flip(x; axis) Fliplr(x) Flipud(x) Floor(x)
        Full(fill_value; shape, dtype) FullLike(x, fill_value; dtype) Gcd(x1, x2) GetItem(x, key)
        Geomspace(start, stop; num, endpoint, dtype, axis) Greater(x1, x2) GreaterEqual(x1, x2)
        Hstack(xs) Hsplit(x; indices_or_sections) Hypot(x1, x2) Imag(x) I0(x) Isclose(x1, x2,
        rtol, atol; equal_nan) Isfinite(x) IsIn(x1, x2; assume_unique, invert) Isinf(x) Isnan(x)
        Isneginf(x) Isposinf(x) Isreal(x) Kron(x1, x2) Lcm(x1, x2) Ldexp(x1, x2) Less(x1, x2)
        LessEqual(x1, x2) Linspace(start, stop; num, endpoint, retstep, dtype, axis) Log(x)
        Log10(x) Log1p(x) Log2(x) Logaddexp(x1, x2) Logaddexp2(x1, x2) LogicalAnd(x1, x2)
        LogicalNot(x) LogicalOr(x1, x2) Logspace(start, stop; num, endpoint, base, dtype, axis)
        Matmul(x1, x2) Max(x; axis, keepdims, initial) Maximum(x1, x2) Fmax(x1, x2) Median(x;
        axis, keepdims) Meshgrid(*x; indexing) Min(x; axis, keepdims, initial) Minimum(x1, x2)
        Fmin(x1, x2) Mod(x1, x2) Fmod(x1, x2) Moveaxis(x; source, destination) Nanargmax(x; axis,
        keepdims) Nanargmin(x; axis, keepdims) Nancumsum(x; axis, dtype) Nancumprod(x; axis,
        dtype) Nanmax(x; axis, keepdims) Nanmean(x; axis, keepdims) Nanmedian(x; axis, keepdims)
        Nanmin(x; axis, keepdims) Nanpercentile(x, q; axis, method, keepdims) Nanprod(x; axis,
        keepdims) Nanquantile(x, q; axis, method, keepdims) Nanstd(x; axis, keepdims) Nansum(x;
        axis, keepdims) Nanvar(x; axis, keepdims) NanToNum(x; nan, posinf, neginf) Ndim(x)
        Nonzero(x) NotEqual(x1, x2) OnesLike(x; dtype) ZerosLike(x; dtype) Outer(x1, x2) Pad(x,
        constant_values; pad_width, mode) Percentile(x, q; axis, method, keepdims) Prod(x; axis,
        keepdims, dtype) Ptp(x; axis, keepdims) Quantile(x, q; axis, method, keepdims) Ravel(x)
        UnravelIndex(indices; shape) Real(x) Reciprocal(x) Repeat(x; repeats, axis) Reshape(x;
        newshape) Roll(x; shift, axis) Round(x; decimals) SearchSorted(sorted_sequence, values;
        side) Sign(x) Signbit(x) Sin(x) Sinc(x) Sinh(x) Size(x) Sort(x; axis) Split(x;
        indices_or_sections, axis) Stack(x; axis) Std(x; axis, keepdims) Swapaxes(x; axis1, axis2)
        Take(x, indices; axis) TakeAlongAxis(x, indices; axis) Tan(x) Tanh(x) Tensordot(x1, x2;
        axes) Tile(x; repeats) Trace(x; offset, axis1, axis2) Tril(x; k) Triu(x; k) Trunc(x)
        Vdot(x1, x2) Inner(x1, x2) Vstack(xs) Vsplit(x; indices_or_sections) Where(condition, x1,
        x2) Subtract(x1, x2) Multiply(x1, x2) Divide(x1, x2) DivideNoNan(x1, x2) TrueDivide(x1,
        x2) Power(x1, x2) Negative(x) Nextafter(x1, x2) Square(x) Sqrt(x) Squeeze(x; axis)
        Transpose(x; axes) Trapezoid(y; x, dx, axis) Mean(x; axis, keepdims) Vander(x; N,
        increasing) Var(x; axis, keepdims) Sum(x; axis, keepdims) FloorDivide(x1, x2)
        LogicalXor(x1, x2) Corrcoef(x) Correlate(x1, x2; mode) Select(condlist, choicelist,
        default) Slogdet(x) Argpartition(x; kth, axis) Histogram(x; bins, range) ArraySplit(x;
        indices_or_sections, axis) Unique(x; sorted, return_index, return_inverse, return_counts,
        axis, size, fill_value) Dsplit(x; indices_or_sections)
    """,
    "core": """
        Map(f, xs) Scan(f, init, xs; length, reverse, unroll) AssociativeScan(f, elems; reverse,
        axis) Scatter(indices, values; shape) ScatterUpdate(inputs, indices, updates; reduction)
        Slice(inputs, start_indices; shape) SliceUpdate(inputs, start_indices, updates)
        Switch(index, branches, *operands) WhileLoop(loop_vars; cond, body, maximum_iterations)
        StopGradient(variable) ForiLoop(init_val; lower, upper, body_fun) Unstack(x; num, axis)
        Cast(x; dtype) SaturateCast(x; dtype) ConvertToTensor(x; dtype, sparse, ragged) Cond(pred,
        true_fn, false_fn) VectorizedMap(elements; function)
    """,
    "nn": """
        Relu(x) Relu6(x) Sigmoid(x) SparseSigmoid(x) Softplus(x) Softsign(x) SoftShrink(x;
        threshold) SparsePlus(x) Silu(x) Squareplus(x; b) LogSigmoid(x) LeakyRelu(x;
        negative_slope) HardSigmoid(x) HardSilu(x) Elu(x; alpha) Selu(x) Gelu(x; approximate)
        Celu(x; alpha) Glu(x; axis) TanhShrink(x) HardTanh(x) HardShrink(x; threshold)
        Threshold(x; threshold, default_value) Softmax(x; axis) LogSoftmax(x; axis) Sparsemax(x;
        axis) MaxPool(inputs; pool_size, strides, padding, data_format) AdaptiveMaxPool(inputs;
        output_size, data_format) AveragePool(inputs; pool_size, strides, padding, data_format)
        AdaptiveAveragePool(inputs; output_size, data_format) Conv(inputs, kernel; strides,
        padding, data_format, dilation_rate) DepthwiseConv(inputs, kernel; strides, padding,
        data_format, dilation_rate) SeparableConv(inputs, depthwise_kernel, pointwise_kernel;
        strides, padding, data_format, dilation_rate) ConvTranspose(inputs, kernel; strides,
        padding, output_padding, data_format, dilation_rate) OneHot(x; num_classes, axis, dtype,
        sparse) BinaryCrossentropy(target, output; from_logits) CategoricalCrossentropy(target,
        output; from_logits, axis) SparseCategoricalCrossentropy(target, output; from_logits,
        axis) MultiHot(inputs; num_classes, axis, dtype, sparse) Moments(x; axes, keepdims,
        synchronized) BatchNorm(x, mean, variance, offset, scale; axis, epsilon) CTCLoss(target,
        output, target_length, output_length; mask_index) CTCDecode(inputs, sequence_lengths;
        strategy, beam_width, top_paths, merge_repeated, mask_index) Normalize(x; axis, order,
        epsilon) PSNR(x1, x2; max_val) DotProductAttention(query, key, value, bias, mask, scale;
        is_causal, flash_attention, attn_logits_soft_cap) RMSNorm(x, scale; axis, epsilon)
        LayerNorm(x, gamma, beta; axis, epsilon, rms_scaling) Polar(abs_, angle) Unfold(x;
        kernel_size, dilation, padding, stride) Fold(x; output_size, kernel_size, dilation,
        padding, stride) DepthToSpace(x; block_size, data_format) SpaceToDepth(x; block_size,
        data_format)
    """,
    "math": """
        SegmentSum(data, segment_ids; num_segments, sorted) SegmentMax(data, segment_ids;
        num_segments, sorted) SegmentMin(data, segment_ids; num_segments, sorted)
        SegmentProd(data, segment_ids; num_segments, sorted) TopK(x; k, sorted) InTopK(targets,
        predictions; k) Logsumexp(x; axis, keepdims) CDist(x, y) ExtractSequences(x;
        sequence_length, sequence_stride) FFT(x) FFT2(x) IFFT2(x) RFFT(x; fft_length) IRFFT(x;
        fft_length) STFT(x; sequence_length, sequence_stride, fft_length, window, center) ISTFT(x;
        sequence_length, sequence_stride, fft_length, length, window, center) Rsqrt(x) Erf(x)
        Erfc(x) Erfinv(x) Logdet(x) ViewAsComplex(x) ViewAsReal(x)
    """,
    "linalg": """
        Cholesky(x; upper) CholeskyInverse(x; upper) Det(x) Eig(x) Eigh(x) Inv(x) LuFactor(x)
        Norm(x; ord, axis, keepdims) Qr(x; mode) Solve(a, b) SolveTriangular(a, b; lower) SVD(x;
        full_matrices, compute_uv) Lstsq(a, b; rcond) MatrixRank(x; tol) Pinv(x; rcond) JVP(fun,
        primals, tangents; has_aux)
    """,
    "image": """
        RGBToGrayscale(images; data_format) RGBToHSV(images; data_format) HSVToRGB(images;
        data_format) Resize(images; size, interpolation, antialias, crop_to_aspect_ratio,
        pad_to_aspect_ratio, fill_mode, fill_value, data_format) AffineTransform(images,
        transform; interpolation, fill_mode, fill_value, data_format) ExtractPatches(images; size,
        strides, dilation_rate, padding, data_format) MapCoordinates(inputs, coordinates; order,
        fill_mode, fill_value) PadImages(images; top_padding, left_padding, bottom_padding,
        right_padding, target_height, target_width, data_format) CropImages(images; top_cropping,
        left_cropping, bottom_cropping, right_cropping, target_height, target_width, data_format)
        PerspectiveTransform(images, start_points, end_points; interpolation, fill_value,
        data_format) GaussianBlur(images; kernel_size, sigma, data_format)
        ElasticTransform(images; alpha, sigma, interpolation, fill_mode, fill_value, seed,
        data_format) ScaleAndTranslate(images, output_shape, scale, translation; spatial_dims,
        method, antialias) SobelEdges(images; data_format) SSIM(image1, image2; max_val,
        filter_size, filter_sigma, k1, k2, data_format)
    """,

}
# nnet functions whose Keras class is not the CamelCase of their name: Keras's ``abs`` records an
# ``Absolute``, and ``x[key]`` records nnet's ``getitem``, Keras's ``GetItem``.
_FUNCTION_CLASSES = {
    "abs": "Absolute", "allclose": "AllClose", "batch_normalization": "BatchNorm",
    "cdist": "CDist", "conj": "Conjugate", "getitem": "GetItem", "isin": "IsIn",
    "layer_normalization": "LayerNorm", "rms_normalization": "RMSNorm",
    "searchsorted": "SearchSorted",
}
_PREFIX = "keras.src.ops."
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class KerasOp:
    """One op class of Keras: its module, class name, call and constructor parameters.

    Attributes:
        module: the module that defines it, as Keras's configs name it (``keras.src.ops.numpy``).
        class_name: the class name (``NotEqual``).
        call: the call parameters, in order; a variadic one starts with ``*``.
        init: the constructor parameters (besides ``name``): the config's entries.
    """

    def __init__(self, module, class_name, call, init):
        self.module = module
        self.class_name = class_name
        self.call = call
        self.init = init

    @property
    def function_names(self):
        """The names of the nnet functions that may save as this class; the first that
        `nnet.ops` has is the one a file's class loads as: the snake_case of the class, then a
        name from `_FUNCTION_CLASSES`."""
        names = [to_snake_case(self.class_name)]
        return names + [name for name, cls in _FUNCTION_CLASSES.items() if cls == self.class_name]

    def function(self):
        """The registered `nnet.ops` function that computes this op, or None."""
        for name in self.function_names:
            fn = self._named(name)
            if fn is not None:
                return fn
        return None

    def _named(self, name):
        """The registered function `name` of this op's `nnet.ops` namespace, or None."""
        fn = getattr(ops.image if self.module == _PREFIX + "image" else ops, name, None)
        return fn if callable(fn) and is_registered_op(fn) else None

    def __repr__(self):
        return f"<KerasOp {self.module}.{self.class_name}>"


@functools.cache
def keras_ops():
    """Every Keras op class of `KERAS_OPS`, keyed by ``(module, class_name)``."""
    table = {}
    for submodule, text in KERAS_OPS.items():
        module = _PREFIX + submodule
        for class_name, parameters in re.findall(r"(\w+)\(([^)]*)\)", text):
            call, _, init = "".join(parameters.split()).partition(";")
            table[(module, class_name)] = KerasOp(
                module, class_name, tuple(filter(None, call.split(","))),
                tuple(filter(None, init.split(","))))
    return table


@functools.cache
def _by_function_name():
    table = {}
    for op in keras_ops().values():
        for name in op.function_names:
            table.setdefault(name, []).append(op)
    for name, candidates in table.items():
        # Where several classes claim a function (Abs and Absolute for abs), the one that
        # Keras's function of that name records.
        preferred = _FUNCTION_CLASSES.get(name)
        candidates.sort(key=lambda op, name=name, preferred=preferred: (
            op.class_name != preferred, to_snake_case(op.class_name) != name))
    return table


def keras_class(fn):
    """The `KerasOp` whose nnet function is `fn`, or None when Keras has no such op class.

    Example:
        >>> import nnet
        >>> keras_class(nnet.ops.not_equal).class_name, keras_class(nnet.ops.abs).class_name
        ('NotEqual', 'Absolute')
        >>> keras_class(nnet.ops.dense) is None
        True
    """
    name = getattr(fn, "__name__", None)
    for op in _by_function_name().get(name, ()):
        if op._named(name) is fn:
            return op
    return None


def is_keras_op(layer_config):
    """Whether an entry of a functional config's ``layers`` is one of Keras's operations."""
    module = layer_config.get("module")
    return isinstance(module, str) and module.startswith(_PREFIX)


def to_keras(op, calls):
    """Keras's form of the `SymbolicOp` `op`, called as ``calls`` (``[(args, kwargs)]``).

    Returns ``(serialized_op, call_args)``, with one list of call arguments per call; None when
    Keras has no op class for the function, or a call passes what Keras's class cannot hold (an
    nnet-only argument away from its default, calls that differ in a constructor argument).
    """
    spec = keras_class(op.fn)
    if spec is None:
        return None
    splits = [_split(op.fn, spec, args, kwargs) for args, kwargs in calls]
    if any(split is None for split in splits) or \
            len({repr(init) for _, init in splits}) > 1:
        return None
    init = splits[0][1] if splits else {}
    serialized = {"module": spec.module, "class_name": spec.class_name,
                  "config": {"name": op.name, **init}, "registered_name": spec.class_name}
    return serialized, [call for call, _ in splits]


def from_keras(layer_config):
    """The `SymbolicOp` for the Keras op that a functional config's entry names.

    Returns ``(op, prepare)``: ``prepare(args, kwargs)`` turns the arguments of one of its saved
    calls into those of the nnet function, the constructor arguments merged in.

    Raises:
        ValueError: the entry names a class that is not one of Keras's ops, an op that nnet
            does not have, or constructor arguments that the op does not take.
    """
    module, class_name = layer_config.get("module"), layer_config.get("class_name")
    name = layer_config.get("name")
    spec = keras_ops().get((module, class_name))
    if spec is None:
        raise ValueError(
            f"The functional graph names {class_name!r} from {module!r} (layer {name!r}), which "
            "is not one of Keras's op classes. A saved graph may apply Keras's ops only: nnet "
            "rebuilds them from its own table and never imports what a file names."
        )
    fn = spec.function()
    if fn is None:
        namespace = "nnet.ops.image" if module == _PREFIX + "image" else "nnet.ops"
        raise ValueError(
            f"The functional graph applies Keras's op {class_name!r} (layer {name!r}), which "
            f"nnet does not support yet: {namespace} has no {spec.function_names[0]}()."
        )
    config = dict(layer_config.get("config") or {})
    config.pop("name", None)
    unknown = sorted(set(config) - set(spec.init))
    if unknown:
        raise ValueError(
            f"The config of Keras's op {class_name!r} (layer {name!r}) holds {unknown}, which "
            f"it does not take: its arguments are {list(spec.init)}."
        )
    init = {key: _tuples(value) for key, value in config.items()}
    return SymbolicOp(fn, name=name), functools.partial(_nnet_call, fn, spec, init)


def _nnet_call(fn, spec, init, args, kwargs):
    """The positional and keyword arguments of `fn` for Keras's call ``op(*args, **kwargs)``.

    The call arguments become positional, as nnet's primitives look for tensors among those;
    a constructor argument that comes before them in `fn`'s signature (``einsum``'s
    ``subscripts``, ``full``'s ``shape``) moves to its place among them.
    """
    keywords = dict(kwargs)
    for key, value in init.items():
        if key in keywords:
            raise ValueError(f"Keras's op {spec.class_name!r} is given {key!r} twice.")
        keywords[key] = value
    pending = list(args)
    if spec.class_name == "GetItem" and len(pending) == 2 and isinstance(pending[1], list):
        # As Keras's GetItem does: JSON has no tuples, so a saved key is a list.
        pending[1] = tuple(pending[1])
    signature = _signature(fn)
    positional = []
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            positional += pending
            pending = []
            break
        if parameter.kind not in _POSITIONAL:
            break
        if pending:
            positional.append(keywords.pop(parameter.name) if parameter.name in keywords
                              else pending.pop(0))
        elif parameter.name in kwargs:  # a tensor passed by keyword: primitives want it here
            positional.append(keywords.pop(parameter.name))
        else:
            break
    try:
        if pending:
            raise TypeError(f"{len(pending)} call argument(s) too many")
        signature.bind(*positional, **keywords)
    except TypeError as error:
        raise ValueError(
            f"Keras's op {spec.class_name!r} cannot be applied as nnet.ops.{fn.__name__} with "
            f"the saved arguments: {error}."
        ) from None
    return positional, keywords


def _split(fn, spec, args, kwargs):
    """``(call_args, init)``: an nnet call ``fn(*args, **kwargs)`` as Keras's op `spec` holds
    it, or None when it cannot."""
    signature = _signature(fn)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    values = dict(bound.arguments)
    parameters = signature.parameters
    extra = {}
    for name, parameter in parameters.items():
        if parameter.kind is parameter.VAR_KEYWORD:
            extra = dict(values.pop(name))
    init = {}
    for name in spec.init:
        if name in values:
            init[name] = values.pop(name)
        elif name in extra:
            init[name] = extra.pop(name)
    # The call parameters come first in both signatures; nnet's names may differ (index, key).
    remaining = list(values)
    call = []
    for keras_name in spec.call:
        if not remaining:
            return None
        name = remaining.pop(0)
        variadic = parameters[name].kind is parameters[name].VAR_POSITIONAL
        if variadic != keras_name.startswith("*"):
            return None
        if variadic:
            call.extend(values[name])
        else:
            call.append(values[name])
    # Parameters of nnet's own, which Keras's class has no place for, must be left as they are.
    if extra or not all(_is_default(parameters[name], values[name]) for name in remaining):
        return None
    if init.get("dtype") is not None:
        init["dtype"] = standardize_dtype(init["dtype"])
    if spec.class_name == "GetItem" and not _is_basic_key(call[1]):
        return None  # Keras's GetItem takes ints, slices, None and ... only
    return call, init


def _is_default(parameter, value):
    if parameter.kind is parameter.VAR_POSITIONAL:
        return value == ()
    default = parameter.default
    return value is default or (type(value) is type(default)
                                and isinstance(value, (int, float, str)) and value == default)


def _is_basic_key(key):
    keys = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))
               for k in keys)


def _tuples(value):
    """A config value with JSON's lists as the tuples that were saved (axes, shapes)."""
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


@functools.cache
def _signature(fn):
    return inspect.signature(fn)
