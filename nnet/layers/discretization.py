"""Discretization: buckets continuous values into bins given up front or learned by `adapt`."""

import numbers

import numpy as np

from nnet import backend, ops
from nnet.layers.category_encoding import (
    _as_tensor,
    _encode,
    _encoded_shape,
    _is_positive_int,
    _refuse_sparse,
    _validate_output_mode,
)
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.normalization import _adapt_batches


def _summarize(values, epsilon):
    """A weighted summary ``[[values...], [weights...]]`` of a batch: about ``1 / epsilon``
    evenly spaced order statistics, each weighted by the number of values it stands for."""
    values = np.sort(np.reshape(values, [-1]))
    # Computed as Keras does (size / bucket count), so that the same order statistics are kept.
    step = max(values.size / (1.0 / epsilon), 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.ones_like(kept) * step])


def _compress(summary, epsilon):
    """Resample a summary at the cumulative-weight fractions ``epsilon, 2 epsilon, ..., 1``
    (linear interpolation), unless it already has fewer than ``1 / epsilon`` entries."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    position = cumulative / cumulative[-1]
    values = np.interp(fractions, position, summary[0])
    cumulative = np.interp(fractions, position, cumulative)
    weights = cumulative - np.concatenate((np.array([0]), cumulative[:-1]))
    return np.stack((values, weights)).astype("float32")


def _merge(summary, other, epsilon):
    merged = np.concatenate((summary, other), axis=1)
    return _compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


def _validate_boundaries(bin_boundaries):
    if bin_boundaries is None:
        return None
    try:
        values = np.asarray(bin_boundaries, dtype="float64")
    except (TypeError, ValueError):
        values = None
    if values is None or values.ndim != 1 or np.any(np.diff(values) < 0) or np.isnan(values).any():
        raise ValueError(
            f"Expected a list of numbers in increasing order for bin_boundaries. "
            f"Received: bin_boundaries={bin_boundaries!r}"
        )
    return np.asarray(bin_boundaries).tolist()


@LAYERS.register
class Discretization(Layer):
    """Buckets values by range: ``y = i`` for ``b[i-1] <= x < b[i]``, with ``b[-1] = -inf``
    and ``b[n] = +inf`` for the ``n`` sorted `bin_boundaries` (so ``n + 1`` bins).

    The boundaries are given, or learned by `adapt` as approximate quantiles of the data
    (``num_bins`` bins of about equal counts, accurate to about `epsilon`), with Keras's
    algorithm, so both libraries learn the same boundaries from the same data. With
    ``output_mode="int"`` the output holds the int32 bin ids; the other modes encode them as
    `CategoryEncoding` does, with ``num_bins`` tokens.

    Float inputs are compared in ``floatx()`` precision (as Keras does); integer inputs are
    kept as they are. NaN falls in the last bin, as with ``np.digitize``.

    Args:
        bin_boundaries: a list of increasing numbers; the outer bins extend to -inf and +inf,
            so ``[0., 1., 2.]`` gives the bins ``(-inf, 0)``, ``[0, 1)``, ``[1, 2)``,
            ``[2, inf)``. Do not combine with `num_bins`.
        num_bins: positive integer, the number of bins that `adapt` learns.
        epsilon: positive float, the error tolerance of the learned quantiles; smaller values
            are more exact and use more memory.
        output_mode: ``"int"`` (default), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: must be False: nnet has no sparse tensors.
        dtype: the dtype of encoded (non-int) outputs, ``floatx()`` by default.
        name: the layer's name.

    Shapes: ``"int"``: the output has the input's shape; other modes as `CategoryEncoding`.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.discretization import Discretization
        >>> x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
        >>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])(x).numpy()
        array([[0, 2, 3, 1],
               [1, 3, 2, 1]], dtype=int32)
        >>> layer = Discretization(num_bins=4, epsilon=0.01)
        >>> layer.adapt(x)
        >>> layer(x).numpy()
        array([[0, 2, 3, 2],
               [1, 3, 3, 1]], dtype=int32)
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        # Bin ids are compared against the boundaries, not computed: inputs keep their dtype.
        super().__init__(dtype=dtype, name=name, autocast=False)
        self.output_mode = _validate_output_mode(
            output_mode, ("int", "one_hot", "multi_hot", "count")
        )
        self.sparse = _refuse_sparse(sparse)
        if num_bins is not None and not _is_positive_int(num_bins):
            raise ValueError(
                f"Expected a positive integer for num_bins. Received: num_bins={num_bins!r}"
            )
        if (num_bins is None) == (bin_boundaries is None):
            raise ValueError(
                "Expected exactly one of bin_boundaries (fixed bins) and num_bins (bins learned "
                f"by adapt()). Received: bin_boundaries={bin_boundaries!r}, num_bins={num_bins!r}"
            )
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not (
            0 < epsilon <= 1
        ):
            raise ValueError(
                f"Expected a float in (0, 1] for epsilon. Received: epsilon={epsilon!r}"
            )
        self.bin_boundaries = _validate_boundaries(bin_boundaries)
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.reset_state()

    def adapt(self, data, batch_size=None, steps=None):
        """Learn `num_bins` bins of about equal counts from the quantiles of `data`.

        Each batch is flattened, cast to float32 and summarized by about ``1 / epsilon``
        weighted order statistics; summaries are merged and compressed as batches arrive, and
        the boundaries are read off the final summary at the fractions ``1/num_bins, ...,
        (num_bins - 1)/num_bins``. A single array is one batch, so its quantiles are exact up
        to `epsilon`.

        Args:
            data: a NumPy array or Tensor (one batch, or split by `batch_size`), or an iterable
                of batches (a list of arrays, a generator; tuples ``(x, y)`` use ``x``).
            batch_size: optional positive integer: split an array into batches of this many
                samples.
            steps: optional positive integer: read at most this many batches.
        """
        if self.num_bins is None:
            raise ValueError(
                f"Layer '{self.name}' was given bin_boundaries, so it cannot adapt(). Create it "
                f"with num_bins instead to learn the boundaries from data."
            )
        self.reset_state()
        for batch in _adapt_batches(data, batch_size, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Merge one batch of `data` into the running quantile summary."""
        batch = _summarize(np.asarray(data).astype("float32"), self.epsilon)
        self._summary = _merge(batch, self._summary, self.epsilon)

    def finalize_state(self):
        """Set `bin_boundaries` from the running summary (a no-op with fixed boundaries)."""
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        """Forget the data seen by `update_state` (a no-op with fixed boundaries)."""
        self._summary = np.array([[], []], dtype="float32")

    def _depth(self):
        return self.num_bins if self.bin_boundaries is None else len(self.bin_boundaries) + 1

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Layer '{self.name}' has no bin boundaries yet: call adapt(data) before using "
                f"it, or pass bin_boundaries= to the constructor."
            )
        inputs = _as_tensor(inputs)
        if inputs.dtype.kind == "f" and inputs.dtype != backend.floatx():
            inputs = ops.cast(inputs, backend.floatx())
        dtype = inputs.dtype if inputs.dtype.kind == "f" else backend.floatx()
        boundaries = backend.asarray(self.bin_boundaries, dtype=dtype)
        # A value's bin is the number of boundaries it is not below (NaN: all of them).
        not_below = ops.logical_not(ops.less(ops.expand_dims(inputs, -1), boundaries))
        indices = ops.sum(not_below, axis=-1)
        if self.output_mode == "int":
            return ops.cast(indices, "int32")
        return _encode(indices, self.output_mode, self._depth(), self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return input_shape
        return _encoded_shape(input_shape, self.output_mode, self._depth())

    def get_config(self):
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        # An adapted layer's config has both; the constructor takes one, so set the
        # boundaries afterwards, as Keras does.
        bin_boundaries = config.pop("bin_boundaries", None)
        if config.get("num_bins") is None:
            return super().from_config({**config, "bin_boundaries": bin_boundaries})
        layer = super().from_config(config)
        layer.bin_boundaries = _validate_boundaries(bin_boundaries)
        return layer
