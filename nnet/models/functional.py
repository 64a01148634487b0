"""Functional models: `Functional`, the model that replays a graph of layers and ops recorded on
symbolic tensors (`nnet.autodiff.symbolic`) on real data: ``nnet.Model(inputs, outputs)``."""


from nnet import ops, tree
from nnet.autodiff.symbolic import KerasTensor, SymbolicOp, producer
from nnet.autodiff.tensor import Tensor
from nnet.layers import deserialize
from nnet.layers.layer import Layer
from nnet.models.model import FUNCTIONAL_MODELS, Model
from nnet.ops.keras_classes import from_keras, is_keras_op, to_keras
from nnet.utils.registry import deserialize_keras_object, serialize_keras_object

# The tagged values of Keras's serialization that may stand in call arguments.
_TAGGED = frozenset({"__slice__", "__ellipsis__", "__numpy__", "__tensor__", "__bytes__"})


def _encode(value, history):
    """A call argument in Keras's JSON form: tensors by their place in the graph, slices, ``...``
    and arrays tagged as Keras tags them (tuples become JSON lists, as in Keras)."""
    if isinstance(value, KerasTensor):
        return {"class_name": "__keras_tensor__", "config": {
            "shape": list(value.shape), "dtype": value.dtype, "keras_history": history(value)}}
    if isinstance(value, (list, tuple)):
        encoded = [_encode(v, history) for v in value]
        return tuple(encoded) if isinstance(value, tuple) else encoded
    if isinstance(value, dict):
        return {k: _encode(v, history) for k, v in value.items()}
    return serialize_keras_object(value)


def _decode(value, tensor):
    """Undo `_encode` (and nnet's earlier tags: ``__tuple__``, ``{"__slice__": [...]}``);
    ``tensor(history)`` gives the tensor a ``__keras_tensor__`` names."""
    if isinstance(value, (list, tuple)):
        decoded = [_decode(v, tensor) for v in value]
        return tuple(decoded) if isinstance(value, tuple) else decoded
    if not isinstance(value, dict):
        return value
    class_name = value.get("class_name")
    if class_name == "__keras_tensor__":
        return tensor(tuple(value["config"]["keras_history"]))
    if class_name in _TAGGED and "config" in value:
        return deserialize_keras_object(value)
    if "__tuple__" in value:
        return tuple(_decode(v, tensor) for v in value["__tuple__"])
    if "__slice__" in value:
        return slice(*value["__slice__"])
    if "__ellipsis__" in value:
        return Ellipsis
    return {k: _decode(v, tensor) for k, v in value.items()}


def _map_graph(inputs, outputs):
    """The graph between `inputs` and `outputs`, as Keras orders it.

    Returns ``(nodes, operations)``: the nodes with producers before consumers, and the
    operations sorted by depth from the outputs (deepest first), ties broken by depth-first
    discovery order from the outputs, in order. This order decides `layers`, `weights` and saved
    weight paths.
    """
    input_ids = {id(t) for t in tree.flatten(inputs)}
    nodes, finished, discovery = [], set(), {}
    for output in tree.flatten(outputs):
        stack = [(output, None)]
        while stack:
            tensor, pending = stack[-1]
            node = producer(tensor)
            if pending is None:
                if id(node) in finished or (id(tensor) in input_ids and node.input_tensors):
                    stack.pop()
                    continue
                if not node.input_tensors and id(tensor) not in input_ids:
                    raise ValueError(
                        f"Graph disconnected: the outputs depend on the input "
                        f"'{node.operation.name}', which is not among the model's inputs "
                        f"{[t.name for t in tree.flatten(inputs)]}. Pass it in `inputs=` as well."
                    )
                discovery.setdefault(node.operation, len(discovery))
                pending = iter(node.input_tensors)
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
    node_depth, op_depth = {}, {}
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), op_depth.get(node.operation, 0))
        op_depth[node.operation] = node_depth[id(node)] = depth
        for tensor in node.input_tensors:
            parent = id(producer(tensor))
            if parent in in_graph:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for tensor in tree.flatten(inputs):
        # Inputs that no output uses still belong to the model.
        op_depth.setdefault(tensor._history[0], 0)
        discovery.setdefault(tensor._history[0], -1)
    operations = sorted(op_depth, key=lambda op: (-op_depth[op], discovery[op]))
    return nodes, operations


@FUNCTIONAL_MODELS.register
class Functional(Model):
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
            for tensor in tree.flatten(structure):
                if not isinstance(tensor, KerasTensor):
                    raise ValueError(
                        f"All {argument} of a functional model must be symbolic tensors made "
                        f"from nnet.Input() and layer calls. Received: {tensor!r}"
                    )
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = tree.flatten(inputs)
        self.outputs = tree.flatten(outputs)
        self._nodes, self._operations = _map_graph(inputs, outputs)
        # As in Keras, ops applied to symbolic tensors are operations of the graph, not layers.
        self._layers = [op for op in self._operations if isinstance(op, Layer)]
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
            # As in Keras, the keys of a dict of inputs win over the names of the input layers.
            keys = list(self._inputs_struct) if isinstance(self._inputs_struct, dict) \
                else self.input_names
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise ValueError(
                    f"Missing data for input(s) {missing} of model '{self.name}'. Expected a dict "
                    f"with keys {keys}; received keys {sorted(inputs)}."
                )
            return [inputs[k] for k in keys]
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
            if value is None and layer.optional:
                converted.append(None)
                continue
            value = _adjust_rank(tensor, layer._convert_inputs(value))
            _check_input_shape(layer, tensor.shape, value.shape)
            converted.append(value)
        return converted

    def call(self, inputs, training=None):
        # A nested model receives its input as the outer graph passes it: one tensor or several.
        values = [_adjust_rank(t, v) for t, v in zip(self.inputs, self._standardize_inputs(inputs))]

        def call_fn(operation, *args, **kwargs):
            return operation(*args, **{**kwargs, "training": training})

        return self._run_through_graph(values, call_fn=call_fn)

    def _run_through_graph(self, inputs, operation_fn=None, call_fn=None):
        """Replay the graph on `inputs` (one value per model input, in order).

        Each node calls ``operation_fn(node.operation)`` (the operation itself by default) on
        the values of its arguments, through ``call_fn(operation, *args, **kwargs)`` when given.
        Returns the values of the outputs, in the structure of `outputs`. Symbolic inputs give a
        new graph: `clone_model` runs on this.
        """
        values = {id(t): v for t, v in zip(self.inputs, inputs)}

        def value_of(t):
            return values[id(t)] if isinstance(t, KerasTensor) else t

        for node in self._nodes:
            if not node.input_tensors:  # an input's own node: its value is given
                continue
            args, kwargs = tree.map_structure(value_of, (node.call_args, node.call_kwargs))
            operation = node.operation if operation_fn is None else operation_fn(node.operation)
            result = operation(*args, **kwargs) if call_fn is None \
                else call_fn(operation, *args, **kwargs)
            for tensor, value in zip(tree.flatten(node.outputs), tree.flatten(result)):
                values[id(tensor)] = value
        return tree.map_structure(lambda t: values[id(t)], self._outputs_struct)

    def compute_output_shape(self, input_shape):
        return tree.map_structure(lambda t: t.shape, self._outputs_struct)

    def _node_indices(self):
        """Each recorded node's index among its layer's nodes that belong to this model."""
        own = {id(node) for node in self._nodes}
        own.update(id(producer(t)) for t in self.inputs)
        indices = {}
        for operation in self._operations:
            kept = [node for node in operation._inbound_nodes if id(node) in own]
            indices.update({id(node): i for i, node in enumerate(kept)})
        return indices

    def get_build_config(self):
        """``{"input_shape": None}``, as Keras writes it: the graph already fixes the shapes."""
        return {"input_shape": None}

    def get_config(self):
        """Keras's functional config: every operation with its inbound nodes, then the ends."""
        indices = self._node_indices()

        def history(tensor):
            layer, node_index, tensor_index = tensor._history
            node = layer._inbound_nodes[node_index]
            return [layer.name, indices[id(node)], tensor_index]

        layers = []
        for operation in self._operations:
            nodes = [n for n in operation._inbound_nodes if id(n) in indices and n.input_tensors]
            calls = [(list(node.call_args), node.call_kwargs) for node in nodes]
            # An nnet.ops function saves as Keras's op class where Keras has one, so that Keras
            # loads the file too; otherwise (and for layers) as the object's own config.
            keras_form = to_keras(operation, calls) if isinstance(operation, SymbolicOp) \
                else None
            if keras_form is not None:
                config, call_args = keras_form
                calls = [(args, {}) for args in call_args]
            else:
                config = serialize_keras_object(operation)
            config["name"] = operation.name
            config["inbound_nodes"] = [
                {"args": _encode(args, history), "kwargs": _encode(kwargs, history)}
                for args, kwargs in calls
            ]
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
        layers, created, prepare = {}, {}, {}
        for layer_config in config["layers"]:
            if is_keras_op(layer_config):
                layer, prepare[layer_config["name"]] = from_keras(layer_config)
            else:
                layer = deserialize(layer_config, custom_objects)
            layers[layer_config["name"]] = layer
            if not layer_config.get("inbound_nodes"):
                created[(layer.name, 0, 0)] = layer.output

        def tensor(key):
            if key not in created:
                raise _NotReady
            return created[key]

        # Nodes are replayed as soon as their inputs exist; Keras orders them the same way.
        pending = [(config_["name"], i, node) for config_ in config["layers"]
                   for i, node in enumerate(config_.get("inbound_nodes", []))]
        while pending:
            remaining = []
            for name, index, node in pending:
                try:
                    args = _decode(list(node["args"]), tensor)
                    kwargs = _decode(node.get("kwargs", {}), tensor)
                except _NotReady:
                    remaining.append((name, index, node))
                    continue
                if name in prepare:
                    args, kwargs = prepare[name](args, kwargs)
                outputs = layers[name](*args, **kwargs)
                for i, output in enumerate(tree.flatten(outputs)):
                    created[(name, index, i)] = output
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


def _adjust_rank(tensor, value):
    """`value` for the input `tensor`, with a trailing 1 dropped or added where the ranks differ
    by it, as Keras does: data of shape (2, 3, 1) feeds Input(shape=(3,))."""
    if value is None or type(value) is not Tensor:
        return value
    rank, expected = value.data.ndim, len(tensor.shape)
    if rank == expected + 1 and value.data.shape[-1] == 1:
        return ops.squeeze(value, axis=-1)
    if rank == expected - 1 and tensor.shape[-1] == 1:
        return ops.expand_dims(value, axis=-1)
    return value


def _check_input_shape(layer, expected, received):
    if len(expected) != len(received) or any(
        e is not None and e != r for e, r in zip(expected[1:], received[1:])
    ):
        raise ValueError(
            f"Input '{layer.name}' expects data of shape {expected}, but received shape "
            f"{tuple(received)}. Reshape the data to {expected} (None is the batch dimension)."
        )


Model._functional = Functional
