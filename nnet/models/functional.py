"""Functional models: symbolic tensors (what `nnet.Input` returns), the nodes that calling a
layer on them records, and `Functional`, the model that replays that graph on real data."""

import importlib

import numpy as np

from nnet.autodiff.engine import set_symbolic_call
from nnet.autodiff.tensor import SymbolicTensor
from nnet.layers.layer import Layer
from nnet.utils.naming import uniquify


class KerasTensor(SymbolicTensor):
    """A placeholder with a shape and dtype, produced by `Input` or by a layer called on one.

    Operators and `nnet.ops` work on it as on data (``x + y``, ``x[:, 0]``,
    ``nnet.ops.concatenate([x, y])``): each records an `OpLayer` in the graph.

    Attributes:
        shape: a tuple with None for unknown dimensions (the batch).
        dtype: the dtype name.
        name: the producing layer's name.
    """

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype).name
        self.name = name
        # (layer, node_index, tensor_index): where in the graph this tensor comes from.
        self._history = history

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class OpLayer(Layer):
    """An `nnet.ops` function applied to symbolic tensors inside a functional model.

    Args:
        op: the function as ``"<module>:<name>"``, a module of `nnet.ops`.
        arguments: its positional arguments, with ``{"__input__": k}`` standing for the k-th
            symbolic input of the layer and any other value passed as it is.
        keywords: its keyword arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = nnet.Input((3,))
        >>> model = nnet.Model(x, x * 2.0 + 1.0)
        >>> model.predict(np.ones((1, 3)), verbose=0)
        array([[3., 3., 3.]], dtype=float32)
    """

    def __init__(self, op, arguments, keywords=None, name=None, **kwargs):
        module, _, function = op.partition(":")
        if not module.startswith("nnet.ops."):
            raise ValueError(
                f"OpLayer runs functions of nnet.ops only. Received: op={op!r}"
            )
        super().__init__(name=name or uniquify(function.strip("_")), **kwargs)
        self.op = op
        self.function = getattr(importlib.import_module(module), function)
        self.arguments = list(arguments)
        self.keywords = dict(keywords or {})
        # Ops keep their inputs' dtypes (indices stay integers).
        self.autocast = False

    def call(self, inputs):
        inputs = inputs if isinstance(inputs, list) else [inputs]
        args = [inputs[a["__input__"]] if isinstance(a, dict) and "__input__" in a else a
                for a in self.arguments]
        return self.function(*args, **self.keywords)

    def get_config(self):
        config = super().get_config()
        config.update({"op": self.op, "arguments": _to_json(self.arguments),
                       "keywords": _to_json(self.keywords)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["arguments"] = _from_json(config["arguments"])
        config["keywords"] = _from_json(config.get("keywords", {}))
        return super().from_config(config)


def _to_json(value):
    """Op arguments as JSON: tuples, slices and ``...`` are tagged so that indexing survives."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, slice):
        return {"__slice__": [_to_json(value.start), _to_json(value.stop), _to_json(value.step)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if "__slice__" in value:
            return slice(*value["__slice__"])
        if "__ellipsis__" in value:
            return Ellipsis
        if "__tuple__" in value:
            return tuple(_from_json(v) for v in value["__tuple__"])
        return {k: _from_json(v) for k, v in value.items()}
    return value


def call_op_symbolic(op, args, kwargs):
    """Record the primitive `op` called on symbolic tensors as an `OpLayer` node."""
    inputs, arguments = [], []
    for a in args:
        if isinstance(a, KerasTensor):
            arguments.append({"__input__": len(inputs)})
            inputs.append(a)
        else:
            arguments.append(a)
    layer = OpLayer(f"{op.__module__}:{op.__name__}", arguments, kwargs)
    return layer(inputs if len(inputs) > 1 else inputs[0])


set_symbolic_call(call_op_symbolic)


def _model_base():
    from nnet.models.model import Model

    return Model


def is_symbolic(x):
    """Whether `x` is a KerasTensor, or a list/tuple/dict holding one."""
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(is_symbolic(v) for v in x)
    if isinstance(x, dict):
        return any(is_symbolic(v) for v in x.values())
    return False


def _shapes(x):
    if isinstance(x, (list, tuple)):
        return [_shapes(v) for v in x]
    if isinstance(x, dict):
        return {k: _shapes(v) for k, v in x.items()}
    return x.shape


class Node:
    """One call of a layer on symbolic inputs: the graph edge from `inputs` to `outputs`."""

    def __init__(self, layer, inputs, outputs, args, kwargs):
        self.layer = layer
        self.inputs = inputs
        self.outputs = outputs
        self.args = args
        self.kwargs = kwargs


def call_symbolic(layer, inputs, *args, training=None, **kwargs):
    """Record `layer(inputs)` on KerasTensors: build the layer and infer the output shape."""
    if training is not None:
        kwargs["training"] = training
    shapes = _shapes(inputs)
    layer._maybe_build(shapes)
    if layer.input_spec is not None and not isinstance(shapes, (list, dict)):
        layer.input_spec.check(layer, shapes)
    out_shape = layer.compute_output_shape(shapes)
    nodes = layer.__dict__.setdefault("_inbound_nodes", [])
    index = len(nodes)
    if isinstance(out_shape, list):
        outputs = [KerasTensor(s, layer.dtype, layer.name, (layer, index, i))
                   for i, s in enumerate(out_shape)]
    else:
        outputs = KerasTensor(out_shape, layer.dtype, layer.name, (layer, index, 0))
    nodes.append(Node(layer, inputs, outputs, args, kwargs))
    return outputs


def _flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [t for s in structure for t in _flatten(s)]
    if isinstance(structure, dict):
        return [t for s in structure.values() for t in _flatten(s)]
    return [structure]


def _map_structure(fn, structure):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: _map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def _producer(tensor):
    layer, node_index, _ = tensor._history
    return layer._inbound_nodes[node_index]


def _map_graph(inputs, outputs):
    """The graph between `inputs` and `outputs`, as Keras orders it.

    Returns ``(nodes, layers)``: the nodes with producers before consumers, and the layers sorted
    by depth from the outputs (deepest first), ties broken by depth-first discovery order from
    the outputs, in order. Layer order decides `layers`, `weights` and saved weight paths.
    """
    input_ids = {id(t) for t in _flatten(inputs)}
    nodes, finished, discovery = [], set(), {}
    for output in _flatten(outputs):
        stack = [(output, None)]
        while stack:
            tensor, pending = stack[-1]
            node = _producer(tensor)
            if pending is None:
                if id(node) in finished or (id(tensor) in input_ids and node.inputs):
                    stack.pop()
                    continue
                if not node.inputs and id(tensor) not in input_ids:
                    raise ValueError(
                        f"Graph disconnected: the outputs depend on the input '{node.layer.name}'"
                        f", which is not among the model's inputs "
                        f"{[t.name for t in _flatten(inputs)]}. Pass it in `inputs=` as well."
                    )
                discovery.setdefault(node.layer, len(discovery))
                pending = iter([t for t in _flatten(node.inputs) if isinstance(t, KerasTensor)])
                stack[-1] = (tensor, pending)
            child = next(pending, None)
            if child is not None:
                stack.append((child, None))
                continue
            stack.pop()
            if id(node) not in finished:
                finished.add(id(node))
                nodes.append(node)
    in_graph = {id(node) for node in nodes}
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = node_depth[id(node)] = depth
        for tensor in _flatten(node.inputs):
            if isinstance(tensor, KerasTensor) and id(_producer(tensor)) in in_graph:
                parent = id(_producer(tensor))
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for tensor in _flatten(inputs):
        # Inputs that no output uses still belong to the model.
        layer_depth.setdefault(tensor._history[0], 0)
        discovery.setdefault(tensor._history[0], -1)
    layers = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], discovery[layer]))
    return nodes, layers


class Functional(_model_base()):
    """A model made of the graph of layers from `inputs` to `outputs`: ``nnet.Model(x, y)``.

    Args:
        inputs: a tensor from `nnet.Input`, or a list or dict of them.
        outputs: the tensor(s) computed from the inputs by calling layers: a tensor, list or dict.
        name: the model name (``functional``, ``functional_1``, ... by default).

    Example:
        >>> import numpy as np, nnet
        >>> x = nnet.Input(shape=(4,))
        >>> h = nnet.layers.Dense(8, activation="relu")(x)
        >>> model = nnet.Model(inputs=x, outputs=nnet.layers.Dense(2)(h))
        >>> model.predict(np.ones((3, 4)), verbose=0).shape
        (3, 2)
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        for argument, structure in (("inputs", inputs), ("outputs", outputs)):
            for tensor in _flatten(structure):
                if not isinstance(tensor, KerasTensor):
                    raise ValueError(
                        f"All {argument} of a functional model must be symbolic tensors made "
                        f"from nnet.Input() and layer calls. Received: {tensor!r}"
                    )
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = _flatten(inputs)
        self.outputs = _flatten(outputs)
        self._nodes, layers = _map_graph(inputs, outputs)
        self._layers = layers
        self.built = True
        self._build_shape = [t.shape for t in self.inputs] if len(self.inputs) > 1 \
            else self.inputs[0].shape

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_names(self):
        return [t._history[0].name for t in self.inputs]

    @property
    def output_names(self):
        return [t._history[0].name for t in self.outputs]

    def _standardize_inputs(self, inputs):
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Missing data for input(s) {missing} of model '{self.name}'. Expected a dict "
                    f"with keys {self.input_names}; received keys {sorted(inputs)}."
                )
            return [inputs[n] for n in self.input_names]
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(
                f"Model '{self.name}' expects {len(self.inputs)} input(s) {self.input_names}, but "
                f"received {len(flat)}. Pass a list in that order, or a dict keyed by input name."
            )
        return flat

    def _maybe_build(self, input_shape):
        self.built = True

    def _convert_inputs(self, inputs):
        flat = self._standardize_inputs(inputs)
        converted = []
        for tensor, value in zip(self.inputs, flat):
            layer = tensor._history[0]
            value = layer._convert_inputs(value)
            _check_input_shape(layer, tensor.shape, value.shape)
            converted.append(value)
        return converted

    def call(self, inputs, training=None):
        values = {id(t): v for t, v in zip(self.inputs, inputs)}
        for node in self._nodes:
            args = _map_structure(
                lambda t: values[id(t)] if isinstance(t, KerasTensor) else t, node.inputs
            )
            kwargs = dict(node.kwargs)
            kwargs["training"] = training
            result = node.layer(args, *node.args, **kwargs)
            for tensor, value in zip(_flatten(node.outputs), _flatten(result)):
                values[id(tensor)] = value
        return _map_structure(lambda t: values[id(t)], self._outputs_struct)

    def compute_output_shape(self, input_shape):
        return _map_structure(lambda t: t.shape, self._outputs_struct)

    def _node_indices(self):
        """Each recorded node's index among its layer's nodes that belong to this model."""
        own = {id(node) for node in self._nodes}
        own.update(id(_producer(t)) for t in self.inputs)
        indices = {}
        for layer in self._layers:
            kept = [node for node in layer._inbound_nodes if id(node) in own]
            indices.update({id(node): i for i, node in enumerate(kept)})
        return indices

    def get_config(self):
        """Keras's functional config: every layer with its inbound nodes, then the graph ends."""
        from nnet.utils.registry import serialize_object

        indices = self._node_indices()

        def history(tensor):
            layer, node_index, tensor_index = tensor._history
            node = layer._inbound_nodes[node_index]
            return [layer.name, indices[id(node)], tensor_index]

        def encode(value):
            if isinstance(value, KerasTensor):
                return {"class_name": "__keras_tensor__", "config": {
                    "shape": list(value.shape), "dtype": value.dtype,
                    "keras_history": history(value)}}
            if isinstance(value, (list, tuple)):
                return [encode(v) for v in value]
            if isinstance(value, dict):
                return {k: encode(v) for k, v in value.items()}
            return value

        layers = []
        for layer in self._layers:
            config = serialize_object(layer, "keras.layers")
            config["name"] = layer.name
            nodes = [n for n in layer._inbound_nodes if id(n) in indices and n.inputs]
            config["inbound_nodes"] = [
                {"args": [encode(node.inputs), *encode(list(node.args))],
                 "kwargs": encode(node.kwargs)} for node in nodes
            ]
            if layer._build_shape is not None and nodes:
                config["build_config"] = {"input_shape": _listify(layer._build_shape)}
            layers.append(config)

        def ends(structure):
            if isinstance(structure, dict):
                return {k: history(v) for k, v in structure.items()}
            if isinstance(structure, (list, tuple)):
                return [history(t) for t in structure]
            return history(structure)

        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": ends(self._inputs_struct),
                "output_layers": ends(self._outputs_struct)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the graph described by `get_config` (new layers, same connections)."""
        from nnet.layers import deserialize

        layers, created = {}, {}
        for layer_config in config["layers"]:
            layer = deserialize(layer_config, custom_objects)
            layers[layer_config["name"]] = layer
            if not layer_config.get("inbound_nodes"):
                created[(layer.name, 0, 0)] = layer.output

        def decode(value):
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                key = tuple(value["config"]["keras_history"])
                if key not in created:
                    raise _NotReady
                return created[key]
            if isinstance(value, list):
                return [decode(v) for v in value]
            if isinstance(value, dict):
                return {k: decode(v) for k, v in value.items()}
            return value

        # Nodes are replayed as soon as their inputs exist; Keras orders them the same way.
        pending = [(config_["name"], i, node) for config_ in config["layers"]
                   for i, node in enumerate(config_.get("inbound_nodes", []))]
        while pending:
            remaining = []
            for name, index, node in pending:
                try:
                    args = [decode(a) for a in node["args"]]
                    kwargs = decode(node.get("kwargs", {}))
                except _NotReady:
                    remaining.append((name, index, node))
                    continue
                outputs = layers[name](*args, **kwargs)
                for i, tensor in enumerate(_flatten(outputs)):
                    created[(name, index, i)] = tensor
            if len(remaining) == len(pending):
                raise ValueError(
                    "The functional config is inconsistent: these layers' inputs are never "
                    f"produced: {sorted({name for name, _, _ in remaining})}."
                )
            pending = remaining

        def ends(structure):
            if isinstance(structure, dict):
                return {k: ends(v) for k, v in structure.items()}
            if structure and isinstance(structure[0], list):
                return [ends(v) for v in structure]
            return created[tuple(structure)]

        return cls(ends(config["input_layers"]), ends(config["output_layers"]),
                   name=config.get("name"), trainable=config.get("trainable", True))


class _NotReady(Exception):
    """A node's input tensor has not been created yet."""


def _listify(shape):
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [_listify(s) for s in shape]
    return list(shape)


def _check_input_shape(layer, expected, received):
    if len(expected) != len(received) or any(
        e is not None and e != r for e, r in zip(expected[1:], received[1:])
    ):
        raise ValueError(
            f"Input '{layer.name}' expects data of shape {expected}, but received shape "
            f"{tuple(received)}. Reshape the data to {expected} (None is the batch dimension)."
        )
