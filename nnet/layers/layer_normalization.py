"""LayerNormalization: normalizes each sample over its feature axes."""

import numbers
import warnings

from nnet import ops
from nnet.layers.batch_normalization import (
    _add_affine_weights,
    _affine_config,
    _set_affine_arguments,
    _upcast,
)
from nnet.layers.layer import LAYERS, Layer
from nnet.ops.normalization import variance_scaled


@LAYERS.register
class LayerNormalization(Layer):
    """Normalizes each sample over `axis`: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    The mean and the (biased) variance are taken per sample over `axis`; `gamma` and `beta` have
    the input's sizes along `axis`. With the deprecated ``rms_scaling=True`` the output is
    ``gamma * x / sqrt(var + epsilon)`` (Keras scales by the variance, not the root mean square,
    and warns; nnet matches it).

    Args:
        axis: the axis or list of axes to normalize over (the last axis by default).
        epsilon: small float added to the variance.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer: initializers of the weights.
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: constraints applied after each optimizer update.
        rms_scaling: deprecated Keras option, see above (keyword only in practice, as in Keras).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.LayerNormalization(epsilon=0.0)
        >>> layer(np.array([[1.0, 3.0], [0.0, 10.0]])).numpy()
        array([[-1.,  1.],
               [-1.,  1.]], dtype=float32)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, rms_scaling=False, **kwargs):
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly "
                "scales the input by the variance, not the root mean square.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = _feature_axes(axis)
        self.epsilon = epsilon
        _set_affine_arguments(self, center, scale, beta_initializer, gamma_initializer,
                              beta_regularizer, gamma_regularizer, beta_constraint,
                              gamma_constraint)
        self.rms_scaling = rms_scaling
        self.supports_masking = True
        # As in Keras: inputs keep their dtype and the output is cast to the layer's.
        self.autocast = False

    def build(self, input_shape):
        _check_axes(self.axis, input_shape)
        # Keras stores the axes as a sorted list once built, and its config shows that list.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        _add_affine_weights(self, shape, self.scale or self.rms_scaling,
                            self.center and not self.rms_scaling)

    def call(self, inputs):
        if self.rms_scaling:
            x = _upcast(inputs)
            outputs = variance_scaled(x, self.gamma, self.axis, self.epsilon)
        else:
            outputs = ops.layer_normalization(inputs, self.gamma, self.beta, self.axis,
                                              self.epsilon)
        return outputs if outputs.dtype == self.dtype else ops.cast(outputs, self.dtype)

    def compute_output_shape(self, input_shape):
        _check_axes(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **_affine_config(self),
            "rms_scaling": self.rms_scaling,
        })
        return config


def _is_int(value):
    """Whether `value` is an integer (and not a bool)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _feature_axes(axis):
    """`axis` of a per-sample normalization as an int or a list of ints; TypeError otherwise."""
    if isinstance(axis, (list, tuple)) and all(_is_int(a) for a in axis):
        return [int(a) for a in axis]
    if _is_int(axis):
        return int(axis)
    raise TypeError(f"Expected an int or a list/tuple of ints for axis. Received: axis={axis!r}")


def _check_axes(axis, input_shape):
    """Raise a ValueError when an axis of `axis` (int or list) is out of `input_shape`'s range."""
    for a in axis if isinstance(axis, list) else [axis]:
        if not -len(input_shape) <= a < len(input_shape):
            raise ValueError(
                f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. "
                f"Received: axis={axis}. Pass axes between {-len(input_shape)} and "
                f"{len(input_shape) - 1}."
            )
