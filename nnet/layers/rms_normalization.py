"""RMSNormalization: scales each sample by the root mean square of its features."""

from nnet import ops
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.layer_normalization import _check_axes, _feature_axes


@LAYERS.register
class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang & Sennrich, 2019): ``x / sqrt(mean(x^2) + epsilon)
    * scale``, the mean taken per sample over `axis`.

    Unlike LayerNormalization the inputs are not centered and there is no offset.

    Args:
        axis: the axis or list of axes to normalize over (the last by default).
        epsilon: small float added to the mean square.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Weights: ``[scale]``, of the input's sizes along `axis`, initialized to ones.

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.RMSNormalization(epsilon=0.0)
        >>> layer(np.array([[3.0, 4.0]])).numpy().round(4)
        array([[0.8485, 1.1314]], dtype=float32)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _feature_axes(axis)
        self.epsilon = epsilon
        self.scale = None

    def build(self, input_shape):
        _check_axes(self.axis, input_shape)
        # Keras stores the axes as a sorted list once built, and its config shows that list.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self.scale = self.add_weight(shape=tuple(input_shape[a] for a in self.axis),
                                     name="scale", initializer="ones")

    def call(self, x):
        return ops.rms_normalization(x, scale=self.scale, axis=self.axis, epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        _check_axes(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config

