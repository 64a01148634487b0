"""ReversibleEmbedding: check_layer against Keras, the reverse projection (tied and untied)
against Keras and float64 numerical gradients, and a functional model."""

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet.autodiff import check_grad
from nnet.layers import ReversibleEmbedding

IDS = np.array([[1, 0, 5, 7], [3, 3, 0, 2]])


@pytest.mark.parametrize("kwargs", [{}, {"tie_weights": False, "mask_zero": True},
                                    {"logit_soft_cap": 2.0, "lora_rank": 2}])
def test_check_layer_against_keras(kwargs):
    check_layer(ReversibleEmbedding, IDS.shape, {"input_dim": 8, "output_dim": 3, **kwargs},
                input_data=IDS, keras_class="ReversibleEmbedding",
                constant_weights=("reverse_embeddings",))


@pytest.mark.parametrize("kwargs", [{}, {"tie_weights": False}, {"logit_soft_cap": 0.5},
                                    {"lora_rank": 2}, {"reverse_dtype": "float64"}])
def test_reverse_projection_matches_keras(kwargs):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    layer = ReversibleEmbedding(8, 3, **kwargs)
    klayer = keras.layers.ReversibleEmbedding(8, 3, **kwargs)
    hidden = layer(IDS)
    klayer.build(IDS.shape)
    for w in layer.weights:
        w.assign(w.numpy() + rng.standard_normal(w.shape).astype("float32"))
    klayer.set_weights(layer.get_weights())
    logits = layer(hidden, reverse=True)
    expected = klayer(hidden.numpy(), reverse=True).detach().numpy()
    assert logits.shape == (2, 4, 8) == layer.compute_output_shape((2, 4, 3), reverse=True)
    np.testing.assert_allclose(logits.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_reverse_projection_float64_gradients(tie_weights):
    layer = ReversibleEmbedding(6, 3, tie_weights=tie_weights, logit_soft_cap=1.5,
                                dtype="float64")
    layer.build()
    name = "embeddings" if tie_weights else "reverse_embeddings"
    table = getattr(layer, name).numpy()

    def logits(hidden, weight):
        original = getattr(layer, name)
        object.__setattr__(layer, name, weight)
        try:
            return layer(hidden, reverse=True)
        finally:
            object.__setattr__(layer, name, original)

    check_grad(logits, np.random.default_rng(1).standard_normal((2, 4, 3)), table)


def test_tied_language_model_head_in_a_functional_model():
    inputs = nnet.Input((4,), dtype="int32")
    embedding = ReversibleEmbedding(8, 3, mask_zero=True)
    hidden = embedding(inputs)
    logits = embedding(hidden, reverse=True)
    assert logits.shape == (None, 4, 8)
    model = nnet.Model(inputs, logits)
    assert len(model.weights) == 1
    out = model(IDS)
    np.testing.assert_allclose(out.numpy(), embedding(IDS).numpy() @ embedding.embeddings.numpy().T,
                               rtol=1e-6)
