"""Identity: returns its inputs unchanged, a placeholder where no operation is wanted."""

from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class Identity(Layer):
    """Returns its inputs unchanged: ``y = x``.

    Useful as a placeholder, e.g. a switchable block or a named tap in a functional graph.
    Inputs may be a single tensor or any list/dict of tensors.

    Args:
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.identity import Identity
        >>> Identity()(np.array([[1.0, 2.0]])).numpy()
        array([[1., 2.]], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
