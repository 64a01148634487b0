"""SimpleRNN, LSTM, GRU, their cells, RNN(cell), StackedRNNCells: the shared layer checks with
Keras as oracle (configs and weights exchanged give equal outputs), masks, states, dropout."""

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet import layers

X_SHAPE = (2, 4, 3)
MASK = np.array([[True, True, True, False], [True, False, True, True]])


@pytest.mark.parametrize("cls,kwargs", [
    ("SimpleRNN", {"units": 3}),
    ("SimpleRNN", {"units": 2, "activation": "relu", "return_sequences": True,
                   "go_backwards": True}),
    ("LSTM", {"units": 3, "return_sequences": True}),
    ("LSTM", {"units": 2, "use_bias": False, "unit_forget_bias": False, "go_backwards": True}),
    ("GRU", {"units": 3}),
    ("GRU", {"units": 3, "reset_after": False, "return_sequences": True}),
    ("LSTM", {"units": 3, "activation": "gelu", "return_sequences": True}),
])
def test_layer_against_keras(cls, kwargs):
    check_layer(getattr(layers, cls), X_SHAPE, kwargs, keras_class=cls,
                expected_num_trainable_weights=3 - (kwargs.get("use_bias") is False))


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_masked_call_against_keras(cls):
    kwargs = {"units": 3, "return_sequences": True}
    check_layer(getattr(layers, cls), X_SHAPE, kwargs, keras_class=cls,
                call_kwargs={"mask": MASK})
    check_layer(getattr(layers, cls), X_SHAPE, {"units": 2, "go_backwards": True},
                keras_class=cls, call_kwargs={"mask": MASK})


def _cells(cell_classes, dtype=None):
    return [getattr(layers, c)(2, dtype=dtype) for c in cell_classes]


@pytest.mark.parametrize("cells", [["LSTMCell"], ["GRUCell", "SimpleRNNCell"]])
def test_rnn_of_cells_against_keras(cells):
    keras = pytest.importorskip("keras")

    def factory(dtype=None, **kwargs):
        inner = _cells(cells, dtype)
        return layers.RNN(inner[0] if len(inner) == 1 else inner, dtype=dtype,
                          return_sequences=True, **kwargs)

    layer = check_layer(factory, X_SHAPE, call_kwargs={"mask": MASK})
    kcells = [getattr(keras.layers, c)(2) for c in cells]
    klayer = keras.layers.RNN(kcells[0] if len(kcells) == 1 else kcells, return_sequences=True)
    klayer.build(X_SHAPE)
    klayer.set_weights(layer.get_weights())
    x = np.random.default_rng(0).standard_normal(X_SHAPE).astype("float32")
    np.testing.assert_allclose(layer(x, mask=MASK).numpy(),
                               klayer(x, mask=MASK).detach().numpy(), rtol=1e-5, atol=1e-6)
    config, kconfig = _without_names(layer.get_config()), _without_names(klayer.get_config())
    assert config == kconfig
    assert _without_names(type(klayer).from_config(layer.get_config()).get_config()) == config
    assert _without_names(layers.RNN.from_config(klayer.get_config()).get_config()) == config


def _without_names(config):
    """The config's JSON form without the auto-generated names, at every depth."""
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_without_names(v) for v in config]
    return config


def test_user_cell_runs_step_by_step_with_masks():
    class MinimalCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units))

        def call(self, inputs, states):
            output = nnet.ops.matmul(inputs, self.kernel) + states[0]
            return output, [output]

    layer = layers.RNN(MinimalCell(2), return_sequences=True, return_state=True)
    x = np.random.default_rng(1).standard_normal(X_SHAPE).astype("float32")
    outputs, state = layer(x, mask=MASK)
    projected = x @ layer.cell.kernel.numpy()
    kept = np.cumsum(projected * MASK[:, :, None], axis=1)
    expected = np.where(np.cumsum(MASK, axis=1)[:, :, None] > 0, kept, 0)
    np.testing.assert_allclose(outputs.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state.numpy(), kept[:, -1], rtol=1e-5, atol=1e-6)


def test_return_state_initial_state_and_mask_propagation():
    inputs = nnet.Input((4, 3))
    mask = nnet.Input((4,), dtype="bool")
    sequence, h, c = layers.LSTM(3, return_sequences=True, return_state=True)(inputs)
    rest = layers.GRU(3, return_sequences=True)(sequence, initial_state=[h])
    model = nnet.Model([inputs, mask], [rest, c])
    x = np.random.default_rng(2).standard_normal(X_SHAPE).astype("float32")
    out, state = model([x, MASK])
    assert out.shape == (2, 4, 3) and state.shape == (2, 3)
    layer = layers.LSTM(3, return_sequences=True)
    y = layer(nnet.ops.convert_to_tensor(x), mask=MASK)
    assert np.array_equal(np.asarray(y._keras_mask), MASK)
    last = layers.LSTM(3)(nnet.ops.convert_to_tensor(x), mask=MASK)
    assert last._keras_mask is None


def test_stateful_carries_states_until_reset():
    x = np.random.default_rng(3).standard_normal(X_SHAPE).astype("float32")
    layer = layers.GRU(3, stateful=True)
    whole = layers.GRU(3)
    first = layer(x[:, :2])
    whole.build(X_SHAPE)
    whole.set_weights(layer.get_weights())
    second = layer(x[:, 2:])
    np.testing.assert_allclose(second.numpy(), whole(x).numpy(), rtol=1e-5, atol=1e-6)
    assert len(layer.weights) == 3
    layer.reset_states()
    np.testing.assert_allclose(layer(x[:, :2]).numpy(), first.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="batch size"):
        layer(x[:1])


def test_dropout_masks_are_drawn_once_per_sequence():
    x = np.ones((2, 6, 3), "float32")
    cell = layers.SimpleRNNCell(3, dropout=0.5, seed=1, kernel_initializer="ones",
                                recurrent_initializer="zeros", activation="linear")
    layer = layers.RNN(cell, return_sequences=True)
    out = layer(x, training=True).numpy()
    # The same inputs at every step and no recurrence: one mask gives equal outputs per step.
    np.testing.assert_allclose(out, np.broadcast_to(out[:, :1], out.shape))
    assert cell._dropout_mask is None
    np.testing.assert_allclose(layer(x, training=False).numpy(), np.full((2, 6, 3), 3.0))


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_recurrent_dropout_and_unroll(cls):
    x = np.random.default_rng(4).standard_normal(X_SHAPE).astype("float32")
    layer = getattr(layers, cls)(3, dropout=0.3, recurrent_dropout=0.3, seed=2)
    inference = layer(x).numpy()
    unrolled = getattr(layers, cls)(3, unroll=True)
    unrolled.build(X_SHAPE)
    unrolled.set_weights(layer.get_weights())
    np.testing.assert_allclose(unrolled(x).numpy(), inference, rtol=1e-6)
    trained = nnet.Tensor(x, requires_grad=True)
    out = layer(trained, training=True)
    assert not np.allclose(out.numpy(), inference)
    nnet.backward(nnet.ops.sum(out))
    assert all(np.isfinite(w.grad).all() for w in layer.trainable_weights)


def test_zero_output_for_mask():
    x = np.random.default_rng(5).standard_normal(X_SHAPE).astype("float32")
    layer = layers.LSTM(3, return_sequences=True, zero_output_for_mask=True)
    out = layer(x, mask=MASK).numpy()
    assert np.all(out[~MASK] == 0) and np.all(out[MASK] != 0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="units=0"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="use_cudnn='yes'"):
        layers.GRU(2, use_cudnn="yes")
    with pytest.raises(ValueError, match="cell="):
        layers.RNN(object())
    with pytest.raises(ValueError, match="batch size must be static"):
        layers.LSTM(2, stateful=True).build((None, 4, 3))


def test_stateful_stacked_cells():
    x = np.random.default_rng(6).standard_normal(X_SHAPE).astype("float32")
    layer = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], stateful=True)
    whole = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)])
    layer(x[:, :1])
    whole.build(X_SHAPE)
    whole.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x[:, 1:]).numpy(), whole(x).numpy(), rtol=1e-5, atol=1e-6)
    assert len(layer.states) == 3


def _sequence_model(lib, mask_zero):
    inputs = lib.Input((6,), dtype="int32")
    h = lib.layers.Embedding(20, 4, mask_zero=mask_zero)(inputs)
    h = lib.layers.Bidirectional(lib.layers.LSTM(3, return_sequences=True))(h)
    h = lib.layers.GRU(3, return_sequences=True)(h)
    return lib.Model(inputs, lib.layers.TimeDistributed(lib.layers.Dense(2))(h))


def test_keras_files_exchanged_with_keras(tmp_path):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(7).integers(1, 20, size=(3, 6))
    x[0, 4:] = 0
    ours = _sequence_model(nnet, mask_zero=True)
    ours.save(tmp_path / "nnet.keras")
    loaded = keras.saving.load_model(tmp_path / "nnet.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    theirs = _sequence_model(keras, mask_zero=False)
    theirs.save(tmp_path / "keras.keras")
    np.testing.assert_allclose(nnet.saving.load_model(tmp_path / "keras.keras").predict(
        x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
