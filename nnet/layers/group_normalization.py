"""GroupNormalization: normalizes each sample over groups of channels."""

from nnet import ops
from nnet.layers.batch_normalization import (
    _add_affine_weights,
    _affine_config,
    _set_affine_arguments,
)
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.layer_normalization import _check_axes, _is_int


@LAYERS.register
class GroupNormalization(Layer):
    """Splits the channels into `groups` and normalizes each sample within each group.

    For each sample and group, the mean and biased variance are taken over the group's
    channels and every other non-batch axis; the output is
    ``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with per-channel `gamma` and `beta`.
    ``groups=1`` is close to LayerNormalization over all features; ``groups=-1`` (one group
    per channel) is instance normalization. Statistics are computed in at least float32.

    Args:
        groups: the number of groups, dividing the channel count (Keras's default 32), or -1
            for one group per channel.
        axis: the channel axis (-1 for channels_last, 1 for channels_first).
        epsilon: small float added to the variance.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer: initializers of the weights.
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: constraints applied after each optimizer update.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Weights: ``[gamma, beta]`` (each when scale / center), of shape ``(channels,)``.

    Shapes: any rank >= 2; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.GroupNormalization(groups=2, epsilon=0.0)
        >>> layer(np.array([[1.0, 3.0, 10.0, 30.0]])).numpy()
        array([[-1.,  1., -1.,  1.]], dtype=float32)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not _is_int(groups) or (groups <= 0 and groups != -1):
            raise ValueError(
                f"Expected a positive integer for groups (or -1 for instance normalization). "
                f"Received: groups={groups!r}"
            )
        if not _is_int(axis):
            raise TypeError(f"Expected an integer for axis (the channel axis). Received: "
                            f"axis={axis!r}")
        super().__init__(**kwargs)
        self.supports_masking = True
        # As in Keras: inputs keep their dtype and the output is cast to the layer's.
        self.autocast = False
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = epsilon
        _set_affine_arguments(self, center, scale, beta_initializer, gamma_initializer,
                              beta_regularizer, gamma_regularizer, beta_constraint,
                              gamma_constraint)

    def build(self, input_shape):
        _check_axes(self.axis, input_shape)
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known size along axis {self.axis} (the channel "
                f"axis). Received: input_shape={tuple(input_shape)}"
            )
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups or channels % self.groups:
            raise ValueError(
                f"The number of groups must divide the number of channels ({channels}, axis "
                f"{self.axis} of input_shape={tuple(input_shape)}). Received: "
                f"groups={self.groups}"
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        _add_affine_weights(self, (channels,), self.scale, self.center)

    def call(self, inputs):
        shape = tuple(inputs.shape)
        axis = self.axis % len(shape)
        # (..., groups, channels // groups, ...): normalized over all but the batch and group.
        grouped_shape = (*shape[:axis], self.groups, shape[axis] // self.groups,
                         *shape[axis + 1:])
        axes = [i for i in range(1, len(grouped_shape)) if i != axis]
        normalized = ops.reshape(
            ops.layer_normalization(ops.reshape(inputs, grouped_shape), axis=axes,
                                    epsilon=self.epsilon),
            shape,
        )
        weight_shape = [n if i == axis else 1 for i, n in enumerate(shape)]
        if self.gamma is not None:
            normalized = normalized * ops.reshape(ops.cast(self.gamma, normalized.dtype),
                                                  weight_shape)
        if self.beta is not None:
            normalized = normalized + ops.reshape(ops.cast(self.beta, normalized.dtype),
                                                  weight_shape)
        return normalized if normalized.dtype == self.dtype else ops.cast(normalized, self.dtype)

    def compute_output_shape(self, input_shape):
        _check_axes(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **_affine_config(self),
        })
        return config

