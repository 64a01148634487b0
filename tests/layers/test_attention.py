"""Attention and AdditiveAttention: check_layer against Keras, masks from the inputs, causal
masks, scores, dropout and errors."""

import numpy as np
import pytest
from harness import check_layer

from nnet.autodiff import Tensor
from nnet.layers import AdditiveAttention, Attention

CASES = [
    (Attention, {}, [(2, 3, 4), (2, 5, 4)], {}),
    (Attention, {"use_scale": True}, [(2, 3, 4), (2, 5, 6), (2, 5, 4)], {}),
    (Attention, {"score_mode": "concat", "use_scale": True}, [(2, 3, 4), (2, 5, 4)],
     {"use_causal_mask": True}),
    (Attention, {"score_mode": "concat"}, [(2, 4, 4), (2, 4, 4)], {}),
    (AdditiveAttention, {}, [(2, 3, 4), (2, 5, 4)], {"use_causal_mask": True}),
    (AdditiveAttention, {"use_scale": False}, [(2, 3, 4), (2, 5, 2), (2, 5, 4)], {}),
]


@pytest.mark.parametrize("cls,kwargs,shapes,call_kwargs", CASES)
def test_check_layer_against_keras(cls, kwargs, shapes, call_kwargs):
    check_layer(cls, shapes, kwargs, inputs_as="list", call_kwargs=call_kwargs,
                keras_class=cls.__name__)


@pytest.mark.parametrize("cls", [Attention, AdditiveAttention])
def test_masks_scores_and_dropout_match_keras(cls):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    q, v = (rng.standard_normal(s).astype("float32") for s in ((2, 4, 3), (2, 6, 3)))
    layer, klayer = cls(dropout=0.3, seed=2), getattr(keras.layers, cls.__name__)(dropout=0.3)
    layer([q, v])
    klayer.build([q.shape, v.shape])
    klayer.set_weights([w + 0.5 for w in layer.get_weights()])
    layer.set_weights(klayer.get_weights())
    query_mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], dtype=bool)
    value_mask = np.array([[1, 1, 0, 0, 1, 1], [1, 1, 1, 1, 1, 0]], dtype=bool)
    query, value = Tensor(q), Tensor(v)
    query._keras_mask, value._keras_mask = query_mask, value_mask
    kq, kv = torch.tensor(q), torch.tensor(v)
    kq._keras_mask, kv._keras_mask = torch.tensor(query_mask), torch.tensor(value_mask)
    out, scores = layer([query, value], return_attention_scores=True, use_causal_mask=True)
    kout, kscores = klayer([kq, kv], return_attention_scores=True, use_causal_mask=True)
    np.testing.assert_allclose(scores.numpy(), kscores.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), kout.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out._keras_mask, query_mask)
    assert np.all(out.numpy()[0, 2] == 0)
    dropped = layer([q, v], training=True).numpy()
    assert not np.allclose(dropped, layer([q, v]).numpy())


@pytest.mark.parametrize("inputs,kwargs,message", [
    (np.ones((2, 3, 4)), {}, "must be called on a list of inputs"),
    ([np.ones((2, 3, 4))] * 4, {}, "accepts inputs list of length 2 or 3"),
    ([np.ones((2, 3, 4))] * 2, {"mask": np.ones((2, 3), bool)}, "mask must be a list"),
])
def test_bad_inputs_are_refused_clearly(inputs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Attention()(inputs, **kwargs)


def test_bad_score_mode_is_refused_clearly():
    with pytest.raises(ValueError, match="score_mode=cosine"):
        Attention(score_mode="cosine")
