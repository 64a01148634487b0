"""The trainer against Keras 3 (torch backend): same weights and data in, same steps and logs."""

import os
import re
import warnings

import numpy as np
import pytest

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import nnet  # noqa: E402

RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
           "generator can generate at least `steps_per_epoch * epochs` batches. You may need to "
           "use the `.repeat()` function when building your dataset.")


def _subclassed(lib):
    class OneDense(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(3, use_bias=False, kernel_initializer="ones")

        def call(self, inputs):
            return self.dense(inputs)

    return OneDense()


def _sequential_without_input(lib):
    return lib.Sequential([lib.layers.Dense(3, use_bias=False, kernel_initializer="ones")])


def _builds_its_own_weight(lib):
    class OwnWeight(lib.Model):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 3), initializer="ones")

        def call(self, inputs):
            return lib.ops.matmul(inputs, self.kernel)

    return OwnWeight()


UNBUILT_MODELS = [_subclassed, _sequential_without_input, _builds_its_own_weight]


@pytest.mark.parametrize("make", UNBUILT_MODELS, ids=lambda make: make.__name__)
def test_first_train_on_batch_of_an_unbuilt_model_trains_as_in_keras(make):
    x, y = np.ones((100, 4), "float32"), np.zeros((100, 3), "float32")
    results = {}
    for lib in (nnet, keras):
        model = make(lib)
        model.compile(optimizer=lib.optimizers.SGD(), loss="mse")
        losses = [model.train_on_batch(x, y), model.train_on_batch(x, y)]
        results[lib.__name__] = losses, model.get_weights()[0]
    (ours, our_kernel), (theirs, their_kernel) = results["nnet"], results["keras"]
    np.testing.assert_allclose(theirs, [16.0, 15.158], rtol=1e-4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(our_kernel, their_kernel, rtol=1e-6)


def _endless(x, y, batch_size):
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]


@pytest.mark.parametrize("source", ["arrays", "generator"])
@pytest.mark.parametrize("make", UNBUILT_MODELS, ids=lambda make: make.__name__)
def test_first_fit_step_of_an_unbuilt_model_trains_as_in_keras(make, source):
    x, y = np.ones((100, 4), "float32"), np.zeros((100, 3), "float32")
    results = {}
    for lib in (nnet, keras):
        model = make(lib)
        model.compile(optimizer=lib.optimizers.Adam(0.1), loss="mse")
        if source == "arrays":
            history = model.fit(x, y, batch_size=50, epochs=2, shuffle=False, verbose=0)
        else:
            history = model.fit(_endless(x, y, 50), steps_per_epoch=2, epochs=2, verbose=0)
        results[lib.__name__] = history.history["loss"], model.get_weights()[0]
    (ours, our_kernel), (theirs, their_kernel) = results["nnet"], results["keras"]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    np.testing.assert_allclose(our_kernel, their_kernel, rtol=1e-5)


class _StepRecorder:
    """A callback class per library that records each epoch's train and test batch indices."""

    @staticmethod
    def make(lib):
        class Recorder(lib.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.epochs = []

            def on_epoch_begin(self, epoch, logs=None):
                self.epochs.append([])

            def on_train_batch_end(self, batch, logs=None):
                self.epochs[-1].append(batch)

            def on_test_batch_end(self, batch, logs=None):
                self.epochs[-1].append(("test", batch))

        return Recorder()


def _regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 2)).astype("float32")
    y = (x @ np.array([[1.5], [-2.0]], "float32") + 0.5).astype("float32")
    return x, y


def _fit_both(**fit_kwargs):
    """fit a one-Dense model from the same weights in nnet and Keras; returns for each the
    history, the recorded batch indices and the messages of the warnings raised."""
    x, y = _regression_data()
    start = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).get_weights()
    runs = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse")
        recorder = _StepRecorder.make(lib)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = model.fit(x, y, batch_size=2, shuffle=False, verbose=0,
                                callbacks=[recorder], **fit_kwargs)
        messages = [str(w.message) for w in caught if "ran out of data" in str(w.message)]
        runs[lib.__name__] = history, recorder.epochs, messages
    return runs["nnet"], runs["keras"]


@pytest.mark.parametrize("steps_per_epoch", [7, 3, 5, 10])
def test_steps_per_epoch_past_the_data_ends_the_epoch_with_keras_warning(steps_per_epoch):
    # 10 samples in batches of 2 are 5 batches: an epoch stops where the data runs out.
    ours, theirs = _fit_both(epochs=3, steps_per_epoch=steps_per_epoch)
    assert ours[1] == theirs[1]
    assert ours[2] == theirs[2]
    assert set(theirs[2]) <= {RAN_OUT}
    assert ours[0].params == theirs[0].params
    np.testing.assert_allclose(ours[0].history["loss"], theirs[0].history["loss"], rtol=1e-5)


@pytest.mark.parametrize("validation_steps", [3, 7])
def test_validation_steps_restart_the_validation_data_each_epoch_as_keras(validation_steps):
    ours, theirs = _fit_both(epochs=3, validation_data=_regression_data(),
                             validation_steps=validation_steps, validation_batch_size=2)
    assert ours[1] == theirs[1]
    assert ours[2] == theirs[2]
    for key in theirs[0].history:
        np.testing.assert_allclose(ours[0].history[key], theirs[0].history[key], rtol=1e-5,
                                   err_msg=key)


def test_evaluate_and_predict_steps_past_the_data_stop_as_keras():
    x, y = _regression_data()
    start = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer="sgd", loss="mse")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = model.evaluate(x, y, batch_size=2, steps=7, verbose=0)
            predictions = model.predict(x, batch_size=2, steps=7, verbose=0)
        messages = [str(w.message) for w in caught if "ran out of data" in str(w.message)]
        results[lib.__name__] = loss, predictions, messages
    (our_loss, ours, our_messages), (their_loss, theirs, their_messages) = (
        results["nnet"], results["keras"])
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-6)
    assert ours.shape == theirs.shape == (10, 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert our_messages == their_messages


def _shown_metrics(text):
    """The ``name: value`` pairs a progress bar printed, in order."""
    return re.findall(r" - (\w+): ([-\d.e+]+)", text)


def _f1_model(lib, start):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(3, activation="sigmoid")])
    model.set_weights(start)
    model.compile(optimizer=lib.optimizers.SGD(0.5), loss="binary_crossentropy",
                  metrics=[lib.metrics.F1Score(threshold=0.5), lib.metrics.Precision(
                      thresholds=[0.3, 0.6])])
    return model


def test_vector_valued_metrics_log_and_display_as_keras(capsys):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = (x > 0).astype("float32")
    start = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        model = _f1_model(lib, start)
        history = model.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=1)
        fit_text = capsys.readouterr().out
        listed = model.evaluate(x, y, verbose=1)
        evaluate_text = capsys.readouterr().out
        named = model.evaluate(x, y, verbose=0, return_dict=True)
        on_batch = model.train_on_batch(x, y, return_dict=True)
        results[lib.__name__] = (history.history, _shown_metrics(fit_text), listed,
                                 _shown_metrics(evaluate_text), named, on_batch)
    ours, theirs = results["nnet"], results["keras"]
    assert ours[1] == theirs[1] and ours[3] == theirs[3]
    for our_logs, their_logs in ((ours[0], theirs[0]), (ours[4], theirs[4]),
                                 (ours[5], theirs[5])):
        assert sorted(our_logs) == sorted(their_logs)
        for key in their_logs:
            np.testing.assert_allclose(np.asarray(our_logs[key], "float64"),
                                       np.asarray(their_logs[key], "float64"), rtol=1e-5)
            assert np.shape(our_logs[key]) == np.shape(their_logs[key]), key
    assert [np.shape(v) for v in ours[2]] == [np.shape(v) for v in theirs[2]] == [(), (3,), (2,)]
    for our_value, their_value in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(our_value, their_value, rtol=1e-5)


CROSSENTROPY_CASES = {
    "binary": (1, "sigmoid", lambda rng: (rng.uniform(size=(8, 1)) > 0.5).astype("float32")),
    "categorical": (3, "softmax",
                    lambda rng: np.eye(3, dtype="float32")[rng.integers(0, 3, 8)]),
    "sparse_rank_1": (3, "softmax", lambda rng: rng.integers(0, 3, 8)),
    "sparse_trailing_1": (3, "softmax",
                          lambda rng: rng.integers(0, 3, (8, 1)).astype("float32")),
}


@pytest.mark.parametrize("identifier", ["crossentropy", "CE"])
@pytest.mark.parametrize("case", sorted(CROSSENTROPY_CASES))
def test_crossentropy_loss_resolves_by_shapes_as_keras(case, identifier):
    units, activation, make_y = CROSSENTROPY_CASES[case]
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(8, 3)).astype("float32"), make_y(rng)
    start = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(units,
                                                                  activation=activation)])
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss=identifier)
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results[lib.__name__] = history.history["loss"] + [model.evaluate(x, y, verbose=0)]
    np.testing.assert_allclose(results["nnet"], results["keras"], rtol=1e-5)


class _HookRecorder:
    """A callback class per library that records the batch hooks fit and evaluate call."""

    @staticmethod
    def make(lib):
        class Recorder(lib.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.calls = []

            def on_train_batch_begin(self, batch, logs=None):
                self.calls.append(("begin", batch))

            def on_train_batch_end(self, batch, logs=None):
                self.calls.append(("end", batch))

            def on_test_batch_begin(self, batch, logs=None):
                self.calls.append(("test_begin", batch))

            def on_test_batch_end(self, batch, logs=None):
                self.calls.append(("test_end", batch))

        return Recorder()


@pytest.mark.parametrize("steps_per_execution", [1, 2, 3, 5, 7])
def test_steps_per_execution_calls_batch_hooks_once_per_execution_as_keras(steps_per_execution):
    # Keras's torch backend refuses steps_per_execution > 1; its EpochIterator, shared by every
    # backend, says which (first step, last step) each execution reports to the hooks.
    from keras.src.trainers.epoch_iterator import EpochIterator

    x, y = _regression_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        executions = [(begin, end) for begin, end, _ in EpochIterator(
            x=x, y=y, batch_size=2, shuffle=False,
            steps_per_execution=steps_per_execution).enumerate_epoch()]
    expected = [(kind, step) for begin, end in executions
                for kind, step in (("begin", begin), ("end", end))]
    model = nnet.Sequential([nnet.Input((2,)), nnet.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
    recorder = _HookRecorder.make(nnet)
    history = model.fit(x, y, batch_size=2, shuffle=False, verbose=0, callbacks=[recorder])
    assert recorder.calls == expected
    assert model.optimizer.iterations.numpy() == 5  # every batch still trains
    recorder.calls.clear()
    model.evaluate(x, y, batch_size=2, verbose=0, callbacks=[recorder])
    assert recorder.calls == [("test_" + kind, step) for kind, step in expected]
    assert len(history.history["loss"]) == 1


def test_stop_evaluating_ends_evaluate_on_an_endless_generator_as_keras():
    class StopAtThirdBatch:
        @staticmethod
        def make(lib):
            class Stop(lib.callbacks.Callback):
                def on_test_batch_end(self, batch, logs=None):
                    if batch == 2:
                        self.model.stop_evaluating = True

            return Stop()

    def endless():
        step = 0
        while True:
            step += 1
            yield (np.full((2, 2), step, "float32"), np.ones((2, 1), "float32"))

    results = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((2,)),
                                lib.layers.Dense(1, kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss="mse")
        recorder = _HookRecorder.make(lib)
        loss = model.evaluate(endless(), verbose=0,
                              callbacks=[StopAtThirdBatch.make(lib), recorder])
        results[lib.__name__] = loss, recorder.calls
    assert results["nnet"][1] == results["keras"][1]
    np.testing.assert_allclose(results["nnet"][0], results["keras"][0], rtol=1e-6)


def test_terminate_on_nan_stops_where_the_data_become_non_finite_as_keras(capsys):
    def data_turning_infinite():
        step = 0
        while True:
            step += 1
            target = np.inf if step == 3 else 1.0
            yield np.ones((2, 2), "float32"), np.full((2, 1), target, "float32")

    results = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((2,)),
                                lib.layers.Dense(1, kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss="mse")
        recorder = _HookRecorder.make(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(data_turning_infinite(), steps_per_epoch=5, epochs=3, verbose=0,
                                callbacks=[lib.callbacks.TerminateOnNaN(), recorder])
        printed = capsys.readouterr().out
        results[lib.__name__] = history, recorder.calls, printed, model.get_weights()
    ours, theirs = results["nnet"], results["keras"]
    assert ours[0].history == theirs[0].history == {"loss": [np.inf]}
    assert ours[0].epoch == theirs[0].epoch == [0]
    assert ours[1] == theirs[1]
    assert ours[2].startswith(theirs[2].strip())
    for our_weight, their_weight in zip(ours[3], theirs[3]):
        np.testing.assert_array_equal(our_weight, their_weight)
