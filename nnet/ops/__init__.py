"""nnet.ops: the primitive set, with keras.ops names. Every op accepts Tensors or arrays.

Example:
    >>> import numpy as np, nnet
    >>> nnet.ops.softmax(np.array([[1.0, 1.0]])).numpy()
    array([[0.5, 0.5]])
"""

import sys as _sys
from importlib import import_module as _import_module

import numpy as _np

from nnet._lazy import lazy_exports as _lazy_exports
from nnet.autodiff.symbolic import register_ops as _register_ops
from nnet.autodiff.symbolic import set_op_loader as _set_op_loader
from nnet.autodiff.tensor import Tensor as _Tensor
from nnet.backend import to_numpy as _to_numpy
from nnet.ops import attention as _attention
from nnet.ops import conv as _conv
from nnet.ops import creation as _creation
from nnet.ops import fused as _fused
from nnet.ops import image
from nnet.ops import image_color as _image_color
from nnet.ops import image_crop as _image_crop
from nnet.ops import image_warp as _image_warp
from nnet.ops import joining as _joining
from nnet.ops import linalg as _linalg
from nnet.ops import math as _math
from nnet.ops import nn as _nn
from nnet.ops import normalization as _normalization
from nnet.ops import operators as _operators
from nnet.ops import pooling as _pooling
from nnet.ops import reduce as _reduce
from nnet.ops import rnn as _rnn
from nnet.ops import shape as _shape
from nnet.ops.attention import dot_product_attention
from nnet.ops.conv import conv, conv_transpose, depthwise_conv, separable_conv
from nnet.ops.creation import (
    arange,
    array,
    bartlett,
    blackman,
    empty,
    eye,
    full,
    geomspace,
    hamming,
    hanning,
    identity,
    kaiser,
    linspace,
    logspace,
    meshgrid,
    ones,
    tri,
    zeros,
)
from nnet.ops.fused import dense, sigmoid_binary_cross_entropy, softmax_cross_entropy
from nnet.ops.joining import (
    array_split,
    concatenate,
    dsplit,
    dstack,
    hsplit,
    hstack,
    split,
    stack,
    unstack,
    vsplit,
    vstack,
)
from nnet.ops.linalg import einsum, matmul
from nnet.ops.math import (
    abs,
    add,
    all,
    any,
    cast,
    ceil,
    clip,
    cos,
    divide,
    equal,
    erf,
    exp,
    floor,
    full_like,
    greater,
    greater_equal,
    isfinite,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    ones_like,
    power,
    round,
    rsqrt,
    sign,
    sin,
    sqrt,
    square,
    stop_gradient,
    subtract,
    where,
    zeros_like,
)
from nnet.ops.nn import (
    celu,
    elu,
    exponential,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    leaky_relu,
    linear,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    swish,
    tanh,
    tanh_shrink,
    threshold,
)
from nnet.ops.normalization import (
    batch_normalization,
    fused_batch_normalization,
    layer_normalization,
    rms_normalization,
)
from nnet.ops.pooling import adaptive_average_pool, adaptive_max_pool, average_pool, max_pool
from nnet.ops.reduce import (
    argmax,
    argmin,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    moments,
    norm,
    normalize,
    std,
    sum,
    var,
)
from nnet.ops.rnn import gru, lstm, simple_rnn
from nnet.ops.shape import (
    broadcast_to,
    diagonal,
    expand_dims,
    flip,
    fliplr,
    flipud,
    getitem,
    moveaxis,
    one_hot,
    pad,
    ravel,
    repeat,
    reshape,
    roll,
    rot90,
    squeeze,
    swapaxes,
    take,
    tile,
    trace,
    transpose,
    tril,
    triu,
)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Wrap an array-like in a Tensor (Tensors pass through, converted to `dtype` if given).

    `sparse` and `ragged` must be False or None: nnet has dense tensors only.
    """
    for argument, value in (("sparse", sparse), ("ragged", ragged)):
        if value:
            raise ValueError(
                f"{argument}=True is not supported: nnet has dense tensors only, as Keras's "
                f"torch backend. Received: {argument}={value!r}"
            )
    if isinstance(x, _Tensor):
        return x if dtype is None or x.dtype == dtype else cast(x, dtype)
    return _Tensor(_np.asarray(x, dtype=dtype))


def convert_to_numpy(x):
    """The value of a Tensor or array-like as a NumPy array."""
    return _to_numpy(x.data if isinstance(x, _Tensor) else x)


def shape(x):
    """The shape of x as a tuple."""
    return tuple(x.shape)


# The NumPy-named families load on first use (so that `import nnet` does not pay for them);
# a saved graph that names one of their ops loads its module through `_load_family`.
_LAZY_FAMILIES = {
    "arrays": (
        "append empty_like get_item ndim select size view"
    ).split(),
    "binary": (
        "allclose arctan2 bitwise_and bitwise_invert bitwise_left_shift bitwise_not bitwise_or "
        "bitwise_right_shift bitwise_xor divide_no_nan floor_divide fmax fmin fmod gcd "
        "heaviside hypot isclose isin lcm ldexp left_shift logaddexp logaddexp2 logical_xor mod "
        "nextafter right_shift true_divide"
    ).split(),
    "elementwise": (
        "absolute angle arccos arccosh arcsin arcsinh arctan arctanh cbrt conj conjugate copy "
        "cosh deg2rad exp2 expm1 fabs imag isinf isneginf isposinf isreal log10 log2 nan_to_num "
        "rad2deg real reciprocal signbit sinc sinh tan trunc"
    ).split(),
    "nan_reduce": (
        "nanargmax nanargmin nancumprod nancumsum nanmax nanmean nanmedian nanmin nanpercentile "
        "nanprod nanquantile nanstd nansum nanvar"
    ).split(),
    "products": (
        "correlate cross diag diagflat dot inner kron outer tensordot vander vdot"
    ).split(),
    "sorting": (
        "argpartition argsort bincount digitize histogram nonzero searchsorted sort "
        "take_along_axis unique unravel_index"
    ).split(),
    "special": (
        "erfc erfinv i0"
    ).split(),
    "statistics": (
        "amax amin average corrcoef count_nonzero cumprod diff median percentile prod ptp "
        "quantile trapezoid"
    ).split(),
}
__getattr__, __dir__ = _lazy_exports(__name__, attributes={
    name: f"nnet.ops.{family}" for family, names in _LAZY_FAMILIES.items() for name in names})
__all__ = sorted({*(name for name in dir() if not name.startswith("_")),
                  *(name for names in _LAZY_FAMILIES.values() for name in names)})
_MODULES = (_attention, _conv, _creation, _fused, image, _image_color, _image_crop, _image_warp,
            _joining, _linalg, _math, _nn, _normalization, _pooling, _reduce, _rnn, _shape)


def _own_functions(module):
    return (fn for fn in vars(module).values()
            if callable(fn) and getattr(fn, "__module__", None) == module.__name__)


def _load_family(key):
    """Load the lazy family that `key` (``"<module>:<name>"``) names, and register the ops of
    every family loaded so far (one may have loaded another)."""
    if key.partition(":")[0].removeprefix("nnet.ops.") in _LAZY_FAMILIES:
        _import_module(key.partition(":")[0])
    for family in _LAZY_FAMILIES:
        module = _sys.modules.get(f"nnet.ops.{family}")
        if module is not None:
            _register_ops(_own_functions(module))


_register_ops(fn for module in _MODULES for fn in _own_functions(module))
_set_op_loader(_load_family)
