"""BaseGlobalPooling: the shared body of the global max and average pooling layers."""

from nnet.backend import standardize_data_format
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces every spatial axis of its input with `reduce` (`nnet.ops.max` or `nnet.ops.mean`).

    Subclasses set ``pool_dimensions`` (1, 2 or 3, the number of spatial axes) and ``reduce``.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        keepdims: keep the spatial axes with length 1.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> from nnet.layers import GlobalMaxPooling2D
        >>> isinstance(GlobalMaxPooling2D(), BaseGlobalPooling)
        True
    """

    pool_dimensions = None
    reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.pool_dimensions + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + self.pool_dimensions))

    def call(self, inputs):
        return self.reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        spatial = len(input_shape) - 2
        if self.data_format == "channels_last":
            if self.keepdims:
                return (input_shape[0],) + (1,) * spatial + (input_shape[-1],)
            return (input_shape[0], input_shape[-1])
        if self.keepdims:
            return (input_shape[0], input_shape[1]) + (1,) * spatial
        return (input_shape[0], input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config
