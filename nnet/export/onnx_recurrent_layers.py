"""ONNX emitters for Embedding and the recurrent layers (SimpleRNN, LSTM, GRU).

The recurrent layers become ONNX's RNN, LSTM and GRU ops, which read time-major sequences and
their gate weights transposed, stacked in their own order: Keras's LSTM gates i, f, c, o are
ONNX's i, o, f, c; GRU's z, r, h stay in order, with ``linear_before_reset=1`` for
``reset_after=True``. ``go_backwards`` reverses the sequence first, so the outputs come in the
order the layer produced them.
"""

from types import SimpleNamespace

import numpy as np
from onnx import TensorProto

from nnet import activations
from nnet.export.onnx_graph import emits, emitter_for, with_lora
from nnet.layers import GRU, LSTM, Bidirectional, Embedding, SimpleRNN

# The activations ONNX's recurrent ops apply themselves, with their (alpha, beta) where they
# take them.
_RECURRENT_ACTIVATIONS = {
    activations.sigmoid: ("Sigmoid", None), activations.tanh: ("Tanh", None),
    activations.relu: ("Relu", None), activations.softsign: ("Softsign", None),
    activations.softplus: ("Softplus", None), activations.linear: ("Affine", (1.0, 0.0)),
    activations.hard_sigmoid: ("HardSigmoid", (1 / 6, 0.5)), activations.elu: ("Elu", (1.0, None)),
}


@emits(Embedding)
def _embedding(g, layer, inputs, node):
    if layer.mask_zero:
        raise ValueError(
            f"Layer '{layer.name}' (Embedding) has mask_zero=True: the mask it passes to later "
            f"layers cannot be exported to ONNX yet. Export a model built with mask_zero=False."
        )
    embeddings = with_lora(layer, layer.embeddings, "lora_embeddings_a", "lora_embeddings_b")
    ids = g.op("Cast", inputs[:1], f"{layer.name}/ids", to=TensorProto.INT64)
    return g.op("Gather", [g.constant(embeddings, f"{layer.name}/embeddings"), ids], layer.name,
                axis=0)


def _activation_attributes(layer, functions):
    names, alphas, betas = [], [], []
    for function in functions:
        if function not in _RECURRENT_ACTIVATIONS:
            raise ValueError(
                f"Layer '{layer.name}' ({type(layer).__name__}) uses the activation "
                f"{getattr(function, '__name__', function)!r}, which ONNX's recurrent ops do not "
                f"apply. Exportable: {sorted(f.__name__ for f in _RECURRENT_ACTIVATIONS)}."
            )
        name, parameters = _RECURRENT_ACTIVATIONS[function]
        names.append(name)
        if parameters is not None:
            alphas.append(parameters[0])
            if parameters[1] is not None:
                betas.append(parameters[1])
    return {"activations": names, "activation_alpha": alphas or None,
            "activation_beta": betas or None}


def reverse_time(g, x, hint):
    """`x` (batch, time, ...) with its time axis reversed."""
    return g.op("Slice", [x, g.ints([-1], "start"), g.ints([np.iinfo(np.int64).min], "end"),
                          g.ints([1], "axis_1"), g.ints([-1], "step")], f"{hint}/reverse")


def _recurrent(g, layer, inputs, node, op_type, gate_order, functions, bias, **attributes):
    """Emit `op_type` for `layer` (weights' gate blocks in `gate_order`), returning the layer's
    outputs: the last output or the sequence, then the final states with return_state."""
    if layer.stateful:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) is stateful: its carried-over states "
            f"cannot be exported to ONNX. Export a copy built with stateful=False."
        )
    if node.call_kwargs.get("mask") is not None:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) is called with a mask, which cannot "
            f"be exported to ONNX yet."
        )
    cell, units = layer.cell, layer.cell.units

    def stacked(kernel):
        blocks = np.split(kernel.numpy(), len(gate_order), axis=-1)
        return np.concatenate([blocks[i] for i in gate_order], axis=-1).T[None]

    x = reverse_time(g, inputs[0], layer.name) if layer.go_backwards else inputs[0]
    x = g.op("Transpose", [x], f"{layer.name}/time_major", perm=[1, 0, 2])
    states = [g.op("Unsqueeze", [s, g.ints([0], "axis_0")], f"{layer.name}/initial_state")
              for s in inputs[1:]]
    operands = [x, g.constant(stacked(cell.kernel), f"{layer.name}/kernel"),
                g.constant(stacked(cell.recurrent_kernel), f"{layer.name}/recurrent_kernel"),
                g.constant(bias[None], f"{layer.name}/bias"), "", *states]
    outputs = g.op(op_type, operands, layer.name, outputs=3 if op_type == "LSTM" else 2,
                   hidden_size=units, direction="forward",
                   **_activation_attributes(layer, functions), **attributes)
    sequence, *final = outputs
    if layer.return_sequences:
        y = g.op("Squeeze", [sequence, g.ints([1], "axis_1")])
        y = g.op("Transpose", [y], f"{layer.name}/sequences", perm=[1, 0, 2])
    else:
        y = g.op("Squeeze", [final[0], g.ints([0], "axis_0")], f"{layer.name}/last_output")
    if not layer.return_state:
        return y
    return [y] + [g.op("Squeeze", [s, g.ints([0], "axis_0")], f"{layer.name}/state")
                  for s in final]


def _biases(cell, count, gate_order, recurrent_bias=None):
    """ONNX's B: the input biases (gate blocks in `gate_order`), then the recurrent ones."""
    units = cell.units
    if not cell.use_bias:
        return np.zeros(2 * count * units, np.float32)
    bias = cell.bias.numpy()
    input_bias = bias[0] if bias.ndim == 2 else bias
    blocks = np.split(input_bias, count)
    recurrent = np.zeros(count * units, np.float32) if recurrent_bias is None else recurrent_bias
    return np.concatenate([blocks[i] for i in gate_order] + [recurrent])


@emits(SimpleRNN)
def _simple_rnn(g, layer, inputs, node):
    return _recurrent(g, layer, inputs, node, "RNN", [0], [layer.cell.activation],
                      _biases(layer.cell, 1, [0]))


@emits(LSTM)
def _lstm(g, layer, inputs, node):
    cell, order = layer.cell, [0, 3, 1, 2]
    return _recurrent(g, layer, inputs, node, "LSTM", order,
                      [cell.recurrent_activation, cell.activation, cell.activation],
                      _biases(cell, 4, order))


@emits(GRU)
def _gru(g, layer, inputs, node):
    cell, order = layer.cell, [0, 1, 2]
    recurrent_bias = cell.bias.numpy()[1] if cell.use_bias and cell.reset_after else None
    return _recurrent(g, layer, inputs, node, "GRU", order,
                      [cell.recurrent_activation, cell.activation],
                      _biases(cell, 3, order, recurrent_bias),
                      linear_before_reset=int(bool(cell.reset_after)))


@emits(Bidirectional)
def _bidirectional(g, layer, inputs, node):
    """Both directions' layers, the backward sequences flipped back, then `merge_mode`."""
    if len(inputs) > 1:
        raise ValueError(
            f"Layer '{layer.name}' (Bidirectional) is called with initial states, which cannot "
            f"be exported to ONNX yet."
        )
    # Each direction's layer sees the node's sequences and keyword arguments.
    inner = SimpleNamespace(input_tensors=node.input_tensors, call_kwargs=node.call_kwargs,
                            outputs=None)
    results = []
    for direction in (layer.forward_layer, layer.backward_layer):
        result = emitter_for(direction)(g, direction, inputs, inner)
        results.append(result if isinstance(result, list) else [result])
    (y, *forward_states), (y_rev, *backward_states) = results
    if layer.return_sequences:
        y_rev = reverse_time(g, y_rev, layer.backward_layer.name)
    merges = {"concat": lambda: g.op("Concat", [y, y_rev], layer.name, axis=-1),
              "sum": lambda: g.op("Add", [y, y_rev], layer.name),
              "mul": lambda: g.op("Mul", [y, y_rev], layer.name),
              "ave": lambda: g.op("Mul", [g.op("Add", [y, y_rev]), g.constant(0.5, "half")],
                                  layer.name)}
    outputs = [y, y_rev] if layer.merge_mode is None else [merges[layer.merge_mode]()]
    if layer.return_state:
        return outputs + forward_states + backward_states
    return outputs if layer.merge_mode is None else outputs[0]
