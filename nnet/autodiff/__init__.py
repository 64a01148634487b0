"""The autodiff engine: Tensor, Variable, ParameterBuffer, primitive, backward, no_grad and the
gradient checker."""

from nnet.autodiff.buffer import ParameterBuffer
from nnet.autodiff.engine import backward, is_grad_enabled, no_grad, primitive, unbroadcast
from nnet.autodiff.gradcheck import check_grad, numerical_grad
from nnet.autodiff.tensor import Tensor, Variable

__all__ = [
    "Tensor", "Variable", "ParameterBuffer", "primitive", "backward", "no_grad", "is_grad_enabled",
    "unbroadcast", "check_grad", "numerical_grad",
]
