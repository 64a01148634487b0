"""Normalization: shifts and scales features to zero mean and unit variance, from statistics
given up front or learned with `adapt(data)`."""

import math
import numbers

import numpy as np

from nnet import backend, ops
from nnet.autodiff.tensor import Tensor
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.rescaling import _validate_factor
from nnet.utils.dataset_utils import PyDataset


def _validate_optional_positive_int(value, name):
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0
    ):
        raise ValueError(
            f"Expected a positive integer or None for {name}. Received: {name}={value!r}"
        )
    return value


def _adapt_batches(data, batch_size=None, steps=None):
    """The batches that `adapt` learns from, as NumPy arrays.

    An array or Tensor is one batch, or is split into batches of `batch_size` samples. A
    `PyDataset` or any other iterable (a list, a generator) yields the batches itself; of a tuple
    ``(x, y, ...)`` only ``x`` is used. At most `steps` batches are read.
    """
    _validate_optional_positive_int(batch_size, "batch_size")
    _validate_optional_positive_int(steps, "steps")
    if isinstance(data, Tensor):
        data = data.numpy()
    if isinstance(data, PyDataset):
        dataset = data
        data = (dataset[i] for i in range(len(dataset)))
    if isinstance(data, np.ndarray):
        batches = [data] if batch_size is None else (
            data[start:start + batch_size] for start in range(0, len(data), batch_size)
        )
    elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
        if batch_size is not None:
            raise ValueError(
                "batch_size only applies when adapt() receives an array; an iterable already "
                f"yields batches. Received: batch_size={batch_size!r} with data of type "
                f"{type(data).__name__}"
            )
        batches = (batch[0] if isinstance(batch, tuple) else batch for batch in data)
    else:
        raise TypeError(
            "Expected a NumPy array, a Tensor or an iterable of batches (a list of arrays, a "
            f"generator) for data. Received: data of type {type(data).__name__}"
        )
    count = 0
    for batch in batches:
        if steps is not None and count >= steps:
            break
        count += 1
        yield np.asarray(batch.numpy() if isinstance(batch, Tensor) else batch)
    if count == 0:
        raise ValueError(
            "adapt() received no data: the iterable yielded no batches. Pass a non-empty array "
            "or iterable of batches, e.g. layer.adapt(x) or layer.adapt([x1, x2])."
        )


def _standardize_axis(axis):
    if axis is None:
        return ()
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return (int(axis),)
    if isinstance(axis, (list, tuple)) and all(
        isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis
    ):
        return tuple(int(a) for a in axis)
    raise ValueError(f"Expected an int, a tuple of ints or None for axis. Received: axis={axis!r}")


@LAYERS.register
class Normalization(Layer):
    """Normalizes features: ``y = (x - mean) / max(sqrt(variance), epsilon)``.

    `mean` and `variance` are kept per index along `axis` (e.g. one pair per feature with the
    default ``axis=-1``) and shared over the other axes. They are either given to the
    constructor or learned with `adapt`, which stores them as non-trainable weights ``mean``
    and ``variance`` (plus an int ``count``, always 0, kept for Keras's weight layout). With
    ``invert=True`` the layer undoes the normalization: ``y = mean + x * max(sqrt(variance),
    epsilon)``. ``epsilon`` is `nnet.backend.epsilon()`.

    Args:
        axis: an int, a tuple of ints, or None: the axes that get their own mean and variance
            (None: one scalar mean and variance for everything). With inputs of shape
            ``(batch,)`` the default -1 keeps a statistic per batch index; pass None there.
        mean: the mean(s) to use, broadcast against the kept axes (aligned from the right).
            Give it together with `variance`, or neither and call `adapt`.
        variance: the variance(s) to use, same shape as `mean`.
        invert: whether to apply the inverse transformation.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.normalization import Normalization
        >>> layer = Normalization()
        >>> layer.adapt(np.array([[0.0, 7.0], [2.0, 9.0]]))
        >>> layer(np.array([[0.0, 7.0], [1.0, 10.0]])).numpy()
        array([[-1., -1.],
               [ 0.,  2.]], dtype=float32)
        >>> Normalization(mean=3.0, variance=4.0, invert=True)(np.array([[1.0]])).numpy()
        array([[5.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = _standardize_axis(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                "Expected both mean and variance, or neither (then call adapt()). "
                f"Received: mean={mean!r}, variance={variance!r}"
            )
        if mean is not None:
            _validate_factor(mean, "mean")
            _validate_factor(variance, "variance")
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Expected mean and variance of the same shape. Received: mean of shape "
                    f"{np.shape(mean)} and variance of shape {np.shape(variance)}"
                )
            if np.ndim(mean) > len(self.axis):
                raise ValueError(
                    f"Expected a mean of rank at most {len(self.axis)}, the number of axes in "
                    f"axis={self.axis}. Received: mean of shape {np.shape(mean)}"
                )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(
                f"Layer '{self.name}' has axis={self.axis}, out of range for inputs of shape "
                f"{tuple(input_shape)} (rank {ndim}). Use axes between {-ndim} and {ndim - 1}."
            )
        # Sorted, so that the statistics' axes are in the input's order.
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        unknown = [d for d in self._keep_axis if input_shape[d] is None]
        if unknown:
            raise ValueError(
                f"Layer '{self.name}' keeps a mean and variance per index along axis="
                f"{self.axis}, so those axes need a known size, but inputs have shape "
                f"{tuple(input_shape)}. Give the Input a shape with these sizes."
            )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._build_input_shape = tuple(input_shape)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)
        )
        shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance", shape=shape, initializer="ones", trainable=False
            )
            # Never updated; it exists so that weight lists and files line up with Keras's.
            self.count = self.add_weight(
                name="count", shape=(), dtype="int32", initializer="zeros", trainable=False
            )
        else:
            self._mean = self._broadcast(self.input_mean, "mean")
            self._variance = self._broadcast(self.input_variance, "variance")
        self.built = True

    def _broadcast(self, value, name):
        """A given mean or variance as an array of the broadcast shape, aligning its dims with
        the kept axes from the right (as Keras does)."""
        value = np.asarray(value, dtype="float64")
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        try:
            value = np.broadcast_to(value.reshape(expanded), self._broadcast_shape)
        except ValueError:
            raise ValueError(
                f"Layer '{self.name}': {name} of shape {value.shape} does not broadcast to the "
                f"kept axes {self._keep_axis} of shape {self._broadcast_shape}. Give one value "
                f"per index along axis={self.axis}, or a scalar."
            ) from None
        return backend.asarray(value, dtype=self.dtype)

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the mean and variance of `data` over the axes not in `axis`.

        Works before the layer is built (the first batch's shape builds it) and after (the
        kept axes must match). Batches are combined exactly as Keras does: with ``n`` samples
        seen so far and a batch of ``m`` reduced elements, ``w = m / (n + m)``,
        ``mean' = (1 - w) mean + w mean_b`` and
        ``var' = (1 - w) (var + (mean - mean')^2) + w (var_b + (mean_b - mean')^2)``.
        A single array is reduced in one pass with NumPy, in its own dtype; batches from an
        iterable (or an array split by `batch_size`) are first cast to the layer's dtype.

        Args:
            data: a NumPy array or Tensor (one batch, or split by `batch_size`), a `PyDataset`,
                or an iterable of batches (a list of arrays, a generator; tuples ``(x, y)`` use
                ``x``).
            batch_size: optional positive integer: split an array into batches of this many
                samples.
            steps: optional positive integer: read at most this many batches.
        """
        if self.input_mean is not None:
            raise ValueError(
                f"Layer '{self.name}' was given mean and variance, so it cannot adapt(). Create "
                f"it without mean and variance to learn them from data."
            )
        cast = not (isinstance(data, (np.ndarray, Tensor)) and batch_size is None)
        total_mean = total_var = 0.0
        total_count = 0
        for batch in _adapt_batches(data, batch_size, steps):
            if cast or batch.dtype.kind != "f":
                batch = batch.astype(self.dtype)
            self._check_adapt_shape(batch.shape)
            batch_mean = batch.mean(axis=self._reduce_axis)
            batch_var = batch.var(axis=self._reduce_axis)
            batch_count = math.prod(batch.shape[d] for d in self._reduce_axis)
            total_count += batch_count
            weight = batch_count / total_count
            new_mean = total_mean * (1.0 - weight) + batch_mean * weight
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1.0 - weight) + (
                batch_var + (batch_mean - new_mean) ** 2
            ) * weight
            total_mean = new_mean
        self.adapt_mean.assign(np.asarray(total_mean, dtype=self.dtype))
        self.adapt_variance.assign(np.asarray(total_var, dtype=self.dtype))

    def _check_adapt_shape(self, shape):
        if not self.built:
            self._maybe_build(tuple(shape))
            return
        built = self._build_input_shape
        if len(shape) != len(built) or any(shape[d] != built[d] for d in self._keep_axis):
            raise ValueError(
                f"Layer '{self.name}' was built for inputs of shape {built}, but adapt() "
                f"received a batch of shape {tuple(shape)}. The sizes along axis={self.axis} "
                f"must match."
            )

    @property
    def mean(self):
        """The mean in the shape it broadcasts against the inputs with, e.g. ``(1, features)``;
        None before the layer is built (as in Keras)."""
        return self._statistics()[0] if self.built else None

    @property
    def variance(self):
        """The variance, shaped as `mean`; None before the layer is built."""
        return self._statistics()[1] if self.built else None

    def _statistics(self):
        if self.input_mean is not None:
            return self._mean, self._variance
        return (ops.reshape(self.adapt_mean, self._broadcast_shape),
                ops.reshape(self.adapt_variance, self._broadcast_shape))

    def call(self, inputs):
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, self.dtype)
        mean, variance = self._statistics()
        std = ops.maximum(ops.sqrt(variance), backend.asarray(backend.epsilon(), self.dtype))
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, std))
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config
