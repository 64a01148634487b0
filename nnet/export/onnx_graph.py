"""The ONNX graph under construction, and the table of layer emitters.

An emitter turns one call of a layer (a node of the model's graph) into ONNX nodes:
``emit(graph, layer, inputs, node) -> output name(s)``, where `inputs` are the ONNX names of the
node's input tensors, in order, and `node` gives their symbolic shapes (``node.input_tensors``,
``node.outputs``). Emitters register for their layer class with `emits`; `emitter_for` finds the
one for a layer or raises an error naming it.
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from nnet import activations
from nnet.backend import to_numpy
from nnet.layers.layer import Layer
from nnet.models.model import Model

EMITTERS = {}
ACTIVATION_EMITTERS = {}


def emits(*classes):
    """Register the decorated function as the ONNX emitter of the layer `classes`."""
    def register(function):
        for cls in classes:
            EMITTERS[cls] = function
        return function
    return register


def emits_activation(*functions):
    """Register the decorated ``emit(graph, x) -> name`` for the activation `functions`."""
    def register(function):
        for activation in functions:
            ACTIVATION_EMITTERS[activation] = function
        return function
    return register


def emitter_for(layer):
    """The emitter of `layer`'s class, or of the nearest registered base class whose
    computation the layer's class leaves alone."""
    for cls in type(layer).__mro__:
        if cls in EMITTERS:
            if cls is type(layer) or _computes_as(type(layer), cls):
                return EMITTERS[cls]
            break
    raise ValueError(
        f"Layer '{layer.name}' of class {type(layer).__name__} cannot be exported to ONNX: nnet "
        f"has no ONNX exporter for it. Exportable layer classes: "
        f"{sorted({cls.__name__ for cls in EMITTERS})}."
    )


# Methods a subclass may redefine without changing what a layer computes.
_NEUTRAL = {"__init__", "get_config", "from_config"}


def _computes_as(subclass, base):
    """Whether `subclass` keeps every method that `base` and its own bases define (the
    generic Layer, Model and training classes aside): those are what `base`'s emitter assumes."""
    generic = set(Layer.__mro__) | set(Model.__mro__)
    names = {name for cls in base.__mro__ if cls not in generic
             for name, value in vars(cls).items()
             if callable(value) or isinstance(value, (property, staticmethod, classmethod))}
    return all(getattr(subclass, name, None) is getattr(base, name, None)
               for name in names - _NEUTRAL)


class Graph:
    """Collects the nodes and weights of one ONNX graph, with names unique within it."""

    def __init__(self, opset_version):
        self.opset_version = opset_version
        self.nodes, self.initializers, self._used = [], [], set()

    def name(self, hint):
        """A fresh value name built from `hint`."""
        base = "".join(c if c.isalnum() or c in "_./" else "_" for c in str(hint)) or "value"
        name, i = base, 0
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name

    def constant(self, value, hint, dtype=np.float32):
        """A weight or constant held in the graph (`value`: an array, a Tensor or Variable, a
        number)."""
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else to_numpy(value),
                           dtype=dtype)
        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def ints(self, values, hint="shape"):
        """An int64 constant (shapes, axes, pads)."""
        return self.constant(np.asarray(values, dtype=np.int64), hint, dtype=np.int64)

    def op(self, op_type, inputs, hint=None, outputs=1, **attributes):
        """Append an `op_type` node; returns its output name (a list of them when outputs > 1)."""
        names = [self.name(f"{hint or op_type}_{i}" if outputs > 1 else hint or op_type)
                 for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=self.name(
            f"{hint or op_type}/{op_type}"), **{k: v for k, v in attributes.items()
                                               if v is not None}))
        return names[0] if outputs == 1 else names

    def activation(self, activation, x, hint):
        """Apply a layer's `activation` argument (a built-in activation) to `x`."""
        if activation is None or activation is activations.linear:
            return x
        emit = ACTIVATION_EMITTERS.get(activation)
        if emit is None:
            raise ValueError(
                f"Layer '{hint}' uses activation={activation!r}, which nnet cannot export to "
                f"ONNX. Exportable activations: "
                f"{sorted(f.__name__ for f in ACTIVATION_EMITTERS)}."
            )
        return emit(self, x, hint)

    def value_info(self, name, shape, dtype):
        """A graph input or output with `shape` (None dimensions become named dynamic ones)."""
        dims = ["batch" if i == 0 and d is None else (f"{name}_dim{i}" if d is None else int(d))
                for i, d in enumerate(shape)]
        return helper.make_tensor_value_info(name, _ELEMENT_TYPES[np.dtype(dtype)], dims)


_ELEMENT_TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE,
                  np.dtype(np.int32): TensorProto.INT32, np.dtype(np.int64): TensorProto.INT64,
                  np.dtype(np.bool_): TensorProto.BOOL}


def with_lora(layer, weight, a="lora_kernel_a", b="lora_kernel_b"):
    """`weight` as an array, plus `layer`'s scaled LoRA update (``a @ b``) when enabled."""
    array = weight.numpy()
    if layer.lora_enabled:
        update = getattr(layer, a).numpy() @ getattr(layer, b).numpy()
        array = array + (layer.lora_alpha / layer.lora_rank) * update
    return array


def channels_first(graph, x, rank, hint):
    """`x` of rank `rank` moved from channels-last to channels-first (what ONNX ops read)."""
    return graph.op("Transpose", [x], f"{hint}/to_channels_first",
                    perm=[0, rank - 1, *range(1, rank - 1)])


def channels_last(graph, x, rank, hint):
    """`x` of rank `rank` moved back from channels-first to channels-last."""
    return graph.op("Transpose", [x], f"{hint}/to_channels_last",
                    perm=[0, *range(2, rank), 1])
