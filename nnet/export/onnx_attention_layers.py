"""ONNX emitters for EinsumDense and MultiHeadAttention (ONNX's Einsum op does the products)."""

import numpy as np

from nnet.export.onnx_core_layers import softmax
from nnet.export.onnx_graph import emits
from nnet.layers import EinsumDense, MultiHeadAttention

_MASKS = ("attention_mask", "query_mask", "value_mask", "key_mask")


def einsum_dense(g, layer, x):
    """`layer`'s ``activation(einsum(equation, x, kernel) + bias)``."""
    y = g.op("Einsum", [x, g.constant(layer.kernel, f"{layer.name}/kernel")],
             f"{layer.name}/einsum", equation=layer.equation)
    if layer.bias is not None:
        y = g.op("Add", [y, g.constant(layer.bias, f"{layer.name}/bias")], f"{layer.name}/bias_add")
    return g.activation(layer.activation, y, layer.name)


@emits(EinsumDense)
def _einsum_dense(g, layer, inputs, node):
    return einsum_dense(g, layer, inputs[0])


@emits(MultiHeadAttention)
def _multi_head_attention(g, layer, inputs, node):
    kwargs = node.call_kwargs
    if len(inputs) > 3 or any(kwargs.get(name) is not None for name in _MASKS) \
            or layer._sliding_window is not None:
        raise ValueError(
            f"Layer '{layer.name}' (MultiHeadAttention) is called with a mask or a sliding "
            f"window, which cannot be exported to ONNX yet; use_causal_mask=True can."
        )
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) == 3 else value
    name = layer.name
    q = einsum_dense(g, layer._query_dense, query)
    k = einsum_dense(g, layer._key_dense, key)
    v = einsum_dense(g, layer._value_dense, value)
    scaled = g.op("Mul", [q, g.constant(layer._inverse_sqrt_key_dim, f"{name}/scale")])
    scores = g.op("Einsum", [k, scaled], f"{name}/scores", equation=layer._dot_product_equation)
    if kwargs.get("use_causal_mask"):
        scores = g.op("Where", [_causal_mask(g, layer, node), scores,
                                g.constant(-1e9, "masked_score")], f"{name}/causal")
    probabilities = softmax(g, scores, layer._softmax.axis, f"{name}/softmax")
    output = g.op("Einsum", [probabilities, v], f"{name}/combine",
                  equation=layer._combine_equation)
    if layer._use_gate:
        output = g.op("Mul", [output, einsum_dense(g, layer._gate_dense, query)], f"{name}/gate")
    output = einsum_dense(g, layer._output_dense, output)
    return [output, probabilities] if kwargs.get("return_attention_scores") else output


def _causal_mask(g, layer, node):
    """The lower-triangular (query, key) mask over the one attention axis."""
    query_shape, value_shape = node.input_tensors[0].shape, node.input_tensors[1].shape
    if len(layer._attention_axes) != 1 or None in (query_shape[1], value_shape[1]):
        raise ValueError(
            f"Layer '{layer.name}' (MultiHeadAttention) with use_causal_mask=True exports for "
            f"one attention axis of known length. Received query shape {query_shape}, value "
            f"shape {value_shape}, attention_axes={layer._attention_axes}."
        )
    mask = np.tril(np.ones((query_shape[1], value_shape[1]), dtype=bool))
    return g.constant(mask, f"{layer.name}/causal_mask", dtype=np.bool_)

