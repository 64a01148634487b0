"""Python operators on Tensors and symbolic tensors, as calls of `nnet.ops` functions.

Importing this module defines them on the engine's operator base class: the engine sits below the
ops and knows nothing of them.
"""

from nnet.autodiff.tensor import Tensor, _Operators
from nnet.ops.linalg import matmul
from nnet.ops.math import (
    abs,
    add,
    cast,
    divide,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    multiply,
    negative,
    not_equal,
    power,
    subtract,
)
from nnet.ops.shape import getitem, transpose


def _binary(fn):
    return lambda self, other: fn(self, other), lambda self, other: fn(other, self)


def _define():
    for name, fn in (("add", add), ("sub", subtract), ("mul", multiply), ("truediv", divide),
                     ("pow", power), ("matmul", matmul)):
        method, reflected = _binary(fn)
        setattr(_Operators, f"__{name}__", method)
        setattr(_Operators, f"__r{name}__", reflected)
    for name, fn in (("__lt__", less), ("__le__", less_equal), ("__gt__", greater),
                     ("__ge__", greater_equal), ("__eq__", equal), ("__ne__", not_equal)):
        setattr(_Operators, name, _binary(fn)[0])
    _Operators.__getitem__ = lambda self, index: getitem(self, index)
    _Operators.__neg__ = lambda self: negative(self)
    _Operators.__abs__ = lambda self: abs(self)
    Tensor.T = property(transpose, doc="The Tensor with its axes reversed (differentiable).")
    Tensor.astype = _astype


def _astype(self, dtype):
    """This Tensor converted to `dtype` (differentiable)."""
    return cast(self, dtype)


_define()
