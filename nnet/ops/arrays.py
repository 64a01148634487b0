"""Array helpers with keras.ops names: append, select, get_item, empty_like, view, ndim, size."""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module
from nnet.ops.dtypes import as_array, result_type, tensor_like
from nnet.ops.joining import concatenate
from nnet.ops.math import cast, where
from nnet.ops.shape import getitem, reshape


@graph_op
def append(x1, x2, axis=None):
    """x2 joined to the end of x1 along `axis` (both flattened when None), in their promoted
    dtype.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.append(np.array([1, 2]), np.array([[3, 4]])).numpy()
        array([1, 2, 3, 4])
    """
    x1, x2 = tensor_like(x1), tensor_like(x2)
    dtype = result_type(x1, x2)
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    if axis is None:
        x1, x2, axis = reshape(x1, (-1,)), reshape(x2, (-1,)), 0
    return concatenate([x1, x2], axis=axis)


@graph_op
def select(condlist, choicelist, default=0):
    """Per entry, the value of the first choice whose condition holds, or `default` where none
    does (NumPy's select); the gradient goes to the choice that was taken.

    Args:
        condlist: a list of boolean tensors.
        choicelist: a list of tensors, as long as `condlist`; all broadcast together.
        default: the value where no condition holds.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([-2.0, 0.5, 3.0])
        >>> nnet.ops.select([x < 0, x > 1], [-x, x * 10], default=0.0).numpy()
        array([ 2.,  0., 30.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError(
            f"select needs one choice per condition. Received: {len(condlist)} conditions and "
            f"{len(choicelist)} choices."
        )
    if not condlist:
        raise ValueError("select needs at least one condition and choice. Received: none.")
    choices = [tensor_like(c) for c in choicelist]
    default = tensor_like(default) if hasattr(default, "dtype") else default
    dtype = result_type(*choices, default)
    out = cast(default, dtype) if hasattr(default, "dtype") else np.asarray(default, dtype)
    for condition, choice in zip(condlist[::-1], choices[::-1]):
        out = where(condition, cast(choice, dtype), out)
    return out


@graph_op
def get_item(x, key):
    """x[key], for any NumPy index (the same as ``x[key]`` on a Tensor).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.get_item(np.arange(6).reshape(2, 3), (1, slice(1, None))).numpy()
        array([4, 5])
    """
    return getitem(x, key)


@primitive
def empty_like(x, dtype=None):
    """A tensor of x's shape in `dtype` (x's by default) whose values are not set.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.empty_like(np.zeros((2, 3)), dtype='int32').shape
        (2, 3)
    """
    x = as_array(x)
    return array_module(x).empty_like(x, dtype=dtype), None


@primitive
def view(x, dtype=None):
    """The bytes of x read as `dtype` (a copy of x when None); the last axis grows or shrinks
    by the ratio of the item sizes. Not differentiable across dtypes.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.view(np.array([1.0], "float32"), "int32").numpy()
        array([1065353216], dtype=int32)
    """
    x = as_array(x)
    if dtype is None or np.dtype(dtype) == x.dtype:
        return x.copy(), lambda g: (g, None)
    return array_module(x).ascontiguousarray(x).view(dtype), None


@graph_op
def ndim(x):
    """The number of dimensions of x, as a Python int (on a symbolic tensor, a scalar int32
    tensor).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.ndim(np.zeros((2, 3)))
        2
    """
    return x.ndim if hasattr(x, "ndim") else np.ndim(x)


@graph_op
def size(x):
    """The number of entries of x, as a Python int (on a symbolic tensor, a scalar int32 tensor
    whose value comes with the data).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.size(np.zeros((2, 3)))
        6
    """
    if not hasattr(x, "shape"):
        return int(np.size(x))
    return int(np.prod(x.shape, dtype="int64"))
