"""Probabilistic metrics: cross-entropies, KL divergence and Poisson.

Their per-sample functions are the losses of `nnet.losses`, as in Keras: on the output of a
sigmoid or softmax, the cross-entropies use the logits it carries, as the loss does.
"""

from nnet.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from nnet.metrics.metric import METRICS
from nnet.metrics.reduction_metrics import _Builtin, _register_functions

_register_functions(binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
                    binary_focal_crossentropy, categorical_focal_crossentropy, kl_divergence,
                    poisson, loss=True)


@METRICS.register
class KLDivergence(_Builtin):
    """The mean of `kl_divergence` over samples.

    Example:
        >>> round(KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]]), 4)
        0.1438
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


@METRICS.register
class Poisson(_Builtin):
    """The mean of `poisson` over samples.

    Example:
        >>> round(Poisson()([[1., 0.]], [[1., 2.]]), 4)
        1.5
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


@METRICS.register(aliases=("bce", "BCE"))
class BinaryCrossentropy(_Builtin):
    """The mean of `binary_crossentropy` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels move towards 0.5.

    Example:
        >>> round(BinaryCrossentropy()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]), 3)
        0.815
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


@METRICS.register
class CategoricalCrossentropy(_Builtin):
    """The mean of `categorical_crossentropy` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels move towards ``1 / num_classes``.
        axis: the class axis.

    Example:
        >>> m = CategoricalCrossentropy()
        >>> round(m([[0, 1, 0], [0, 0, 1]], [[.05, .95, 0], [.1, .8, .1]]), 4)
        1.1769
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@METRICS.register
class SparseCategoricalCrossentropy(_Builtin):
    """The mean of `sparse_categorical_crossentropy` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label value whose samples give 0. With sample weights they get weight
            0; without, they still count in the mean: Keras applies the mask to weights only.
        axis: the class axis.

    Example:
        >>> m = SparseCategoricalCrossentropy(ignore_class=0)
        >>> round(m([1, 2, 0], [[.05, .95, 0], [.1, .8, .1], [.9, .1, 0]]), 4)
        0.7846
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
