"""Hinge metrics: Hinge, SquaredHinge, CategoricalHinge; their functions are the losses."""

from nnet.losses import categorical_hinge, hinge, squared_hinge
from nnet.metrics.metric import METRICS
from nnet.metrics.reduction_metrics import _Builtin, _register_functions

_register_functions(hinge, squared_hinge, categorical_hinge, loss=True)


@METRICS.register
class Hinge(_Builtin):
    """The mean of `hinge` over samples.

    Example:
        >>> round(Hinge()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]), 4)
        1.3
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


@METRICS.register
class SquaredHinge(_Builtin):
    """The mean of `squared_hinge` over samples.

    Example:
        >>> round(SquaredHinge()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]), 4)
        1.86
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


@METRICS.register
class CategoricalHinge(_Builtin):
    """The mean of `categorical_hinge` over samples.

    Example:
        >>> round(CategoricalHinge()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]), 4)
        1.4
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)
