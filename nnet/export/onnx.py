"""ONNX export: ``model.export("model.onnx", format="onnx")``.

The graph is built directly from the model's structure: the nodes of a Sequential or functional
model (a subclass built from inputs and outputs counts as functional) are walked in order, and
each layer call becomes ONNX nodes through the emitter registered for its class (the
`nnet.export.onnx_*_layers` modules). Nested models are walked in place. The batch dimension is
dynamic; the file is written atomically and checked with `onnx.checker` first.
"""

import numpy as np
import onnx
from onnx import helper

from nnet import tree
from nnet.autodiff.symbolic import KerasTensor
from nnet.autodiff.tensor import Tensor
from nnet.export import (  # noqa: F401  (each registers its emitters)
    onnx_attention_layers,
    onnx_conv_layers,
    onnx_core_layers,
    onnx_recurrent_layers,
)
from nnet.export.onnx_graph import Graph, emits, emitter_for
from nnet.models import Functional, Sequential
from nnet.utils.file_utils import atomic_target
from nnet.utils.progbar import print_msg

DEFAULT_OPSET = 18
MIN_OPSET = 18


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None,
                **kwargs):
    """Write `model`'s inference graph (``call`` with ``training=False``) to `filepath` as ONNX.

    Args:
        model: a built Sequential or functional model (or a subclass built from inputs and
            outputs) whose layers all have ONNX exporters.
        filepath: where to write the ``.onnx`` file (`str` or `pathlib.Path`).
        verbose: print a message once saved (default True, as in Keras).
        input_signature: optional list of the inputs' specs, objects with ``shape`` and ``dtype``
            (`nnet.KerasTensor`, arrays); a spec's ``name`` names the ONNX input. Arrays and
            KerasTensors give a dynamic batch dimension. Defaults to the model's inputs.
        opset_version: the ONNX opset (18 by default; 18 up to the installed onnx's newest).

    Example:
        >>> import os, tempfile, numpy as np, nnet, onnxruntime
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2, activation="relu")])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.onnx")
        >>> model.export(path, format="onnx", verbose=False)
        >>> session = onnxruntime.InferenceSession(path)
        >>> x = np.ones((4, 3), "float32")
        >>> np.allclose(session.run(None, {session.get_inputs()[0].name: x})[0],
        ...             model.predict(x, verbose=0), atol=1e-6)
        True
    """
    if kwargs:
        raise ValueError(
            f"Unrecognized arguments for ONNX export: {sorted(kwargs)}. It takes filepath, "
            f"verbose, input_signature and opset_version."
        )
    opset_version = _check_opset(opset_version)
    specs = _input_specs(model, input_signature)
    graph = Graph(opset_version)
    names = [graph.name(name) for name, _, _ in specs]
    outputs = tree.flatten(emit_model(graph, model, names, None))
    output_names = [graph.op("Identity", [name], f"output_{i}") for i, name in enumerate(outputs)]
    proto = helper.make_model(
        helper.make_graph(
            graph.nodes, model.name,
            [graph.value_info(name, shape, dtype) for name, (_, shape, dtype) in zip(names, specs)],
            [graph.value_info(name, t.shape, t.dtype)
             for name, t in zip(output_names, model.outputs)],
            graph.initializers),
        opset_imports=[helper.make_opsetid("", opset_version)], producer_name="nnet")
    onnx.checker.check_model(proto)
    with atomic_target(filepath) as temporary:
        onnx.save_model(proto, temporary)
    if verbose is None or verbose:
        print_msg(f"Saved artifact at '{filepath}'.")


def _check_opset(opset_version):
    newest = onnx.defs.onnx_opset_version()
    if opset_version is None:
        return DEFAULT_OPSET
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= newest:
        raise ValueError(
            f"Expected opset_version to be an integer from {MIN_OPSET} to {newest} (the newest "
            f"the installed onnx knows). Received: opset_version={opset_version!r}"
        )
    return opset_version


def _input_specs(model, input_signature):
    """``(name, shape, dtype)`` of each graph input, checked against the model's inputs."""
    if not isinstance(model, (Sequential, Functional)):
        raise ValueError(
            f"Model '{model.name}' of class {type(model).__name__} has no graph of layers to "
            f"export: nnet exports Sequential and functional models (a Model subclass built with "
            f"inputs and outputs is functional). Rebuild it as one of those."
        )
    try:
        inputs = model.inputs
    except AttributeError as error:
        raise ValueError(f"Model '{model.name}' must be built before export: {error}") from None
    if input_signature is None:
        return [(t.name, (None,) + tuple(t.shape[1:]), t.dtype) for t in inputs]
    flat = tree.flatten(input_signature)
    if len(flat) != len(inputs):
        raise ValueError(
            f"Model '{model.name}' has {len(inputs)} input(s); input_signature gives "
            f"{len(flat)}: {input_signature!r}. Pass one spec per input, in order."
        )
    specs = []
    for i, (spec, tensor) in enumerate(zip(flat, inputs)):
        if not hasattr(spec, "shape") or not hasattr(spec, "dtype"):
            raise TypeError(
                f"Each input_signature entry needs a shape and a dtype (a KerasTensor or an "
                f"array). Received: {spec!r} of type {type(spec).__name__}"
            )
        shape = tuple(None if d is None else int(d) for d in spec.shape)
        if isinstance(spec, (KerasTensor, Tensor, np.ndarray)):
            shape = (None,) + shape[1:]
        if len(shape) != len(tensor.shape) or any(
                e is not None and d is not None and d != e
                for d, e in zip(shape[1:], tensor.shape[1:])):
            raise ValueError(
                f"input_signature[{i}] has shape {shape}, but model '{model.name}' expects "
                f"{tensor.shape} there (None is any size)."
            )
        name = getattr(spec, "name", None)
        specs.append((name if isinstance(name, str) and name else f"input_{i}", shape,
                      str(np.dtype(str(spec.dtype)))))
    return specs


@emits(Sequential, Functional)
def emit_model(graph, model, inputs, node):
    """Walk a Sequential or functional model's nodes in order, one emitter per layer call."""
    nodes = [n for _, n in model._graph_nodes] if isinstance(model, Sequential) else model._nodes
    names = {id(t): name for t, name in zip(model.inputs, inputs)}
    for inner in nodes:
        if not inner.input_tensors:
            continue
        operation = inner.operation
        if not hasattr(operation, "built"):
            raise ValueError(
                f"Operation '{operation.name}' in model '{model.name}' (a function applied to "
                f"symbolic tensors) cannot be exported to ONNX: nnet exports layers only. Use "
                f"the matching layer (Add, Multiply, Reshape, ...) instead."
            )
        emit = emitter_for(operation)
        result = emit(graph, operation, [names[id(t)] for t in inner.input_tensors], inner)
        for tensor, name in zip(tree.flatten(inner.outputs), tree.flatten(result)):
            names[id(tensor)] = name
    return [names[id(t)] for t in model.outputs]
