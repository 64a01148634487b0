"""ActivityRegularization: passes its inputs through and adds an L1/L2 penalty on them."""

from nnet import regularizers
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class ActivityRegularization(Layer):
    """Returns its inputs unchanged and adds a penalty on them to the loss.

    Each call adds ``(l1 * sum(|x|) + l2 * sum(x^2)) / batch_size`` to `losses` (via
    `add_loss`), exactly as Keras does with an L1L2 activity regularizer: the sum runs over
    every element of the batch and is divided by the batch size.

    Args:
        l1: non-negative float, the L1 factor.
        l2: non-negative float, the L2 factor.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.activity_regularization import ActivityRegularization
        >>> layer = ActivityRegularization(l1=0.5)
        >>> layer(np.array([[1.0, -2.0], [3.0, 0.0]])).shape
        (2, 2)
        >>> float(layer.losses[0])
        1.5
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        # The penalty is rebuilt from l1 and l2, so it is not saved a second time.
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
