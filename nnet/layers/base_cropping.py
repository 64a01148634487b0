"""BaseCropping: the shared body of Cropping1D/2D/3D."""

from nnet import ops
from nnet.backend import standardize_data_format
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import Layer


class BaseCropping(Layer):
    """Removes cells before and after each spatial axis.

    Args:
        cropping: the layer's `cropping` in Keras's form (a pair for 1D, pairs for 2D and 3D).
        pairs: the same as one ``(before, after)`` pair per spatial axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> from nnet.layers import Cropping2D
        >>> isinstance(Cropping2D(), BaseCropping)
        True
    """

    def __init__(self, cropping, pairs, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = cropping
        self._pairs = pairs
        self.input_spec = InputSpec(ndim=len(pairs) + 2)

    def _first_axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in enumerate(self._pairs, self._first_axis()):
            if shape[axis] is None:
                continue
            if before + after >= shape[axis]:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': cropping={self.cropping} removes all "
                    f"of axis {axis} of input_shape={tuple(input_shape)}. The cropping of each "
                    f"axis must be smaller than its length."
                )
            shape[axis] -= before + after
        return tuple(shape)

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))
        index = [slice(None)] * inputs.ndim
        for axis, (before, after) in enumerate(self._pairs, self._first_axis()):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return ops.getitem(inputs, tuple(index))

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
