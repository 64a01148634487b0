"""BaseZeroPadding: the body of ZeroPadding1D/2D/3D, and the (before, after) pairs they read."""

from nnet import ops
from nnet.backend import standardize_data_format
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import Layer
from nnet.ops.pooling import standardize_tuple

_ORDINALS = ("1st", "2nd", "3rd")


def standardize_pairs(value, rank, name):
    """`value` as `rank` pairs ``(before, after)`` of non-negative integers, as Keras reads them.

    An integer is used everywhere; a tuple of `rank` entries gives each axis an integer (the same
    before and after) or a pair.

    Args:
        value: an integer, or a tuple of `rank` integers or pairs.
        rank: the number of spatial axes (2 or 3).
        name: the argument's name, for the error message.

    Example:
        >>> standardize_pairs((1, (2, 3)), 2, "padding")
        ((1, 1), (2, 3))
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * rank
    if not hasattr(value, "__len__") or len(value) != rank:
        raise ValueError(
            f"Expected `{name}` to be an integer, a tuple of {rank} integers or a tuple of {rank} "
            f"pairs of integers ((before, after) per spatial axis). Received: {name}={value!r}"
        )
    return tuple(standardize_tuple(v, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True)
                 for i, v in enumerate(value))


class BaseZeroPadding(Layer):
    """Adds rows of zeros before and after each spatial axis.

    Args:
        padding: the layer's `padding` in Keras's form (a pair for 1D, pairs for 2D and 3D).
        pairs: the same as one ``(before, after)`` pair per spatial axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> from nnet.layers import ZeroPadding2D
        >>> isinstance(ZeroPadding2D(), BaseZeroPadding)
        True
    """

    def __init__(self, padding, pairs, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = padding
        self._pairs = pairs
        self.input_spec = InputSpec(ndim=len(pairs) + 2)

    def _pad_width(self):
        if self.data_format == "channels_first":
            return ((0, 0), (0, 0), *self._pairs)
        return ((0, 0), *self._pairs, (0, 0))

    def call(self, inputs):
        return ops.pad(inputs, self._pad_width())

    def compute_output_shape(self, input_shape):
        return tuple(None if n is None else n + before + after
                     for n, (before, after) in zip(input_shape, self._pad_width()))

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
