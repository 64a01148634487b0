"""ConvLSTM1D/2D/3D and ConvLSTMCell: the shared layer checks with Keras 3 as oracle (same
weights in, same outputs; configs exchanged), masks, states, stateful calls, dropout, `.keras`
files in both directions, bad arguments, and a small model that learns to follow a moving dot."""

import re

import numpy as np
import pytest
from harness import check_layer

import nnet
from nnet import layers
from nnet.autodiff import check_grad
from nnet.layers.conv_lstm_cell import ConvLSTMCell

CASES = [
    ("ConvLSTM2D", (2, 3, 5, 4, 2), {"filters": 2, "kernel_size": 3, "return_sequences": True}),
    ("ConvLSTM2D", (2, 3, 5, 4, 2), {"filters": 2, "kernel_size": (2, 3), "padding": "same",
                                     "go_backwards": True}),
    ("ConvLSTM2D", (2, 3, 2, 5, 4), {"filters": 2, "kernel_size": 2, "strides": 2,
                                     "data_format": "channels_first",
                                     "return_sequences": True}),
    ("ConvLSTM2D", (1, 3, 6, 5, 1), {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                                     "use_bias": False, "activation": "relu"}),
    ("ConvLSTM1D", (2, 4, 7, 2), {"filters": 3, "kernel_size": 3, "strides": 2,
                                  "padding": "same", "return_sequences": True}),
    ("ConvLSTM1D", (2, 3, 6, 2), {"filters": 2, "kernel_size": 2, "unit_forget_bias": False,
                                  "recurrent_activation": "hard_sigmoid"}),
    ("ConvLSTM3D", (1, 2, 3, 4, 3, 2), {"filters": 2, "kernel_size": 2,
                                        "return_sequences": True}),
    ("ConvLSTM3D", (1, 2, 2, 3, 4, 3), {"filters": 2, "kernel_size": (1, 2, 2),
                                        "padding": "same", "data_format": "channels_first",
                                        "go_backwards": True}),
]
MASK = np.array([[True, False, True], [False, True, True]])


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("cls,shape,kwargs", CASES)
def test_layer_against_keras(cls, shape, kwargs):
    check_layer(getattr(layers, cls), shape, kwargs, keras_class=cls,
                expected_num_trainable_weights=3 - (kwargs.get("use_bias") is False))


@pytest.mark.parametrize("kwargs", [{"return_sequences": True}, {"go_backwards": True},
                                    {"return_sequences": True, "zero_output_for_mask": True}])
def test_masked_call_against_keras(kwargs):
    check_layer(layers.ConvLSTM2D, (2, 3, 4, 4, 2), {"filters": 2, "kernel_size": 3,
                                                     "padding": "same", **kwargs},
                keras_class="ConvLSTM2D", call_kwargs={"mask": MASK})


def _pair(keras, cls, shape, seed=0, **kwargs):
    """The same layer built in nnet and in Keras, with the same (perturbed) weights."""
    rng = np.random.default_rng(seed)
    ours, theirs = getattr(layers, cls)(**kwargs), getattr(keras.layers, cls)(**kwargs)
    ours.build(shape)
    theirs.build(shape)
    weights = [w + 0.3 * rng.standard_normal(w.shape).astype("float32")
               for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs, rng.standard_normal(shape).astype("float32")


def _numpy(outputs):
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [o.detach().cpu().numpy() if hasattr(o, "detach") else np.asarray(
        o.numpy() if hasattr(o, "numpy") else o) for o in outputs]


def _assert_close(ours, theirs):
    ours, theirs = _numpy(ours), _numpy(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,shape,kwargs", [
    ("ConvLSTM2D", (2, 3, 5, 4, 2), {"return_sequences": True}),
    ("ConvLSTM2D", (2, 3, 5, 4, 2), {"go_backwards": True, "padding": "same"}),
    ("ConvLSTM1D", (2, 3, 2, 6), {"data_format": "channels_first", "strides": 2}),
])
def test_return_state_and_initial_state_against_keras(keras, cls, shape, kwargs):
    ours, theirs, x = _pair(keras, cls, shape, filters=2, kernel_size=3, return_state=True,
                            **kwargs)
    out = ours(x)
    _assert_close(out, theirs(x))
    assert ours.compute_output_shape(shape) == [tuple(o.shape) for o in out]
    assert [tuple(s) for s in theirs.compute_output_shape(shape)] == \
        [tuple(o.shape) for o in out]
    h, c = out[1].numpy(), out[2].numpy()
    _assert_close(ours(x, initial_state=[h, c]), theirs(x, initial_state=[h, c]))


def test_bidirectional_against_keras(keras):
    shape = (2, 3, 5, 5, 2)
    ours = layers.Bidirectional(layers.ConvLSTM2D(2, 3, return_sequences=True))
    theirs = keras.layers.Bidirectional(keras.layers.ConvLSTM2D(2, 3, return_sequences=True))
    ours.build(shape)
    theirs.build(shape)
    theirs.set_weights(ours.get_weights())
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    _assert_close(ours(x, mask=MASK), theirs(x, mask=MASK))


def test_stateful_and_reset_states_against_keras(keras):
    shape = (2, 3, 4, 4, 1)
    ours, theirs, x = _pair(keras, "ConvLSTM2D", shape, filters=2, kernel_size=3,
                            padding="same", stateful=True)
    first = ours(x).numpy()
    _assert_close(first, theirs(x))
    second = ours(x).numpy()
    _assert_close(second, theirs(x))
    assert not np.allclose(first, second)
    ours.reset_states()
    theirs.reset_states()
    np.testing.assert_allclose(ours(x).numpy(), first, rtol=1e-6)
    theirs(x)
    _assert_close(ours.states, theirs.states)


def test_functional_model_with_unknown_time_and_batch():
    inputs = nnet.Input((None, 6, 6, 1))
    outputs = layers.ConvLSTM2D(3, 3, return_sequences=True)(inputs)
    assert tuple(outputs.shape) == (None, None, 4, 4, 3)
    model = nnet.Model(inputs, outputs)
    assert model.predict(np.ones((2, 5, 6, 6, 1)), verbose=0).shape == (2, 5, 4, 4, 3)


def test_weight_names_and_shapes_match_keras(keras):
    model = nnet.Sequential([nnet.Input((3, 6, 6, 2)), layers.ConvLSTM2D(3, 3)], name="seq")
    kmodel = keras.Sequential([keras.Input((3, 6, 6, 2)), keras.layers.ConvLSTM2D(3, 3)],
                              name="seq")
    for ours, theirs in zip(model.weights, kmodel.weights, strict=True):
        # The layer's automatic name counts the layers made so far in each library.
        assert re.sub(r"_\d+/", "/", theirs.path) == re.sub(r"_\d+/", "/", ours.path)
        assert ours.shape == tuple(theirs.shape)
    bias = model.layers[0].cell.bias.numpy()
    np.testing.assert_array_equal(bias, np.repeat([0.0, 1.0, 0.0, 0.0], 3))


@pytest.mark.parametrize("rates", [{"dropout": 0.5}, {"recurrent_dropout": 0.5},
                                   {"dropout": 0.3, "recurrent_dropout": 0.3}])
def test_dropout_acts_in_training_only(rates):
    shape = (2, 3, 5, 5, 2)
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    layer = layers.ConvLSTM2D(2, 3, padding="same", seed=1, **rates)
    plain = layers.ConvLSTM2D(2, 3, padding="same")
    plain.build(shape)
    layer.build(shape)
    plain.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x, training=False).numpy(), plain(x).numpy())
    dropped = layer(x, training=True).numpy()
    assert not np.allclose(dropped, plain(x).numpy())
    assert not np.allclose(dropped, layer(x, training=True).numpy())  # new masks each call


@pytest.mark.parametrize("rates", [{}, {"dropout": 0.4, "recurrent_dropout": 0.4}])
def test_float64_gradients_of_inputs_and_weights(rates):
    """Central differences in float64, in training mode; with dropout, every evaluation starts
    the seed generator from the same state, so that it draws the same per-gate masks."""
    shape = (2, 3, 4, 4, 2)
    layer = layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True, seed=3,
                              dtype="float64", **rates)
    layer.build(shape)
    cell = layer.cell
    names = ["kernel", "recurrent_kernel", "bias"]
    generator = cell.seed_generator.generator.bit_generator
    start = generator.state
    rng = np.random.default_rng(0)

    def fn(x, *weights):
        generator.state = start
        originals = [getattr(cell, n) for n in names]
        for name, value in zip(names, weights):
            object.__setattr__(cell, name, value)
        try:
            return layer(x, training=True)
        finally:
            for name, value in zip(names, originals):
                object.__setattr__(cell, name, value)

    weights = [getattr(cell, n).numpy() + 0.5 * rng.standard_normal(getattr(cell, n).shape)
               for n in names]
    check_grad(fn, rng.standard_normal(shape), *weights)


def test_dropout_masks_are_per_gate_and_fixed_over_time():
    cell = ConvLSTMCell(2, 2, 3, dropout=0.5, recurrent_dropout=0.5, seed=0)
    step = nnet.ops.ones((2, 4, 4, 1))
    masks = cell.get_dropout_mask(step)
    assert len(masks) == 4 and all(m.shape == (2, 4, 4, 1) for m in masks)
    assert not all(np.array_equal(masks[0].numpy(), m.numpy()) for m in masks[1:])
    assert cell.get_dropout_mask(step) is masks
    assert len(cell.get_recurrent_dropout_mask(nnet.ops.ones((2, 4, 4, 2)))) == 4


def test_rnn_of_conv_lstm_cell_equals_the_layer():
    shape = (2, 3, 5, 5, 2)
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    layer = layers.ConvLSTM2D(2, 3, return_sequences=True)
    rnn = layers.RNN(ConvLSTMCell(2, 2, 3), return_sequences=True)
    expected = layer(x).numpy()
    rnn.build(shape)
    rnn.set_weights(layer.get_weights())
    np.testing.assert_allclose(rnn(x).numpy(), expected, rtol=1e-6, atol=1e-7)
    clone = layers.RNN.from_config(rnn.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), expected, rtol=1e-6, atol=1e-7)
    # One step of the cell, called directly, is the first step of the sequence.
    h, _ = rnn.cell(x[:, 0], rnn.cell.get_initial_state(2))
    np.testing.assert_allclose(h.numpy(), expected[:, 0], rtol=1e-6, atol=1e-7)


def _moving_dot_model(lib):
    inputs = lib.Input((4, 6, 6, 1))
    h = lib.layers.ConvLSTM2D(4, 3, padding="same", name="conv_lstm")(inputs)
    outputs = lib.layers.Conv2D(1, 1, activation="sigmoid", name="next_frame")(h)
    return lib.Model(inputs, outputs)


def _moving_dots(n, seed=0):
    """Frames of a dot moving one pixel right per step; the target is the next frame."""
    rng = np.random.default_rng(seed)
    frames = np.zeros((n, 5, 6, 6, 1), dtype="float32")
    rows, cols = rng.integers(0, 6, n), rng.integers(0, 2, n)
    for t in range(5):
        frames[np.arange(n), t, rows, cols + t, 0] = 1.0
    return frames[:, :4], frames[:, 4]


def test_keras_file_loads_in_nnet_and_back(tmp_path, keras):
    x, y = _moving_dots(8)
    kmodel = _moving_dot_model(keras)
    kmodel.compile(optimizer="adam", loss="binary_crossentropy")
    kmodel.fit(x, y, epochs=1, verbose=0)
    kmodel.save(tmp_path / "keras.keras")
    loaded = nnet.models.load_model(tmp_path / "keras.keras")
    assert loaded.layers[1].get_config()["filters"] == 4
    np.testing.assert_allclose(loaded.predict(x, verbose=0), kmodel.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    model = _moving_dot_model(nnet)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "nnet.keras")
    kloaded = keras.saving.load_model(tmp_path / "nnet.keras")
    np.testing.assert_allclose(kloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_learns_to_follow_a_moving_dot():
    nnet.utils.set_random_seed(0)
    x, y = _moving_dots(64)
    model = _moving_dot_model(nnet)
    model.compile(optimizer=nnet.optimizers.Adam(0.02), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=60, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    x_test, y_test = _moving_dots(16, seed=1)
    predicted = model.predict(x_test, verbose=0).reshape(16, -1).argmax(axis=1)
    assert (predicted == y_test.reshape(16, -1).argmax(axis=1)).mean() >= 0.9


@pytest.mark.parametrize("kwargs,match", [
    ({"filters": 0, "kernel_size": 3}, "filters=0"),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate"),
    ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding='causal'"),
    ({"filters": 2, "kernel_size": (3, 3, 3)}, "kernel_size"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.ConvLSTM2D(**kwargs)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="rank"):
        ConvLSTMCell(4, 2, 3)
    with pytest.raises(ValueError, match="ndim|rank"):
        layers.ConvLSTM2D(2, 3)(np.ones((2, 3, 5, 5)))
    with pytest.raises(ValueError, match="empty"):
        layers.ConvLSTM2D(2, 5)(np.ones((2, 3, 4, 4, 1)))
    with pytest.raises(ValueError, match="static"):
        layers.ConvLSTM2D(2, 3)(nnet.Input((3, None, 5, 1)))
