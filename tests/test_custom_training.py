"""Subclassed models with their own train_step, compute_loss or compute_metrics work with fit,
callbacks and the progress bar, receiving and returning what Keras 3.15 does (read from Keras on
the torch backend)."""

import numpy as np
import pytest
from custom_helpers import LogRecorder, final_progress_line, regression_data

import nnet
from nnet import ops
from nnet.layers import Dense


class OneDense(nnet.Model):
    """A subclassed model around one Dense(1); the tests subclass it to override its steps."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = Dense(1)

    def call(self, x, training=None):
        return self.dense(x)


def _descend(model, loss):
    """What a hand-written train_step does with its loss: backward, then one optimizer step."""
    variables = model.trainable_weights
    for v in variables:
        v.grad = None
    nnet.backward(loss)
    model.optimizer.apply([v.grad for v in variables], variables)


class TwoLossRegressor(nnet.Model):
    """Trained by hand on ``mse + l1_weight * mean(|y_pred|)``, tracking each part."""

    def __init__(self, l1_weight=0.1, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(16, activation="tanh")
        self.out = Dense(1)
        self.l1_weight = l1_weight
        self.total_tracker = nnet.metrics.Mean(name="total")
        self.mse_tracker = nnet.metrics.Mean(name="mse_part")
        self.l1_tracker = nnet.metrics.Mean(name="l1_part")
        self.batch_totals = []

    def call(self, x, training=None):
        return self.out(self.hidden(x))

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        mse = ops.mean(ops.square(y_pred - y))
        l1 = ops.mean(ops.abs(y_pred))
        total = mse + self.l1_weight * l1
        _descend(self, total)
        self.batch_totals.append(float(total.numpy()))
        for tracker, value in ((self.total_tracker, total), (self.mse_tracker, mse),
                               (self.l1_tracker, l1)):
            tracker.update_state(float(value.numpy()))
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.total_tracker, self.mse_tracker, self.l1_tracker]


def test_train_step_with_two_hand_computed_losses_works_with_fit_callbacks_and_progbar(capsys):
    nnet.utils.set_random_seed(0)
    x, y = regression_data()
    model = TwoLossRegressor()
    model.compile(optimizer=nnet.optimizers.Adam(0.02))
    recorder = LogRecorder()
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=1, callbacks=[recorder])
    keys = ["l1_part", "mse_part", "total"]
    assert sorted(history.history) == keys
    assert history.params == {"verbose": 1, "epochs": 6, "steps": 4}
    assert [e for e in recorder.events if e[0] != "train_begin"][:2] == [
        ("epoch_begin", 0), ("epoch_end", 0)]
    assert recorder.events[-1] == ("train_end", None)
    assert len(recorder.batch_logs) == 24 and sorted(recorder.batch_logs[0]) == keys
    # The trackers are reset each epoch: each epoch's total is the mean of its own batches.
    epoch_means = np.mean(np.reshape(model.batch_totals, (6, 4)), axis=1)
    np.testing.assert_allclose(history.history["total"], epoch_means, rtol=1e-6)
    assert [logs["total"] for logs in recorder.epoch_logs] == history.history["total"]
    assert history.history["total"][-1] < 0.6 * history.history["total"][0]
    final = final_progress_line(capsys.readouterr().out)
    for key in keys:
        assert f"{key}: {history.history[key][-1]:.4f}" in final


def test_train_step_unpacks_data_as_in_the_keras_guide():
    # Keras passes (x, y) when fit has no sample weights and (x, y, sample_weight) when it has.
    class GuideModel(OneDense):
        def __init__(self):
            super().__init__()
            self.received = []

        def train_step(self, data):
            self.received.append(len(data))
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                sample_weight = np.ones(len(data[0]), "float32")
                x, y = data
            errors = ops.mean(ops.square(self(x, training=True) - y), axis=-1)
            loss = ops.mean(errors * sample_weight)
            _descend(self, loss)
            return {"weighted_mse": float(loss.numpy())}

    x, y = regression_data(n=32)
    model = GuideModel()
    model.compile(optimizer="sgd")
    model.fit(x, y, batch_size=16, verbose=0)
    model.fit(x, y, sample_weight=np.ones(32, "float32"), batch_size=16, verbose=0)
    assert model.received == [2, 2, 3, 3]


def test_keras_guide_train_step_with_compute_loss_and_compiled_metrics():
    # The train_step of Keras's "customizing what happens in fit" guide (torch backend): the
    # compiled loss through compute_loss, then every metric in self.metrics updated by hand.
    class GuideModel(OneDense):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            _descend(self, loss)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = regression_data(n=32)
    model = GuideModel()
    # A zero learning rate keeps the weights, so that every epoch's values are known by hand.
    model.compile(optimizer=nnet.optimizers.SGD(0.0), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    residual = model.predict(x, verbose=0) - y
    assert sorted(history.history) == ["loss", "mae"]
    assert history.history["loss"] == pytest.approx([np.mean(residual ** 2)] * 2, rel=1e-5)
    assert history.history["mae"] == pytest.approx([np.mean(np.abs(residual))] * 2, rel=1e-5)


def test_train_step_may_use_compute_loss_without_compute_metrics():
    class LossOnly(OneDense):
        def train_step(self, data):
            x, y = data
            loss = self.compute_loss(x, y, self(x, training=True))
            _descend(self, loss)
            return {"loss": float(loss.numpy())}

    x, y = regression_data(n=32)
    model = LossOnly()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert list(history.history) == ["loss"] and len(history.history["loss"]) == 2


def test_logs_returned_by_train_step_reach_history_and_the_progress_bar(capsys):
    # Keras's fit keeps a custom train_step's returned logs when their keys are not the model's
    # metrics (Trainer._get_metrics_result_or_logs): History gets them, and the final bar line.
    class PlainLogs(OneDense):
        def __init__(self):
            super().__init__()
            self.returned = []

        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            mse, l1 = ops.mean(ops.square(y_pred - y)), ops.mean(ops.abs(y_pred))
            _descend(self, mse + 0.1 * l1)
            logs = {"mse_part": float(mse.numpy()), "l1_part": float(l1.numpy())}
            self.returned.append(logs)
            return logs

    x, y = regression_data(n=40)
    model = PlainLogs()
    model.compile(optimizer="sgd")
    history = model.fit(x, y, epochs=2, batch_size=20, verbose=1)
    assert history.history == {key: [model.returned[1][key], model.returned[3][key]]
                               for key in ("l1_part", "mse_part")}
    final = final_progress_line(capsys.readouterr().out)
    assert f"l1_part: {model.returned[3]['l1_part']:.4f}" in final
    assert "mse_part:" in final and "loss:" not in final


def test_compute_loss_override_is_the_loss_fit_and_evaluate_use():
    class MAEModel(OneDense):
        def __init__(self):
            super().__init__()
            self.training_flags = []

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            self.training_flags.append(training)
            return ops.mean(ops.abs(y_pred - y))

    x, y = regression_data(n=32)
    model = MAEModel()
    model.compile(optimizer=nnet.optimizers.SGD(0.1), loss="mse")
    model(x)
    kernel, bias = model.dense.get_weights()
    residual = x @ kernel + bias - y
    assert model.evaluate(x, y, verbose=0) == pytest.approx(np.abs(residual).mean(), rel=1e-5)
    assert set(model.training_flags) == {False}
    model.training_flags.clear()
    logged = model.train_on_batch(x, y)
    assert logged == pytest.approx(np.abs(residual).mean(), rel=1e-5)
    assert model.training_flags == [True]
    # One SGD step on the MAE: d/dW = x.T @ sign(residual) / N.
    sign = np.sign(residual)
    np.testing.assert_allclose(model.dense.kernel.numpy(), kernel - 0.1 * x.T @ sign / len(x),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.dense.bias.numpy(), bias - 0.1 * sign.mean(0), rtol=1e-5)
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert True in model.training_flags and list(history.history) == ["loss"]


def test_compute_metrics_override_is_used_by_fit_and_evaluate():
    class MaxErrorModel(OneDense):
        def __init__(self):
            super().__init__()
            self.max_error = nnet.metrics.Mean(name="max_abs_error")
            self.batch_max = []

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            error = float(np.max(np.abs(np.asarray(y_pred) - np.asarray(y))))
            self.batch_max.append(error)
            self.max_error.update_state(error)
            return {**super().compute_metrics(x, y, y_pred, sample_weight),
                    "max_abs_error": float(self.max_error.result())}

        @property
        def metrics(self):
            return super().metrics + [self.max_error]

    x, y = regression_data(n=32)
    model = MaxErrorModel()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert sorted(history.history) == ["loss", "mae", "max_abs_error"]
    assert history.history["max_abs_error"] == pytest.approx(
        np.mean(np.reshape(model.batch_max, (2, 4)), axis=1).tolist(), rel=1e-6)
    predictions = model.predict(x, verbose=0)
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    by_hand = [np.abs(predictions[i:i + 16] - y[i:i + 16]).max() for i in (0, 16)]
    assert logs["max_abs_error"] == pytest.approx(np.mean(by_hand), rel=1e-5)
    assert logs["mae"] == pytest.approx(np.abs(predictions - y).mean(), rel=1e-5)

