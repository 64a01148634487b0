"""Embedding: the shared layer checks (Keras included), masks, LoRA and bad ids."""

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet import ops
from nnet.autodiff import backward
from nnet.layers import Embedding

IDS = np.array([[1, 4, 0, 4], [7, 2, 2, 0], [9, 0, 0, 0]])


def test_embedding_checks_against_keras():
    check_layer(Embedding, IDS.shape, {"input_dim": 10, "output_dim": 3}, input_data=IDS,
                keras_class="Embedding", expected_output_shape=(3, 4, 3),
                expected_num_trainable_weights=1)


def test_embedding_with_mask_zero_and_regularizer_against_keras():
    check_layer(Embedding, IDS.shape,
                {"input_dim": 10, "output_dim": 2, "mask_zero": True,
                 "embeddings_regularizer": "l2"},
                input_data=IDS, keras_class="Embedding")


def test_rows_are_looked_up_and_repeated_ids_add_their_gradients():
    layer = Embedding(10, 3)
    out = layer(IDS)
    np.testing.assert_array_equal(out.numpy(), layer.embeddings.numpy()[IDS])
    backward(ops.sum(out))
    counts = np.bincount(IDS.ravel(), minlength=10)[:, None]
    np.testing.assert_array_equal(layer.embeddings.grad, np.broadcast_to(counts, (10, 3)))


def test_mask_zero_gives_the_padding_mask_on_eager_and_symbolic_calls():
    layer = Embedding(10, 3, mask_zero=True)
    np.testing.assert_array_equal(layer(IDS)._keras_mask, IDS != 0)
    assert Embedding(10, 3)(IDS)._keras_mask is None
    inputs = nnet.Input(shape=(None,), dtype="int32")
    model = nnet.Model(inputs, nnet.layers.Embedding(10, 2, mask_zero=True)(inputs))
    np.testing.assert_array_equal(model(IDS)._keras_mask, IDS != 0)


def test_the_mask_reaches_the_next_layers_mask_argument():
    seen = []

    class Probe(nnet.layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen.append(mask)
            return inputs

    model = nnet.Sequential([nnet.Input(shape=(4,), dtype="int32"),
                             Embedding(10, 2, mask_zero=True), Probe()])
    model.predict(IDS, verbose=0)
    np.testing.assert_array_equal(seen[-1], IDS != 0)


def test_weights_argument_sets_the_table():
    table = np.arange(12, dtype="float32").reshape(4, 3)
    np.testing.assert_array_equal(Embedding(4, 3, weights=table)(np.array([3, 1])).numpy(),
                                  table[[3, 1]])


def test_lora_freezes_the_table_and_trains_the_update():
    layer = Embedding(10, 4, lora_rank=2)
    layer.build()
    assert [w.name for w in layer.trainable_weights] == ["lora_embeddings_a", "lora_embeddings_b"]
    np.testing.assert_allclose(layer(IDS).numpy(), layer.embeddings.numpy()[IDS])


def test_integer_ids_are_required_and_checked():
    layer = Embedding(5, 2, name="tokens")
    with pytest.raises(ValueError, match=r"tokens.*outside \[0, input_dim=5\).*\[-1, 7\]"):
        layer(np.array([[1, -1, 7]]))
    with pytest.raises(TypeError, match="integer token ids"):
        layer(np.array([[0.5, 1.0]]))
    np.testing.assert_array_equal(layer(np.array([[2.0, 1.0]])).numpy(),
                                  layer(np.array([[2, 1]])).numpy())
    with pytest.raises(ValueError, match="positive integer for output_dim.*output_dim=0"):
        Embedding(5, 0)


def test_an_embedding_model_learns_which_token_is_present():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, size=(256, 6))
    y = (x == 3).any(axis=1).astype("float32")
    model = nnet.Sequential([nnet.Input(shape=(6,), dtype="int32"), Embedding(20, 8),
                             nnet.layers.Flatten(), nnet.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=nnet.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] >= 0.95
