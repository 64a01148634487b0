"""ONNX emitters for EinsumDense, MultiHeadAttention (ONNX's Einsum op does the products),
Attention and AdditiveAttention."""

import numpy as np

from nnet.export.onnx_core_layers import softmax
from nnet.export.onnx_graph import emits
from nnet.layers import AdditiveAttention, Attention, EinsumDense, MultiHeadAttention

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
        scores = g.op("Where", [_causal_mask(g, layer, node, layer._attention_axes), scores,
                                g.constant(-1e9, "masked_score")], f"{name}/causal")
    probabilities = softmax(g, scores, layer._softmax.axis, f"{name}/softmax")
    output = g.op("Einsum", [probabilities, v], f"{name}/combine",
                  equation=layer._combine_equation)
    if layer._use_gate:
        output = g.op("Mul", [output, einsum_dense(g, layer._gate_dense, query)], f"{name}/gate")
    output = einsum_dense(g, layer._output_dense, output)
    return [output, probabilities] if kwargs.get("return_attention_scores") else output


def _causal_mask(g, layer, node, axes=(0,)):
    """The lower-triangular (query, key) mask over the one attention axis."""
    query_shape, value_shape = node.input_tensors[0].shape, node.input_tensors[1].shape
    if len(axes) != 1 or None in (query_shape[1], value_shape[1]):
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) with use_causal_mask=True exports "
            f"for one attention axis of known length. Received query shape {query_shape}, "
            f"value shape {value_shape}."
        )
    mask = np.tril(np.ones((query_shape[1], value_shape[1]), dtype=bool))
    return g.constant(mask, f"{layer.name}/causal_mask", dtype=np.bool_)



@emits(Attention, AdditiveAttention)
def _attention(g, layer, inputs, node):
    """softmax(scores) @ value, the scores as the layer's `_calculate_scores` forms them."""
    kwargs = node.call_kwargs
    if kwargs.get("mask") is not None:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) is called with a mask, which cannot "
            f"be exported to ONNX yet; use_causal_mask=True can."
        )
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    name = layer.name
    if isinstance(layer, AdditiveAttention) or layer.score_mode == "concat":
        rank = len(node.input_tensors[0].shape)
        pairs = g.op("Add", [g.op("Unsqueeze", [query, g.ints([rank - 1], "query_axis")]),
                             g.op("Unsqueeze", [key, g.ints([rank - 2], "key_axis")])])
        last = g.ints([-1], "last_axis")
        if isinstance(layer, AdditiveAttention):
            # sum(scale * tanh(query + key)) over the features
            terms = _scaled(g, g.op("Tanh", [pairs]), layer.scale, name)
            scores = g.op("ReduceSum", [terms, last], f"{name}/scores", keepdims=0)
        else:
            # concat_score_weight * sum(tanh(scale * (query + key))) over the features
            terms = g.op("Tanh", [_scaled(g, pairs, layer.scale, name)])
            scores = g.op("Mul", [g.op("ReduceSum", [terms, last], keepdims=0), g.constant(
                layer.concat_score_weight, f"{name}/concat_score_weight")], f"{name}/scores")
    else:
        scores = _scaled(g, g.op("Einsum", [query, key], equation="...qd,...kd->...qk"),
                         layer.scale, name)
    if kwargs.get("use_causal_mask"):
        # The layer subtracts a large number from the masked scores (as Keras does).
        shifted = g.op("Sub", [scores, g.constant(1e9, "large")])
        scores = g.op("Where", [_causal_mask(g, layer, node), scores, shifted], f"{name}/causal")
    weights = g.op("Softmax", [scores], f"{name}/softmax", axis=-1)
    output = g.op("MatMul", [weights, value], name)
    return [output, weights] if kwargs.get("return_attention_scores") else output


def _scaled(g, x, scale, hint):
    return x if scale is None else g.op("Mul", [x, g.constant(scale, f"{hint}/scale")])
