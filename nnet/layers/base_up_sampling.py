"""BaseUpSampling: the shared body of UpSampling2D and UpSampling3D."""

from nnet import ops
from nnet.backend import standardize_data_format
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import Layer
from nnet.ops.pooling import standardize_tuple


class BaseUpSampling(Layer):
    """Enlarges each spatial axis by an integer factor, repeating cells (nearest neighbour).

    Args:
        size: an integer or one integer per spatial axis, the factors.
        rank: the number of spatial axes.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> from nnet.layers import UpSampling3D
        >>> isinstance(UpSampling3D(), BaseUpSampling)
        True
    """

    def __init__(self, size, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, rank, "size")
        self.input_spec = InputSpec(ndim=rank + 2)
        self._first = 1 if self.data_format == "channels_last" else 2

    def _repeat(self, inputs):
        for axis, factor in enumerate(self.size, self._first):
            inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def call(self, inputs):
        return self._repeat(inputs)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in enumerate(self.size, self._first):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
