"""BaseAdaptivePooling: the shared body of the adaptive max and average pooling layers."""

from nnet import ops
from nnet.backend import standardize_data_format
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import Layer
from nnet.ops.pooling import standardize_tuple


class BaseAdaptivePooling(Layer):
    """Pools each spatial axis into `output_size` bins, whatever the input's size.

    Args:
        output_size: an integer or one integer per spatial dimension.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Subclasses set ``pool_dimensions`` (1, 2 or 3) and ``pool`` (the op).

    Example:
        >>> from nnet.layers import AdaptiveMaxPooling2D
        >>> AdaptiveMaxPooling2D(3).output_size
        (3, 3)
    """

    pool_dimensions = None
    pool = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = standardize_tuple(output_size, self.pool_dimensions, "output_size")
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.pool_dimensions + 2)

    def call(self, inputs):
        return self.pool(inputs, self.output_size, self.data_format)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


class BaseAdaptiveAveragePooling(BaseAdaptivePooling):
    """Adaptive average pooling: the mean over each bin (see `nnet.ops.adaptive_average_pool`).

    Example:
        >>> from nnet.layers import AdaptiveAveragePooling1D
        >>> issubclass(AdaptiveAveragePooling1D, BaseAdaptiveAveragePooling)
        True
    """

    pool = staticmethod(ops.adaptive_average_pool)


class BaseAdaptiveMaxPooling(BaseAdaptivePooling):
    """Adaptive max pooling: the maximum over each bin (see `nnet.ops.adaptive_max_pool`).

    Example:
        >>> from nnet.layers import AdaptiveMaxPooling1D
        >>> issubclass(AdaptiveMaxPooling1D, BaseAdaptiveMaxPooling)
        True
    """

    pool = staticmethod(ops.adaptive_max_pool)
