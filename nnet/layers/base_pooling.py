"""BasePooling: the shared body of the max and average pooling layers (1D, 2D, 3D)."""

from nnet import ops
from nnet.backend import standardize_data_format
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import Layer
from nnet.ops.pooling import standardize_tuple


class BasePooling(Layer):
    """Max or average pooling over `pool_dimensions` spatial axes (Keras's base class).

    Args:
        pool_size: an integer or one integer per spatial dimension: the window.
        strides: same form, or None for `pool_size`.
        pool_dimensions: 1, 2 or 3.
        pool_mode: ``"max"`` or ``"average"``.
        padding: ``"valid"`` or ``"same"`` (TensorFlow's rule; see `nnet.ops.max_pool`).
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np
        >>> BasePooling(2, None, 1, "average")(np.ones((1, 4, 1))).shape
        (1, 2, 1)
    """

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides")
        if pool_mode not in ("max", "average"):
            raise ValueError(
                f"Expected 'max' or 'average' for pool_mode. Received: pool_mode={pool_mode!r}"
            )
        self.pool_mode = pool_mode
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(
                f"Expected 'valid' or 'same' for padding. Received: padding={padding!r}"
            )
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)

    def call(self, inputs):
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        return pool(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        first = 1 if self.data_format == "channels_last" else 2
        shape = list(input_shape)
        for i, (k, s) in enumerate(zip(self.pool_size, self.strides)):
            n = shape[first + i]
            if n is None:
                continue
            shape[first + i] = (n - k) // s + 1 if self.padding == "valid" else -(-n // s)
            if shape[first + i] <= 0:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': pool_size={self.pool_size} with "
                    f"padding='valid' leaves no output for input_shape={tuple(input_shape)}. "
                    f"Use a smaller pool_size or padding='same'."
                )
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config
