"""MultiHeadAttention: check_layer against Keras, torch's nn.MultiheadAttention with the
projections mapped (padding and causal masks, float32 values and gradients), masks carried by
the inputs, attention scores, functional models and errors."""

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet.autodiff import Tensor, backward
from nnet.layers import MultiHeadAttention

MASK = np.ones((2, 3, 5), dtype=bool)
MASK[0, :, 3:] = False
MASK[1, 2] = False  # a query that sees no key

CASES = [
    ("self", {}, [(2, 3, 4), (2, 5, 4)], {}),
    ("key_value_dims", {"value_dim": 2, "output_shape": (6,), "use_bias": False},
     [(2, 3, 4), (2, 5, 4), (2, 5, 3)], {}),
    ("attention_mask", {}, [(2, 3, 4), (2, 5, 4)], {"attention_mask": MASK}),
    ("causal", {}, [(2, 5, 4), (2, 5, 4)], {"use_causal_mask": True}),
    ("gate_window", {"use_gate": True, "sliding_window": 2}, [(2, 5, 4), (2, 5, 4)],
     {"use_causal_mask": True}),
    ("attention_axes", {"attention_axes": (1, 2)}, [(2, 3, 2, 4), (2, 5, 2, 4)], {}),
    ("mask_without_fast_path", {"attention_axes": 1}, [(2, 3, 2, 4), (2, 5, 2, 4)],
     {"attention_mask": MASK[:, None, :, :].repeat(2, 1), "use_causal_mask": True}),
]


@pytest.mark.parametrize("name,kwargs,shapes,call_kwargs", CASES, ids=[c[0] for c in CASES])
def test_check_layer_against_keras(name, kwargs, shapes, call_kwargs):
    check_layer(MultiHeadAttention, shapes, {"num_heads": 2, "key_dim": 3, **kwargs},
                inputs_as="args", call_kwargs=call_kwargs, keras_class="MultiHeadAttention",
                constant_weights=("key/bias",))


def test_dropout_drops_attention_probabilities_only_in_training():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 6, 4)).astype("float32")
    layer = MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=1)
    out, scores = layer(x, x, return_attention_scores=True)
    np.testing.assert_allclose(scores.numpy().sum(-1), 1, rtol=1e-6)
    assert np.array_equal(layer(x, x).numpy(), out.numpy())
    trained = layer(x, x, training=True)
    assert not np.allclose(trained.numpy(), out.numpy())
    backward(nnet.ops.sum(trained * trained))
    for w in layer.trainable_weights:
        assert np.isfinite(w.grad).all() and (w.path == "key/bias" or np.any(w.grad != 0))


def _torch_mha(layer, torch):
    """torch's MultiheadAttention holding `layer`'s weights (embed dim = heads * key_dim)."""
    dim = layer._query_dense.kernel.shape[0]
    module = torch.nn.MultiheadAttention(dim, layer.num_heads, batch_first=True)
    with torch.no_grad():
        module.in_proj_weight.copy_(torch.tensor(np.concatenate([
            d.kernel.numpy().reshape(dim, -1).T
            for d in (layer._query_dense, layer._key_dense, layer._value_dense)])))
        module.in_proj_bias.copy_(torch.tensor(np.concatenate([
            d.bias.numpy().ravel()
            for d in (layer._query_dense, layer._key_dense, layer._value_dense)])))
        module.out_proj.weight.copy_(torch.tensor(
            layer._output_dense.kernel.numpy().reshape(-1, dim).T))
        module.out_proj.bias.copy_(torch.tensor(layer._output_dense.bias.numpy()))
    return module


@pytest.mark.parametrize("masking", ["padding", "causal", "padding_and_causal"])
def test_matches_torch_multihead_attention(masking):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    b, t, dim, heads = 3, 6, 8, 2
    layer = MultiHeadAttention(num_heads=heads, key_dim=dim // heads)
    x = rng.standard_normal((b, t, dim)).astype("float32")
    layer(x, x)
    for w in layer.weights:
        w.assign(w.numpy() + 0.3 * rng.standard_normal(w.shape).astype("float32"))
    padding = np.ones((b, t), dtype=bool)
    padding[0, 4:] = False
    padding[2, 1:3] = False
    causal = masking != "padding"

    query, value = Tensor(x, requires_grad=True), Tensor(x.copy(), requires_grad=True)
    if masking != "causal":
        value._keras_mask = padding
    out = layer(query, value, use_causal_mask=causal)
    upstream = rng.standard_normal(out.shape).astype("float32")
    backward(out, upstream)

    module = _torch_mha(layer, torch)
    tq = torch.tensor(x, requires_grad=True)
    tv = torch.tensor(x.copy(), requires_grad=True)
    kwargs = {"need_weights": False}
    if masking != "causal":
        kwargs["key_padding_mask"] = torch.tensor(~padding)
    if causal:
        kwargs["attn_mask"] = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
    expected, _ = module(tq, tv, tv, **kwargs)
    expected.backward(torch.tensor(upstream))
    tolerance = {"rtol": 1e-4, "atol": 1e-5}
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), **tolerance)
    np.testing.assert_allclose(query.grad, tq.grad.numpy(), **tolerance)
    np.testing.assert_allclose(value.grad, tv.grad.numpy(), **tolerance)
    np.testing.assert_allclose(layer._query_dense.kernel.grad.reshape(dim, -1).T,
                               module.in_proj_weight.grad[:dim].numpy(), **tolerance)
    np.testing.assert_allclose(layer._value_dense.kernel.grad.reshape(dim, -1).T,
                               module.in_proj_weight.grad[2 * dim:].numpy(), **tolerance)
    np.testing.assert_allclose(layer._output_dense.kernel.grad.reshape(-1, dim).T,
                               module.out_proj.weight.grad.numpy(), **tolerance)


def _keras_pair(keras, kwargs, shapes, rng):
    layer = MultiHeadAttention(**kwargs)
    klayer = keras.layers.MultiHeadAttention(**kwargs)
    arrays = [rng.standard_normal(s).astype("float32") for s in shapes]
    layer(*arrays)
    klayer.build(*shapes)
    for w in layer.weights:
        w.assign(w.numpy() + 0.3 * rng.standard_normal(w.shape).astype("float32"))
    klayer.set_weights(layer.get_weights())
    return layer, klayer, arrays


def test_masks_of_the_inputs_combine_as_in_keras():
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    layer, klayer, (q, v) = _keras_pair(keras, {"num_heads": 2, "key_dim": 3},
                                        [(2, 4, 5), (2, 6, 5)], rng)
    query_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=bool)
    value_mask = np.array([[1, 1, 0, 0, 1, 1], [1, 1, 1, 1, 1, 0]], dtype=bool)
    extra = np.ones((2, 4, 6), dtype=bool)
    extra[1, 0, :2] = False
    for dropout_path in (False, True):
        query, value = Tensor(q), Tensor(v)
        query._keras_mask, value._keras_mask = query_mask, value_mask
        kq, kv = torch.tensor(q), torch.tensor(v)
        kq._keras_mask, kv._keras_mask = torch.tensor(query_mask), torch.tensor(value_mask)
        out = layer(query, value, attention_mask=extra, use_causal_mask=True,
                    return_attention_scores=dropout_path)
        expected = klayer(kq, kv, attention_mask=torch.tensor(extra), use_causal_mask=True,
                          return_attention_scores=dropout_path)
        if dropout_path:
            np.testing.assert_allclose(out[1].numpy(), expected[1].detach().numpy(),
                                       rtol=1e-5, atol=1e-6)
            out, expected = out[0], expected[0]
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_array_equal(out._keras_mask, query_mask)


def test_attention_scores_match_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(2)
    kwargs = {"num_heads": 3, "key_dim": 2, "dropout": 0.5}
    layer, klayer, (q, v) = _keras_pair(keras, kwargs, [(2, 4, 5), (2, 6, 5)], rng)
    out, scores = layer(q, v, return_attention_scores=True)
    kout, kscores = klayer(q, v, return_attention_scores=True)
    assert scores.shape == (2, 3, 4, 6)
    np.testing.assert_allclose(scores.numpy(), kscores.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), kout.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_in_a_functional_model_that_trains():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 5, 4)).astype("float32")
    y = x.sum(axis=(1, 2)) > 0
    inputs = nnet.Input((5, 4))
    attended, scores = MultiHeadAttention(2, 4)(inputs, inputs, return_attention_scores=True)
    assert attended.shape == (None, 5, 4) and scores.shape == (None, 2, 5, 5)
    pooled = nnet.layers.Flatten()(attended)
    model = nnet.Model(inputs, nnet.layers.Dense(1, activation="sigmoid")(pooled))
    model.compile(optimizer=nnet.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    clone = nnet.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("kwargs,message", [
    ({"num_heads": 0, "key_dim": 2}, "num_heads=0"),
    ({"num_heads": 2, "key_dim": "4"}, "key_dim='4'"),
    ({"num_heads": 2, "key_dim": 2, "sliding_window": -1}, "sliding_window=-1"),
    ({"num_heads": 2, "key_dim": 2, "attention_axes": "1"}, "attention_axes=1"),
    ({"num_heads": 2, "key_dim": 2, "flash_attention": True, "dropout": 0.1},
     "Dropout is not supported when flash attention"),
])
def test_bad_arguments_are_refused_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiHeadAttention(**kwargs)


def test_key_and_value_must_agree_on_their_sequence():
    with pytest.raises(ValueError, match="except the last one, must be equal"):
        MultiHeadAttention(2, 2)(np.ones((1, 3, 4)), np.ones((1, 5, 4)), np.ones((1, 4, 4)))
