"""Bad arguments and bad data get a clear error naming the argument and the value, before any
training: never a wrong answer (dropped samples, a loss of 0.0 from no work, an inf loss) and never
a raw Python or NumPy error."""

import warnings

import numpy as np
import pytest

import nnet

X = np.random.default_rng(0).random((64, 3)).astype("float32")
Y = (np.random.default_rng(1).random((64, 1)) > 0.5).astype("float32")


def _binary_model():
    nnet.utils.set_random_seed(0)
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    return model


def _weights(model):
    return [w.numpy().copy() for w in model.weights]


@pytest.mark.parametrize("call, message", [
    (lambda m: m.predict(X, batch_size=-1, verbose=0), r"batch_size\. Received: batch_size=-1"),
    (lambda m: m.evaluate(X, Y, batch_size=-1, verbose=0), "batch_size=-1"),
    (lambda m: m.fit(X, Y, steps_per_epoch=-1, verbose=0), "steps_per_epoch=-1"),
    (lambda m: m.evaluate(X, Y, steps=-1, verbose=0), r"steps\. Received: steps=-1"),
    (lambda m: m.predict(X, steps=0, verbose=0), "steps=0"),
    (lambda m: m.fit(X, Y, steps_per_epoch=2.0, verbose=0), "steps_per_epoch=2.0"),
    (lambda m: m.fit(X, Y, batch_size=8.0, verbose=0), "batch_size=8.0"),
    (lambda m: m.fit(X, Y, validation_split=0.2, validation_steps=0, verbose=0),
     "validation_steps=0"),
    (lambda m: m.fit(X, Y, validation_split=0.2, validation_freq=0, verbose=0),
     "validation_freq=0"),
    (lambda m: m.fit(X, Y, validation_split=0.2, validation_freq="1", verbose=0),
     "validation_freq='1'"),
    (lambda m: m.fit(None, None, verbose=0), "No data was given: x=None"),
    (lambda m: m.fit({}, Y, verbose=0), r"x is empty: x=\{\}"),
    (lambda m: m.fit([[1, 2, 3], [1, 2]], [1, 0], verbose=0), r"ragged list.*\[2, 3\]"),
    (lambda m: m.fit(np.zeros((0, 3)), np.zeros((0, 1)), verbose=0), "no samples"),
    (lambda m: m.fit((b for b in []), verbose=0), "x yielded no batches"),
    (lambda m: m.fit(np.full((4, 3), 1e300), np.ones((4, 1)), verbose=0),
     r"x holds values up to 1e\+300.*float32"),
    (lambda m: m.fit(X, Y * 3, verbose=0), r"labels in \[0, 1\].*y holds 3"),
    (lambda m: m.fit(X, 2 * Y - 1, verbose=0), r"labels in \[0, 1\].*y holds -1"),
    (lambda m: m.fit(X, verbose=0), "compiled with a loss, which needs targets.*Pass y"),
])
def test_bad_arguments_raise_before_any_training(call, message):
    model = _binary_model()
    before = _weights(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=message):
            call(model)
    for old, new in zip(before, _weights(model)):
        np.testing.assert_array_equal(old, new)


def test_an_empty_pydataset_is_refused():
    class Empty(nnet.utils.PyDataset):
        def __len__(self):
            return 0

        def __getitem__(self, index):
            raise IndexError(index)

    with pytest.raises(ValueError, match="yielded no batches"):
        _binary_model().fit(Empty(), verbose=0)


@pytest.mark.parametrize("validation_data, message", [
    ((np.ones((4, 5)), np.ones((4, 1))), "Invalid validation data: .*expected axis -1"),
    ((np.ones((4, 3)), np.ones((4, 7))), "Invalid validation data: .*y_true.shape=\\(4, 7\\)"),
    ((np.ones((4, 3)), np.full((4, 1), 2.0)), r"Invalid validation data: .*labels in \[0, 1\]"),
])
def test_bad_validation_data_is_refused_before_the_first_epoch(validation_data, message):
    model = _binary_model()
    before = _weights(model)
    epochs = []
    callback = nnet.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: epochs.append(e))
    with pytest.raises(ValueError, match=message):
        model.fit(X, Y, validation_data=validation_data, callbacks=[callback], verbose=0)
    assert epochs == []
    for old, new in zip(before, _weights(model)):
        np.testing.assert_array_equal(old, new)


def test_evaluate_refuses_the_labels_that_fit_refuses():
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    for labels in (np.full(64, 1.5), np.full(64, 3)):
        with pytest.raises(ValueError, match="sparse_categorical_crossentropy|outside"):
            model.fit(X, labels, verbose=0)
        with pytest.raises(ValueError, match="sparse_categorical_crossentropy|outside"):
            model.evaluate(X, labels, verbose=0)


def test_layers_refuse_a_dtype_that_is_not_numeric():
    with pytest.raises(ValueError, match="numeric dtype.*dtype='object'"):
        nnet.layers.Dense(2, dtype="object")
    with pytest.raises(ValueError, match="numeric dtype.*dtype='complex64'"):
        nnet.layers.Dense(2, dtype="complex64")


def test_float64_data_within_float32_range_still_trains():
    model = _binary_model()
    history = model.fit(X.astype("float64") * 10, Y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
