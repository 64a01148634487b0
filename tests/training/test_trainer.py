"""compile/fit/evaluate/predict semantics and the errors raised before any training starts."""

import numpy as np
import pytest

import nnet
from nnet.training.arguments import warn_if_trainable_changed as _warn_if_trainable_changed


def _model(units=1, activation="sigmoid", in_dim=4):
    return nnet.Sequential([nnet.Input((in_dim,)), nnet.layers.Dense(8, activation="relu"),
                            nnet.layers.Dense(units, activation=activation)])


def _data(n=64, in_dim=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, in_dim)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


class Recorder(nnet.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch", batch, dict(logs)))


# Errors before any work -------------------------------------------------------------------

def test_fit_before_compile_says_how_to_fix():
    with pytest.raises(ValueError, match=r"must call `compile\(\)` before calling `fit\(\)`"):
        _model().fit(*_data())


def test_x_and_y_lengths_must_agree():
    model = _model()
    model.compile(loss="mse")
    x, y = _data()
    with pytest.raises(ValueError, match=r"x: \[64\], y: \[60\]"):
        model.fit(x, y[:60], verbose=0)


def test_label_shape_that_cannot_match_the_output_raises_before_training():
    model = _model(units=3, activation="softmax")
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x, _ = _data()
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"\(32, 5\).*\(32, 3\)"):
        model.fit(x, np.zeros((64, 5)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_sparse_labels_out_of_range():
    model = _model(units=3, activation="softmax")
    model.compile(loss="sparse_categorical_crossentropy")
    x, _ = _data()
    y = np.zeros(64)
    y[50] = 3  # beyond the first batch, which the loss itself checks
    with pytest.raises(ValueError, match=r"label value of 3.*\[0, 2\]"):
        model.fit(x, y, verbose=0)


@pytest.mark.parametrize("where", ["x", "y"])
def test_nan_or_inf_in_data(where):
    model = _model()
    model.compile(loss="mse")
    x, y = _data()
    (x if where == "x" else y)[3, 0] = np.nan if where == "x" else np.inf
    with pytest.raises(ValueError, match=rf"{where} contains NaN or infinite values.*\(3, 0\)"):
        model.fit(x, y, verbose=0)


def test_non_numeric_data():
    model = _model()
    model.compile(loss="mse")
    x = np.array([["a", "b", "c", "d"]] * 4)
    with pytest.raises(ValueError,
                       match=r"Expected numeric data for layer 'dense.*dtype <U1.*TextVectoriz"):
        model.fit(x, np.zeros((4, 1)), verbose=0)


@pytest.mark.parametrize("argument,value", [("optimizer", "adamm"), ("loss", "msee")])
def test_unknown_string_identifiers_list_valid_names(argument, value):
    with pytest.raises(ValueError, match=rf"{value!r}.*Valid names are:"):
        _model().compile(**{argument: value})


def test_unknown_metric_lists_valid_names():
    model = _model()
    model.compile(loss="mse", metrics=["acuracy"])
    with pytest.raises(ValueError, match="acuracy"):
        model.fit(*_data(), verbose=0)


def test_layer_whose_input_shape_does_not_fit_names_layer_and_shapes():
    model = _model(in_dim=4)
    model.compile(loss="mse")
    with pytest.raises(ValueError, match=r"layer \"dense.*expected axis -1.*value 4.*\(10, 7\)"
                                         r".*Reshape the data"):
        model.fit(np.zeros((10, 7)), np.zeros((10, 1)), verbose=0)


def test_unrecognized_layer_keyword_argument():
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments passed to Dense: "
                                         r"\{'unit': 3\}"):
        nnet.layers.Dense(4, unit=3)


def test_bad_units_value():
    with pytest.raises(ValueError, match=r"Expected a positive integer for units. Received: "
                                         r"units=0"):
        nnet.layers.Dense(0)


# fit semantics ---------------------------------------------------------------------------

def test_validation_split_takes_the_last_samples_before_shuffling():
    x, y = _data(n=100)
    seen = []

    class Spy(nnet.Sequential):
        def test_step(self, data):
            seen.append(np.array(data[0]))
            return super().test_step(data)

    model = Spy([nnet.Input((4,)), nnet.layers.Dense(1)])
    model.compile(loss="mse")
    history = model.fit(x, y, validation_split=0.2, epochs=1, batch_size=10, verbose=0)
    np.testing.assert_array_equal(np.concatenate(seen), x[80:])
    assert history.params["steps"] == 8


def test_validation_data_and_freq():
    x, y = _data()
    model = _model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=4, validation_data=(x[:8], y[:8]), validation_freq=2,
                        verbose=0)
    assert list(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2


def test_initial_epoch_counts_to_epochs_and_steps_per_epoch_continues():
    x, y = _data(n=50)
    recorder = Recorder()
    model = _model()
    model.compile(loss="mse")
    history = model.fit(x, y, epochs=5, initial_epoch=3, batch_size=10, steps_per_epoch=2,
                        callbacks=[recorder], verbose=0)
    assert history.epoch == [3, 4]
    assert [e[1] for e in recorder.events if e[0] == "batch"] == [0, 1, 0, 1]
    assert history.params == {"verbose": 0, "epochs": 5, "steps": 2}


def test_steps_are_ceil_of_samples_over_batch_size_and_last_batch_is_kept():
    x, y = _data(n=1000, in_dim=4)
    model = _model()
    model.compile(loss="mse")
    assert model.fit(x, y, verbose=0).params["steps"] == 32


def test_shuffle_reorders_batches_and_seed_makes_it_reproducible():
    x, y = _data(n=64)

    def run(shuffle):
        nnet.utils.set_random_seed(0)
        model = _model()
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, epochs=2, batch_size=8, shuffle=shuffle, verbose=0)
        return model.get_weights()

    a, b, c = run(True), run(True), run(False)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert any(not np.array_equal(u, w) for u, w in zip(a, c))


def test_sample_weight_zero_samples_do_not_train():
    x, y = _data()
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    model.fit(x, y, sample_weight=np.zeros(len(x)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_allclose(a, b)


def test_class_weight_equals_the_matching_sample_weight():
    x, y = _data()
    weights = np.where(y[:, 0] == 1, 3.0, 0.5)

    def run(**kwargs):
        nnet.utils.set_random_seed(0)
        model = _model()
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        return model.fit(x, y, shuffle=False, verbose=0, epochs=2, **kwargs).history["loss"]

    np.testing.assert_allclose(run(class_weight={0: 0.5, 1: 3.0}), run(sample_weight=weights),
                               rtol=1e-6)


def test_stop_training_from_a_callback_ends_the_epoch_early():
    class Stop(nnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    x, y = _data()
    model = _model()
    model.compile(loss="mse")
    history = model.fit(x, y, epochs=5, batch_size=8, callbacks=[Stop()], verbose=0)
    assert history.epoch == [0]


def test_batch_logs_are_running_epoch_means():
    x, y = _data(n=40)
    recorder = Recorder()
    model = _model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=10, callbacks=[recorder], verbose=0, shuffle=False)
    last = [e for e in recorder.events if e[0] == "batch"][-1][2]
    assert sorted(last) == ["loss", "mae"]
    assert last["loss"] == pytest.approx(history.history["loss"][0])


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = _data()
    model = _model()
    model.compile(loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("2/2 - ") and " - loss: " in lines[1] and " - mae: " in lines[1]


def test_generator_and_pydataset_inputs():
    x, y = _data()

    class Batches(nnet.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 16:(i + 1) * 16], y[i * 16:(i + 1) * 16]

    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    assert model.fit(Batches(), epochs=2, verbose=0).params["steps"] == 4

    def generator():
        while True:
            for i in range(4):
                yield x[i * 16:(i + 1) * 16], y[i * 16:(i + 1) * 16]

    history = model.fit(generator(), steps_per_epoch=3, epochs=2, verbose=0)
    assert history.params["steps"] == 3
    assert model.predict(Batches(), verbose=0).shape == (64, 1)


def test_predict_is_float32_and_batched():
    model = _model(units=3, activation="softmax")
    out = model.predict(np.ones((70, 4), dtype="float64"), batch_size=32, verbose=0)
    assert out.dtype == np.float32 and out.shape == (70, 3)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_custom_train_step_in_a_subclassed_model():
    class TwoLosses(nnet.Model):
        def __init__(self):
            super().__init__()
            self.dense = nnet.layers.Dense(1)
            self.tracker = nnet.metrics.Mean(name="custom_loss")

        def call(self, x, training=None):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            for v in self.trainable_weights:
                v.grad = None
            y_pred = self(x, training=True)
            loss = nnet.ops.mean(nnet.ops.square(y_pred - y)) + 0.1 * nnet.ops.mean(
                nnet.ops.abs(y_pred))
            nnet.backward(loss)
            self.optimizer.apply([v.grad for v in self.trainable_weights],
                                 self.trainable_weights)
            self.tracker.update_state(float(loss.numpy()))
            return {"custom_loss": self.tracker.result()}

        @property
        def metrics(self):
            return [self.tracker]

    x, y = _data()
    model = TwoLosses()
    model.compile(optimizer="adam")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert list(history.history) == ["custom_loss"]
    assert history.history["custom_loss"][-1] < history.history["custom_loss"][0]


def test_add_loss_and_regularizers_are_part_of_the_logged_loss():
    x, y = _data()
    plain, regularized = _model(), nnet.Sequential([
        nnet.Input((4,)),
        nnet.layers.Dense(8, activation="relu", kernel_regularizer="l2"),
        nnet.layers.Dense(1, activation="sigmoid"),
    ])
    regularized.set_weights(plain.get_weights())
    for model in (plain, regularized):
        model.compile(optimizer="sgd", loss="mse")
    base = plain.evaluate(x, y, verbose=0)
    penalty = 0.01 * float((regularized.layers[0].kernel.numpy() ** 2).sum())
    assert regularized.evaluate(x, y, verbose=0) == pytest.approx(base + penalty, rel=1e-5)


def test_trainable_false_freezes_weights():
    x, y = _data()
    model = _model()
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    frozen = model.layers[0].get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_two_seeded_runs_give_identical_weights():
    x, y = _data(n=100)

    def run():
        nnet.utils.set_random_seed(42)
        model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(16, activation="relu"),
                                 nnet.layers.Dropout(0.3), nnet.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_generator_batches_reach_train_step_as_yielded_and_take_class_weight():
    x, y = _data()
    seen = []

    class Spy(nnet.Sequential):
        def train_step(self, data):
            seen.append(len(data))
            return super().train_step(data)

    def generator():
        while True:
            yield x[:16], y[:16]

    model = Spy([nnet.Input((4,)), nnet.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.fit(generator(), steps_per_epoch=2, verbose=0)
    assert seen == [2, 2]
    weighted = model.fit(generator(), steps_per_epoch=2, verbose=0, class_weight={0: 0.0, 1: 0.0})
    assert seen[-2:] == [3, 3] and weighted.history["loss"] == [0.0]


def test_debugging_caps_on_epochs_and_steps(monkeypatch):
    x, y = _data(n=64)
    model = _model()
    model.compile(loss="mse")
    monkeypatch.setattr(nnet.config, "_MAX_EPOCHS", 2)
    monkeypatch.setattr(nnet.config, "_MAX_STEPS_PER_EPOCH", 3)
    with pytest.warns(UserWarning) as caught:
        history = model.fit(x, y, epochs=10, batch_size=8, verbose=0)
    assert {str(w.message) for w in caught} == {"Limiting epochs to 2",
                                                 "Limiting steps_per_epoch to 3"}
    assert history.epoch == [0, 1] and history.params["steps"] == 3
    assert nnet.config.max_epochs() == 2


def test_multilabel_accuracy_resolution_is_explained():
    x, _ = _data()
    labels = (x[:, :3] > 0).astype("float32")
    model = _model(units=3, activation="sigmoid")
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    with pytest.warns(UserWarning, match=r"CategoricalAccuracy.*binary_accuracy"):
        history = model.fit(x, labels, verbose=0)
    # Keras's resolution is kept: the log is still named as passed.
    assert "accuracy" in history.history


def test_optimizer_names_ignore_case_and_other_names_do_not_as_in_keras():
    assert type(nnet.optimizers.get("ADAM")).__name__ == "Adam"
    with pytest.raises(ValueError, match=r"'Mse'.*Did you mean 'mse'"):
        nnet.losses.get("Mse")


def test_swapping_which_layer_is_frozen_after_compile_warns_like_keras():
    a, b = nnet.layers.Dense(3), nnet.layers.Dense(3)
    model = nnet.Sequential([nnet.Input((3,)), a, b])
    a.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 3), "float32")
    model.fit(x, x, verbose=0)
    a.trainable, b.trainable = True, False  # as many trainable weights, other variables
    with pytest.warns(UserWarning, match="trainable state of the model changed"):
        _warn_if_trainable_changed(model)
