"""GroupedQueryAttention (keras.layers.GroupQueryAttention): check_layer against Keras, masks,
scores, .keras files both ways, and errors."""

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet.autodiff import Tensor
from nnet.layers import GroupedQueryAttention, GroupQueryAttention

MASK = np.ones((2, 3, 5), dtype=bool)
MASK[0, :, 3:] = False

CASES = [
    ("grouped", {"num_query_heads": 4, "num_key_value_heads": 2}, [(2, 3, 4), (2, 5, 4)], {}),
    ("multi_query_key", {"num_query_heads": 2, "num_key_value_heads": 1, "use_bias": False},
     [(2, 3, 4), (2, 5, 4), (2, 5, 3)], {"attention_mask": MASK}),
    ("causal_gate_window", {"num_query_heads": 2, "num_key_value_heads": 2, "use_gate": True,
                            "sliding_window": 3}, [(2, 5, 4), (2, 5, 4)],
     {"use_causal_mask": True}),
    ("causal_only", {"num_query_heads": 4, "num_key_value_heads": 1}, [(2, 5, 4), (2, 5, 4)],
     {"use_causal_mask": True}),
]


@pytest.mark.parametrize("name,kwargs,shapes,call_kwargs", CASES, ids=[c[0] for c in CASES])
def test_check_layer_against_keras(name, kwargs, shapes, call_kwargs):
    check_layer(GroupedQueryAttention, shapes, {"head_dim": 3, **kwargs}, inputs_as="args",
                call_kwargs=call_kwargs, keras_class="GroupQueryAttention",
                constant_weights=("key/bias",))


def test_scores_dropout_and_input_masks_match_keras():
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    kwargs = {"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2, "dropout": 0.4}
    layer, klayer = GroupQueryAttention(**kwargs), keras.layers.GroupQueryAttention(**kwargs)
    q, v = (rng.standard_normal(s).astype("float32") for s in ((2, 4, 5), (2, 6, 5)))
    layer(q, v)
    klayer.build(q.shape, v.shape)
    for w in layer.weights:
        w.assign(w.numpy() + 0.3 * rng.standard_normal(w.shape).astype("float32"))
    klayer.set_weights(layer.get_weights())
    value_mask = np.array([[1, 1, 0, 0, 1, 1], [1, 1, 1, 1, 1, 0]], dtype=bool)
    value = Tensor(v)
    value._keras_mask = value_mask
    kv = torch.tensor(v)
    kv._keras_mask = torch.tensor(value_mask)
    out, scores = layer(q, value, return_attention_scores=True, use_causal_mask=True)
    kout, kscores = klayer(q, kv, return_attention_scores=True, use_causal_mask=True)
    assert scores.shape == (2, 4, 4, 6)
    np.testing.assert_allclose(scores.numpy(), kscores.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), kout.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert value._keras_mask is value_mask


def test_keras_files_load_both_ways(tmp_path):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(1).standard_normal((2, 5, 4)).astype("float32")
    inputs = nnet.Input((5, 4))
    model = nnet.Model(inputs, GroupQueryAttention(3, 4, 2, use_gate=True)(inputs, inputs))
    assert model.get_config()["layers"][1]["class_name"] == "GroupQueryAttention"
    model.save(tmp_path / "nnet.keras")
    loaded = keras.saving.load_model(tmp_path / "nnet.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    kinputs = keras.Input((5, 4))
    kmodel = keras.Model(kinputs, keras.layers.GroupQueryAttention(3, 4, 1)(kinputs, kinputs))
    kmodel.save(tmp_path / "keras.keras")
    loaded = nnet.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), kmodel.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs,message", [
    ({"head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 2}, "must be divisible"),
    ({"head_dim": 0, "num_query_heads": 2, "num_key_value_heads": 2}, "head_dim=0"),
    ({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 2, "sliding_window": 0},
     "sliding_window=0"),
])
def test_bad_arguments_are_refused_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GroupedQueryAttention(**kwargs)
