"""BatchNormalization: normalizes each feature with batch statistics while training and with
their moving averages at inference."""

import numbers

import numpy as np

from nnet import backend, constraints, initializers, ops, regularizers
from nnet.autodiff.tensor import Tensor
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer

_RENORM_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


def _upcast(x):
    """`x` in float32 when it is a half float: batch statistics overflow in float16."""
    return ops.cast(x, "float32") if x.dtype.itemsize < 4 else x


def _fold_renorm(r, d, gamma, beta):
    """``(x_hat * r + d) * gamma + beta`` as one scale and one offset."""
    scale = r if gamma is None else gamma * r
    offset = d if gamma is None else gamma * d
    return scale, (offset if beta is None else offset + beta)


def _update_moving(variable, value, momentum):
    """``variable = variable * momentum + value * (1 - momentum)``, in place and off the graph."""
    moving = variable.data
    variable.assign(moving * momentum + value.astype(moving.dtype) * (1.0 - momentum))


@LAYERS.register
class BatchNormalization(Layer):
    """Normalizes the inputs feature by feature, over the batch (and every other axis).

    While training (``training=True`` and ``trainable=True``) the output is
    ``gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta`` with the batch mean and the biased
    batch variance, and the moving statistics are updated in place:
    ``moving = moving * momentum + batch * (1 - momentum)``. At inference, or when the layer is
    frozen (``trainable=False``, as in Keras 3), the moving statistics replace the batch ones.

    Args:
        axis: the feature axis (e.g. 1 after a channels_first convolution).
        momentum: momentum of the moving averages.
        epsilon: small float added to the variance.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
            moving_variance_initializer: initializers of the four weights.
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: constraints applied after each optimizer update.
        synchronized: accepted for Keras compatibility: in a data-parallel job
            (`nnet.distribution`) the training statistics cover the global batch either way
            (without a mask or renorm; those use each process's shard).
        renorm: whether to use Batch Renormalization (Ioffe, 2017): while training the
            normalized batch is corrected by ``r = std_batch / std_renorm`` and
            ``d = (mean_batch - mean_renorm) / std_renorm`` (constants for the gradient), using
            moving averages with `renorm_momentum`. Inference is unchanged.
        renorm_clipping: dict with optional keys ``"rmax"``, ``"rmin"``, ``"dmax"`` that clip
            `r` to [rmin, rmax] and `d` to [-dmax, dmax].
        renorm_momentum: momentum of the renorm moving averages.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: a tensor of any rank.
        training: use (and update) batch statistics when True.
        mask: optional boolean array of the input's shape without the last axis; masked
            entries are left out of the batch statistics.

    Weights: ``[gamma, beta, moving_mean, moving_variance]`` (gamma/beta only when scale/center),
    each of shape ``(input_shape[axis],)``; with renorm, then ``moving_stddev``, ``renorm_mean``,
    ``renorm_stddev``.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.BatchNormalization(momentum=0.5)
        >>> x = np.array([[0.0, 1.0], [2.0, 5.0]])
        >>> layer(x, training=True).numpy().round(4)
        array([[-0.9995, -0.9999],
               [ 0.9995,  0.9999]], dtype=float32)
        >>> layer.moving_mean.numpy(), layer.moving_variance.numpy()
        (array([0.5, 1.5], dtype=float32), array([1. , 2.5], dtype=float32))
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(
                f"Expected an integer for axis (the feature axis). Received: axis={axis!r}"
            )
        self.axis = int(axis)
        self.synchronized = synchronized
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        _set_affine_arguments(self, center, scale, beta_initializer, gamma_initializer,
                              beta_regularizer, gamma_regularizer, beta_constraint,
                              gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm = renorm
        if renorm:
            renorm_clipping = _validate_renorm_clipping(renorm_clipping or {})
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.supports_masking = True
        self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        self._check_axis(input_shape)
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known size along axis {self.axis} (the feature "
                f"axis) to build its weights. Received: input_shape={tuple(input_shape)}"
            )
        shape = (size,)
        _add_affine_weights(self, shape, self.scale, self.center)
        self.moving_mean = self.add_weight(
            shape=shape, name="moving_mean", initializer=self.moving_mean_initializer,
            trainable=False,
        )
        self.moving_variance = self.add_weight(
            shape=shape, name="moving_variance", initializer=self.moving_variance_initializer,
            trainable=False,
        )
        if self.renorm:
            # Renorm tracks standard deviations, started at the root of the variance initializer.
            def stddev_initializer(shape, dtype=None):
                return np.sqrt(initializers.get(self.moving_variance_initializer)(shape, dtype))

            self.moving_stddev = self.add_weight(
                shape=shape, name="moving_stddev", initializer=stddev_initializer,
                trainable=False,
            )
            self.renorm_mean = self.add_weight(
                shape=shape, name="renorm_mean", initializer=self.moving_mean_initializer,
                trainable=False,
            )
            self.renorm_stddev = self.add_weight(
                shape=shape, name="renorm_stddev", initializer=stddev_initializer,
                trainable=False,
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: size})

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != inputs.ndim - 1:
            raise ValueError(
                f"The mask of layer '{self.name}' must have one dimension less than the inputs. "
                f"Received: mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        x = _upcast(inputs)
        feature_axis = self.axis % x.ndim
        gamma, beta = self.gamma, self.beta
        if training and self.trainable:
            if mask is None and not self.renorm:
                # The hot path: statistics, output and one analytic backward in one primitive.
                outputs, mean, variance = ops.fused_batch_normalization(
                    x, gamma, beta, axis=feature_axis, epsilon=self.epsilon)
                _update_moving(self.moving_mean, mean.data, self.momentum)
                _update_moving(self.moving_variance, variance.data, self.momentum)
                return self._cast_back(outputs)
            mean, variance = self._moments(x, feature_axis, mask)
            if self.renorm:
                r, d = self._renorm_correction(mean.data, variance.data)
                gamma, beta = _fold_renorm(r, d, gamma, beta)
                self._update_renorm_statistics(mean.data, variance.data)
            else:
                _update_moving(self.moving_mean, mean.data, self.momentum)
                _update_moving(self.moving_variance, variance.data, self.momentum)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return self._cast_back(ops.batch_normalization(
            x, mean, variance, axis=feature_axis, offset=beta, scale=gamma,
            epsilon=self.epsilon))

    def _cast_back(self, outputs):
        return outputs if outputs.dtype == self.dtype else ops.cast(outputs, self.dtype)

    @staticmethod
    def _moments(x, feature_axis, mask):
        """Batch mean and biased variance over every axis but the feature axis, (channels,)."""
        axes = tuple(i for i in range(x.ndim) if i != feature_axis)
        if mask is None:
            return ops.moments(x, axes)
        data = mask.data if isinstance(mask, Tensor) else backend.asarray(mask)
        xp = backend.array_module(x.data)
        weights = xp.broadcast_to(data[..., None], x.shape).astype(x.dtype)
        count = weights.sum(axis=axes) + backend.epsilon()
        mean = ops.sum(x * weights, axis=axes) / count
        stats_shape = tuple(n if i == feature_axis else 1 for i, n in enumerate(x.shape))
        centered = x - ops.reshape(mean, stats_shape)
        variance = ops.sum(ops.square(centered) * weights, axis=axes) / count
        return mean, variance

    def _renorm_correction(self, mean, variance):
        """The renorm factors ``r`` and ``d`` as arrays: constants for the gradient."""
        xp = backend.array_module(mean)
        stddev = xp.sqrt(variance + self.epsilon)
        # The floor avoids dividing by ~0 early in training.
        renorm_stddev = xp.maximum(self.renorm_stddev.data, np.sqrt(self.epsilon))
        r = stddev / renorm_stddev
        d = (mean - self.renorm_mean.data) / renorm_stddev
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = xp.maximum(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = xp.minimum(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = xp.clip(d, -clipping["dmax"], clipping["dmax"])
        return r.astype(mean.dtype), d.astype(mean.dtype)

    def _update_renorm_statistics(self, mean, variance):
        stddev = backend.array_module(mean).sqrt(variance + self.epsilon)
        _update_moving(self.renorm_mean, mean, self.renorm_momentum)
        _update_moving(self.renorm_stddev, stddev, self.renorm_momentum)
        _update_moving(self.moving_mean, mean, self.momentum)
        _update_moving(self.moving_stddev, stddev, self.momentum)
        moving_stddev = self.moving_stddev.data
        # Rounding can push stddev**2 - epsilon slightly below zero.
        self.moving_variance.assign(
            backend.array_module(moving_stddev).maximum(
                moving_stddev * moving_stddev - self.epsilon, 0
            )
        )

    def _check_axis(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(
                f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}. "
                f"Received: axis={self.axis}. Pass an axis between {-len(input_shape)} and "
                f"{len(input_shape) - 1}."
            )

    def compute_output_shape(self, input_shape):
        self._check_axis(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            **_affine_config(self),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config


def _set_affine_arguments(layer, center, scale, beta_initializer, gamma_initializer,
                          beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
    """Set the arguments of a layer's learned offset `beta` and scale `gamma` as attributes
    (BatchNormalization, LayerNormalization, GroupNormalization)."""
    layer.center = center
    layer.scale = scale
    layer.beta_initializer = initializers.get(beta_initializer)
    layer.gamma_initializer = initializers.get(gamma_initializer)
    layer.beta_regularizer = regularizers.get(beta_regularizer)
    layer.gamma_regularizer = regularizers.get(gamma_regularizer)
    layer.beta_constraint = constraints.get(beta_constraint)
    layer.gamma_constraint = constraints.get(gamma_constraint)
    layer.gamma = layer.beta = None


def _add_affine_weights(layer, shape, scale, center):
    """Create `gamma` (when `scale`) and then `beta` (when `center`), of `shape`."""
    if scale:
        layer.gamma = layer.add_weight(
            shape=shape, name="gamma", initializer=layer.gamma_initializer,
            regularizer=layer.gamma_regularizer, constraint=layer.gamma_constraint,
        )
    if center:
        layer.beta = layer.add_weight(
            shape=shape, name="beta", initializer=layer.beta_initializer,
            regularizer=layer.beta_regularizer, constraint=layer.beta_constraint,
        )


def _affine_config(layer):
    """The config entries of a layer's beta and gamma initializers, regularizers and
    constraints (BatchNormalization, LayerNormalization, GroupNormalization)."""
    return {f"{weight}_{kind}": module.serialize(getattr(layer, f"{weight}_{kind}"))
            for kind, module in (("initializer", initializers), ("regularizer", regularizers),
                                 ("constraint", constraints))
            for weight in ("beta", "gamma")}


def _validate_renorm_clipping(clipping):
    if set(clipping) - set(_RENORM_CLIPPING_KEYS):
        raise ValueError(
            f"Expected only the keys {list(_RENORM_CLIPPING_KEYS)} in renorm_clipping. "
            f"Received: renorm_clipping={clipping!r}"
        )
    rmax, rmin, dmax = (clipping.get(k) for k in _RENORM_CLIPPING_KEYS)
    if rmax is not None and rmin is not None and rmax < rmin:
        raise ValueError(
            f"Expected rmax >= rmin in renorm_clipping. Received: renorm_clipping={clipping!r}"
        )
    if dmax is not None and dmax < 0:
        raise ValueError(
            f"Expected dmax >= 0 in renorm_clipping. Received: renorm_clipping={clipping!r}"
        )
    return clipping
