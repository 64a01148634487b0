"""The Metric base class."""

import numpy as np

from nnet.autodiff.tensor import Variable
from nnet.backend import floatx
from nnet.naming import scoped_path, to_snake_case, uniquify
from nnet.utils.registry import Registry


class Metric:
    """Base class of stateful metrics: `update_state` accumulates, `result` reads the value.

    Subclasses create their state in `__init__` with `add_variable` and update it in place in
    `update_state`, as in Keras.

    Args:
        dtype: dtype of the computations (`floatx()` by default).
        name: the metric's name; defaults to the snake_case class name made unique.

    Example:
        >>> class Count(Metric):
        ...     def __init__(self, name="count"):
        ...         super().__init__(name=name)
        ...         self.n = self.add_variable(shape=(), name="n")
        ...     def update_state(self, values):
        ...         self.n.assign(self.n.numpy() + np.size(values))
        ...     def result(self):
        ...         return float(self.n.numpy())
        >>> m = Count(); m([1, 2, 3])
        3.0
    """

    # How a layer knows a Metric set as its attribute (layers sit below the metrics).
    _is_metric = True

    def __init__(self, dtype=None, name=None):
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self._dtype = np.dtype(dtype or floatx()).name
        self._variables = []

    @property
    def dtype(self):
        """The dtype name of the metric's computations, e.g. ``"float32"``."""
        return self._dtype

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """Create a non-trainable state Variable that `reset_state` sets back to zeros.

        Args:
            shape: the variable's shape.
            initializer: ``"zeros"``, ``"ones"`` or a callable ``(shape, dtype) -> array``.
            dtype: its dtype, the metric's by default.
            aggregation: how replicas combine it (kept for Keras compatibility).
            name: its name.
        """
        dtype = dtype or self.dtype
        if callable(initializer):
            value = initializer(shape, dtype=dtype)
        elif initializer in ("zeros", "ones"):
            value = (np.zeros if initializer == "zeros" else np.ones)(shape, dtype=dtype)
        else:
            raise ValueError(
                "Expected 'zeros', 'ones' or a callable for initializer. "
                f"Received: initializer={initializer!r}"
            )
        variable = Variable(value, trainable=False, name=name or "variable", dtype=dtype)
        self._track_variable(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Alias of `add_variable`, as in Keras."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    def _add_state(self, shape=(), name="variable"):
        """A float64 state array of zeros, listed in `variables` as a Variable named `name`
        that holds this very array: updates write into it in place."""
        variable = Variable(np.zeros(shape), trainable=False, name=name, dtype="float64")
        self._track_variable(variable)
        return variable.data

    def _track_variable(self, variable):
        # Keras's path: the metric's name at creation (with "/" as ">") over the variable's.
        variable.path = scoped_path(self.name.replace("/", ">"), self, variable.name)
        self._variables.append(variable)

    @property
    def variables(self):
        """The state Variables, named as in Keras (``true_positives``, ``total``, ...)."""
        return list(self._variables)

    def reset_state(self):
        """Set every state array back to zeros."""
        for v in self._variables:
            v.data[...] = 0

    def update_state(self, *args, **kwargs):
        """Accumulate statistics from one batch."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """The metric's value from the state accumulated so far."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """The constructor arguments, as a JSON-friendly dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Rebuild a metric from `get_config()`."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


# Every built-in metric class registers itself here with ``@METRICS.register``.
METRICS = Registry("metric", base=Metric, module="keras.metrics")
METRICS.register(Metric)
