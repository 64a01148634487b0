"""InputLayer and `Input`: the entry point of a model, declaring the shape and dtype of its data."""

import warnings

from nnet.autodiff.symbolic import KerasTensor, Node
from nnet.backend import standardize_dtype
from nnet.layers.layer import LAYERS, Layer
from nnet.naming import uniquify


@LAYERS.register
class InputLayer(Layer):
    """The layer behind `Input`: it holds the batch shape and passes data through unchanged.

    Args:
        shape: the shape of one sample, without the batch dimension.
        batch_size: optional fixed batch size.
        dtype: the dtype of the data (`floatx()` by default).
        sparse, ragged: must be False or None: nnet has dense tensors only (Keras's torch
            backend refuses them too).
        batch_shape: the full shape including the batch dimension (instead of `shape`).
        input_tensor: an existing KerasTensor to use as the layer's output.
        optional: whether the model may be fed None for this input.
        name: the layer name (``input_layer``, ``input_layer_1``, ... by default).
        input_shape: the deprecated spelling of `shape` (warns).

    Example:
        >>> import nnet
        >>> nnet.layers.InputLayer(shape=(3,)).output.shape
        (None, 3)
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        # Keras 2 configs spell the full shape `batch_input_shape`.
        batch_shape = kwargs.pop("batch_input_shape", batch_shape)
        if "input_shape" in kwargs:
            warnings.warn("Argument `input_shape` is deprecated. Use `shape` instead.",
                          stacklevel=2)
            shape = kwargs.pop("input_shape")
        for argument, value in (("sparse", sparse), ("ragged", ragged)):
            if value:
                raise ValueError(
                    f"`{argument}=True` is not supported: nnet has dense tensors only, as "
                    f"Keras's torch backend. Pass dense data and {argument}=False (or None). "
                    f"Received: {argument}={value!r}"
                )
        if input_tensor is not None:
            _check_input_tensor(input_tensor, shape, batch_size, batch_shape, dtype)
            batch_shape, dtype, shape = input_tensor.shape, input_tensor.dtype, None
        super().__init__(name=name or uniquify("input_layer"), dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same time. "
                f"Received: shape={shape}, batch_shape={batch_shape}"
            )
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "You must pass a `shape` argument to Input, e.g. nnet.Input(shape=(20,)). "
                    "Received: shape=None"
                )
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(batch_shape)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.optional = optional
        self.built = True
        if input_tensor is not None:
            # As in Keras, the layer takes over the tensor: it becomes this input's output.
            input_tensor._history = (self, 0, 0)
        output = input_tensor or KerasTensor(self.batch_shape, self.dtype, self.name, (self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, output))

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {
            "batch_shape": list(self.batch_shape),
            "dtype": self.dtype,
            "sparse": self.sparse,
            "ragged": self.ragged,
            "name": self.name,
            "optional": self.optional,
        }


def _check_input_tensor(tensor, shape, batch_size, batch_shape, dtype):
    """Refuse an `input_tensor` that the other arguments of InputLayer contradict."""
    if not isinstance(tensor, KerasTensor):
        raise ValueError(
            "Argument `input_tensor` must be a KerasTensor, as nnet.Input() returns. "
            f"Received invalid type: input_tensor={tensor!r} (of type {type(tensor).__name__})"
        )
    given = tuple(tensor.shape)
    clashes = [
        (batch_size is not None and (not given or given[0] != batch_size), "batch_size",
         batch_size),
        (shape is not None and tuple((shape,) if isinstance(shape, int) else shape) != given[1:],
         "shape", shape),
        (batch_shape is not None and tuple(batch_shape) != given, "batch_shape", batch_shape),
        (dtype is not None and standardize_dtype(dtype) != tensor.dtype, "dtype", dtype),
    ]
    for clash, argument, value in clashes:
        if clash:
            raise ValueError(
                f"When providing the `input_tensor` argument, you cannot provide an incompatible "
                f"`{argument}` argument. Received: {argument}={value!r}, input_tensor={tensor!r}"
            )


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic tensor that starts a model: ``nnet.Input(shape=(20,))``.

    Args:
        shape: the shape of one sample (no batch dimension), e.g. ``(20,)``.
        batch_size: optional fixed batch size.
        dtype: the data dtype (`floatx()` by default).
        sparse, ragged: must be False or None: nnet has dense tensors only.
        batch_shape: the full shape including the batch dimension, instead of `shape`.
        name: the input's name (used to feed dicts of inputs).
        tensor: an existing KerasTensor to wrap.
        optional: whether the model may be fed None for this input.

    Example:
        >>> import nnet
        >>> x = nnet.Input(shape=(20,))
        >>> x.shape
        (None, 20)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional)
    return layer.output
