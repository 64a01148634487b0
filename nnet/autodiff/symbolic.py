"""The symbolic graph that functional models record: `KerasTensor`, `Node`, `Operation`.

`nnet.Input` returns a KerasTensor: a shape and dtype standing for data not given yet. Calling a
layer, or an `nnet.ops` function (directly or through an operator such as ``x + 1``), on
KerasTensors records a `Node`: which operation ran, on which arguments, giving which outputs.
`nnet.Model(inputs, outputs)` walks those nodes and replays them on real data.
"""

import functools

import numpy as np

from nnet import tree
from nnet.autodiff.engine import no_grad, set_symbolic_call
from nnet.autodiff.tensor import SymbolicTensor, Tensor
from nnet.backend import floatx, standardize_dtype
from nnet.naming import uniquify

# The dtype of a Python number as a tensor, as Keras converts one.
_NUMBER_DTYPES = {bool: lambda: "bool", int: lambda: "int32", float: floatx}


class KerasTensor(SymbolicTensor):
    """A placeholder with a shape and dtype, produced by `Input` or by an operation called on one.

    Operators and `nnet.ops` work on it as on data (``x + y``, ``x[:, 0]``,
    ``nnet.ops.concatenate([x, y])``): each records a node in the graph.

    Attributes:
        shape: a tuple with None for unknown dimensions (the batch).
        dtype: the dtype name.
        name: the producing operation's name.
        sparse, ragged: always False: nnet has dense tensors only (Keras's attributes, which
            its torch backend also keeps False).
    """

    sparse = False
    ragged = False
    # What `nnet.backend.is_keras_tensor` reads (the backend sits below this module).
    _is_keras_tensor = True

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name
        # (operation, node_index, tensor_index): where in the graph this tensor comes from.
        self._history = history

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


def is_symbolic(*structures):
    """Whether any leaf of `structures` is a KerasTensor."""
    return any(isinstance(leaf, KerasTensor) for leaf in tree.flatten(structures))


class Node:
    """One call of an operation on symbolic arguments: the graph edge to its outputs.

    Attributes:
        operation: the layer or op that was called.
        call_args, call_kwargs: the arguments as given, KerasTensors included.
        outputs: the KerasTensor(s) it returned.
        input_tensors: every KerasTensor among the arguments, in call order.
    """

    def __init__(self, operation, call_args, call_kwargs, outputs):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs)
        self.outputs = outputs
        self.input_tensors = [t for t in tree.flatten((self.call_args, self.call_kwargs))
                              if isinstance(t, KerasTensor)]


def get_source_inputs(tensor):
    """The input KerasTensors that `tensor` is computed from, as a list (``tensor`` itself for
    a value that is not a KerasTensor).

    Example:
        >>> import nnet
        >>> a, b = nnet.Input((2,), name="a"), nnet.Input((2,), name="b")
        >>> [t.name for t in get_source_inputs(nnet.layers.Add()([a, b]) * 2.0)]
        ['a', 'b']
    """
    if not isinstance(tensor, KerasTensor):
        return tensor
    if tensor._history is None:
        return [tensor]
    node = producer(tensor)
    if not node.input_tensors:
        return tree.flatten(node.outputs)
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not s for s in sources):
                sources.append(source)
    return sources


def producer(tensor):
    """The node that produced the KerasTensor `tensor`."""
    operation, node_index, _ = tensor._history
    return operation._inbound_nodes[node_index]


class Operation:
    """What a graph node runs: a layer, or an `nnet.ops` function (`SymbolicOp`).

    Subclasses set `name`, `dtype` and ``_inbound_nodes = []``; `symbolic_call` records a node.
    """

    input_spec = None

    def _first_node(self, attribute):
        if not self._inbound_nodes:
            raise AttributeError(
                f"'{self.name}' has never been called on a symbolic input (nnet.Input), so it "
                f"has no defined {attribute}."
            )
        return self._inbound_nodes[0]

    @property
    def output(self):
        """The symbolic output of the first call on symbolic inputs (as in Keras 3)."""
        return self._first_node("output").outputs

    @property
    def input(self):
        """The symbolic input of the first call on symbolic inputs (as in Keras 3)."""
        return self._first_node("input").call_args[0]

    def compute_output_spec(self, *args, **kwargs):
        """The output KerasTensor(s) for symbolic `args`, found by running the call on zeros.

        It runs twice, with every unknown dimension set to 2 and then to 3, without recording
        gradients; an output dimension that differs between the two runs is unknown (None). A
        Python number among the outputs (``ndim``, ``size``) stands for a scalar, in the dtype
        Keras converts it to.
        """
        small, large = (self._probe(args, kwargs, size) for size in (2, 3))

        def spec(a, b):
            if isinstance(a, (bool, int, float)):
                return KerasTensor((), _NUMBER_DTYPES[type(a)]())
            shape = tuple(m if m == n else None for m, n in zip(a.shape, b.shape))
            return KerasTensor(shape, a.dtype)

        return tree.map_structure(spec, small, large)

    def _probe(self, args, kwargs, size):
        def zeros(value):
            if isinstance(value, KerasTensor):
                shape = [size if n is None else n for n in value.shape]
                if value.dtype == "string":
                    return Tensor(np.full(shape, "", dtype=object))
                return Tensor(self._probe_array(tuple(shape), value.dtype))
            return value

        args, kwargs = tree.map_structure(zeros, (args, kwargs))
        with no_grad(), np.errstate(all="ignore"):  # zeros: log(0), 0 / 0 mean nothing here
            return self(*args, **kwargs)

    def _probe_array(self, shape, dtype):
        """The stand-in data of a symbolic argument when probing: zeros."""
        return np.zeros(shape, dtype)

    def symbolic_call(self, *args, **kwargs):
        """Record this operation called on symbolic arguments; returns the output KerasTensors."""
        outputs = self.compute_output_spec(*args, **kwargs)
        index = len(self._inbound_nodes)
        for i, tensor in enumerate(tree.flatten(outputs)):
            tensor.name = self.name
            tensor._history = (self, index, i)
        self._inbound_nodes.append(Node(self, args, kwargs, outputs))
        return outputs


_OPS = {}
_LOADER = [None]


def register_ops(functions):
    """Make `functions` loadable by their ``"<module>:<name>"`` in saved graphs.

    `nnet.ops` registers its own functions: a saved graph can name no other code.
    """
    _OPS.update({_key(fn): fn for fn in functions})


def is_registered_op(fn):
    """Whether `fn` is one of the functions that `register_ops` made loadable."""
    return _registered(_key(fn)) is fn


def set_op_loader(loader):
    """Install ``loader(key)``: called for a ``"<module>:<name>"`` not registered yet, it may
    load and register that module's ops (`nnet.ops` loads some of its modules on first use)."""
    _LOADER[0] = loader


def _registered(key):
    if key not in _OPS and _LOADER[0] is not None:
        _LOADER[0](key)
    return _OPS.get(key)


def _key(fn):
    return f"{fn.__module__}:{fn.__name__}"


class SymbolicOp(Operation):
    """An `nnet.ops` function applied to symbolic tensors inside a functional model.

    Its output shapes are found by running the function on stand-in data: zeros, or what the
    function's ``probe_fill(shape, dtype)`` attribute returns (identity matrices for the
    linear-algebra ops, which zeros would make singular).

    Args:
        function: the function itself (a primitive of your own runs, but cannot be saved), or
            ``"<module>:<name>"`` of an `nnet.ops` module, as nnet's own form saves an op that
            Keras has no class for (`nnet.ops.keras_classes` writes the others as Keras does).
        name: the node's name (the function's name plus a counter by default).

    Example:
        >>> import numpy as np, nnet
        >>> x = nnet.Input((3,))
        >>> model = nnet.Model(x, x * 2.0 + 1.0)
        >>> model.predict(np.ones((1, 3)), verbose=0)
        array([[3., 3., 3.]], dtype=float32)
        >>> [type(layer).__name__ for layer in model.layers]  # ops are not layers
        ['InputLayer']
    """

    def __init__(self, function, name=None, **kwargs):
        fn = function if callable(function) else _registered(function)
        if fn is None:
            raise ValueError(
                f"Unknown op function: function={function!r}. A saved functional graph can "
                f"apply the functions of nnet.ops only, e.g. 'nnet.ops.math:add'."
            )
        self.fn = fn
        self.name = name or uniquify(fn.__name__.strip("_"))
        self._inbound_nodes = []
        self.trainable = kwargs.pop("trainable", True)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to SymbolicOp: {kwargs}")

    def __call__(self, *args, training=None, **kwargs):
        if is_symbolic(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.fn(*args, **kwargs)

    def _probe_array(self, shape, dtype):
        # An op that cannot run on zeros (a matrix inverse) names its stand-in data.
        fill = getattr(self.fn, "probe_fill", None)
        return super()._probe_array(shape, dtype) if fill is None else fill(shape, dtype)

    def get_config(self):
        key = _key(self.fn)
        if not is_registered_op(self.fn):
            raise ValueError(
                f"The op {key!r} in a functional model is not an nnet.ops function, so the model "
                f"cannot be saved. Wrap the computation in a Layer subclass to save it."
            )
        return {"name": self.name, "function": key}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SymbolicOp {_key(self.fn)} name={self.name}>"


def graph_op(fn):
    """Make the composite op `fn` record one node when called on symbolic tensors, as Keras's
    ops do, rather than a node for each primitive it is made of; on data it runs `fn` as is.

    A file then holds the op itself (``Concatenate``), which Keras can load, not the
    primitives it happens to be built from. Symbolic tensors are looked for among the arguments
    and inside list or tuple arguments (``concatenate([x, y])``).

    Example:
        >>> import numpy as np, nnet
        >>> @graph_op
        ... def double_sum(xs):
        ...     return nnet.ops.add(*xs) * 2.0
        >>> x = nnet.Input((2,))
        >>> model = nnet.Model(x, double_sum([x, x]))
        >>> [getattr(op, "fn", None) is double_sum for op in model._operations]
        [False, True]
        >>> model.predict(np.ones((1, 2)), verbose=0)
        array([[4., 4.]], dtype=float32)
    """

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _holds_symbolic(args) or _holds_symbolic(kwargs.values()):
            return SymbolicOp(op)(*args, **kwargs)
        return fn(*args, **kwargs)

    return op


def _holds_symbolic(values):
    for value in values:
        if isinstance(value, KerasTensor) or (type(value) in (list, tuple) and any(
                isinstance(item, KerasTensor) for item in value)):
            return True
    return False


def _call_op_symbolic(op, args, kwargs):
    return SymbolicOp(op)(*args, **kwargs)


set_symbolic_call(_call_op_symbolic)
