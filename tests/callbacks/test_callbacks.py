"""Callback, CallbackList, History, LambdaCallback, CSVLogger, TerminateOnNaN,
LearningRateScheduler: logic on a fake model, and files and messages against Keras."""

import math
import os

import numpy as np
import pytest

from nnet import callbacks as cb
from nnet.autodiff import Tensor

os.environ["KERAS_BACKEND"] = "torch"


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


class Optimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class FakeModel:
    """Just the interface callbacks may use."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = Optimizer(learning_rate)
        self.history = None


class Recorder(cb.Callback):
    def __init__(self, tag, calls):
        super().__init__()
        self.tag, self.calls = tag, calls

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append((self.tag, epoch, list(logs), id(logs)))
        logs[f"added_by_{self.tag}"] = 1.0


def test_callback_list_order_sorted_logs_and_shared_dict():
    calls = []
    model = FakeModel()
    first, second = Recorder("a", calls), Recorder("b", calls)
    callbacks = cb.CallbackList([first, [second]], add_history=True, add_progbar=True,
                                model=model, verbose=0, epochs=2, steps=3)
    assert callbacks.callbacks[:2] == [first, second]
    assert isinstance(callbacks.callbacks[2], cb.History)
    assert isinstance(callbacks.callbacks[3], cb.ProgbarLogger)
    assert model.history is callbacks.callbacks[2]
    assert all(c.model is model for c in callbacks.callbacks)
    assert first.params == {"verbose": 0, "epochs": 2, "steps": 3}
    callbacks.on_train_begin()
    callbacks.on_epoch_end(0, {"val_loss": np.float32(0.5), "loss": Tensor(np.array(0.25)),
                               "accuracy": np.float64(0.75)})
    (_, _, keys_a, id_a), (_, _, keys_b, id_b) = calls
    assert keys_a == ["accuracy", "loss", "val_loss"]
    # The same dict goes to every callback, so the second sees what the first added.
    assert id_a == id_b and keys_b == keys_a + ["added_by_a"]
    history = callbacks.callbacks[2].history
    assert list(history) == ["accuracy", "loss", "val_loss", "added_by_a", "added_by_b"]
    assert all(type(v[0]) is float for v in history.values())
    assert history["loss"] == [0.25]


def test_callback_list_keeps_existing_default_callbacks():
    history, logger = cb.History(), cb.ProgbarLogger()
    callbacks = cb.CallbackList([logger, history], add_history=True, add_progbar=True)
    assert callbacks.callbacks == [logger, history]
    assert cb.CallbackList(add_history=False).callbacks == []


def test_callback_list_pythonifies_logs():
    seen = []
    record = cb.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs))
    callbacks = cb.CallbackList([record])
    outputs = np.zeros((2, 3))
    callbacks.on_train_batch_end(0, {"b": np.int64(3), "a": {"nested": np.float32(0.5)},
                                     "outputs": outputs, "name": "text"})
    logs = seen[0]
    assert list(logs) == ["nested", "b", "name", "outputs"]
    assert type(logs["b"]) is float and type(logs["nested"]) is float
    assert logs["outputs"] is outputs and logs["name"] == "text"
    callbacks.on_train_batch_end(1, None)
    assert seen[1] == {}


def test_callback_list_calls_hooks_like_keras():
    # Batch hooks receive logs by keyword, epoch and loop hooks positionally.
    calls = []
    lam = cb.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch, logs)),
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, *, logs: calls.append(("batch_end", batch, logs)),
        on_test_end=lambda logs: calls.append(("test_end", logs)),
        on_predict_batch_end=lambda batch, logs: calls.append(("predict", batch, logs)),
    )
    callbacks = cb.CallbackList([lam])
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    callbacks.on_train_batch_begin(0)
    callbacks.on_train_batch_end(0, {"loss": 1})
    callbacks.on_test_end({"loss": 2})
    callbacks.on_predict_batch_end(3, {"x": 1})
    assert calls == [("train_begin", {}), ("epoch_begin", 0, {}), ("batch_begin", 0),
                     ("batch_end", 0, {"loss": 1.0}), ("test_end", {"loss": 2.0}),
                     ("predict", 3, {"x": 1.0})]


def test_default_train_batch_hooks_call_on_batch_hooks():
    calls = []

    class Legacy(cb.Callback):
        def on_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            calls.append(("end", batch, logs))

    callbacks = cb.CallbackList([Legacy()])
    callbacks.on_train_batch_begin(4)
    callbacks.on_train_batch_end(4, {"loss": 0.5})
    assert calls == [("begin", 4), ("end", 4, {"loss": 0.5})]
    assert callbacks.has_batch_hooks("train") and not callbacks.has_batch_hooks("test")


def test_has_batch_hooks():
    class EpochOnly(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class TestBatches(cb.Callback):
        def on_test_batch_end(self, batch, logs=None):
            pass

    plain = cb.CallbackList([EpochOnly(), cb.EarlyStopping(), cb.CSVLogger("unused.csv")],
                            add_history=True)
    assert not any(plain.has_batch_hooks(kind) for kind in ("train", "test", "predict"))
    tests = cb.CallbackList([TestBatches()])
    assert [tests.has_batch_hooks(k) for k in ("train", "test", "predict")] == [False, True,
                                                                                 False]
    assert cb.CallbackList([cb.TerminateOnNaN()]).has_batch_hooks("train")
    assert cb.CallbackList([cb.LambdaCallback(on_predict_batch_begin=print)]).has_batch_hooks(
        "predict")
    assert not cb.CallbackList([cb.LambdaCallback(on_epoch_end=print)]).has_batch_hooks("train")
    verbose_1 = cb.CallbackList(add_progbar=True, verbose=1, epochs=1, steps=4)
    verbose_2 = cb.CallbackList(add_progbar=True, verbose=2, epochs=1, steps=4)
    assert verbose_1.has_batch_hooks("train") and not verbose_2.has_batch_hooks("train")
    with pytest.raises(ValueError, match=r"kind='validation'"):
        plain.has_batch_hooks("validation")


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(TypeError, match="Received: <lambda>|Received: <function"):
        cb.CallbackList([lambda logs: None])


def test_history():
    model = FakeModel()
    history = cb.History()
    callbacks = cb.CallbackList([history], model=model, verbose=1, epochs=2, steps=3)
    callbacks.on_train_begin()
    for epoch, loss in enumerate([0.5, 0.25]):
        callbacks.on_epoch_end(epoch, {"loss": loss, "accuracy": 1 - loss})
    assert history.epoch == [0, 1]
    assert history.history == {"accuracy": [0.5, 0.75], "loss": [0.5, 0.25]}
    assert history.params == {"verbose": 1, "epochs": 2, "steps": 3}
    assert model.history is history


def test_lambda_callback_rejects_unknown_hooks():
    with pytest.raises(ValueError, match=r"\['on_epoch_ends'\]"):
        cb.LambdaCallback(on_epoch_ends=print)
    calls = []
    lam = cb.LambdaCallback(on_test_begin=lambda logs: calls.append(logs))
    lam.on_test_begin({"a": 1})
    lam.on_epoch_end(0, {})
    assert calls == [{"a": 1}]


def drive_csv(logger_cls, path, epochs_logs, **kwargs):
    logger = logger_cls(path, **kwargs)
    logger.on_train_begin()
    for epoch, logs in enumerate(epochs_logs):
        logger.on_epoch_end(epoch, dict(logs))
    logger.on_train_end()
    with open(path, "rb") as f:
        return f.read()


CSV_CASES = {
    "with_validation": ([{"loss": 0.5, "val_loss": 0.6, "accuracy": 0.7, "val_accuracy": 0.65},
                         {"loss": 0.25, "val_loss": 0.3125, "accuracy": 0.9,
                          "val_accuracy": 0.8}], {}),
    "no_validation_keys": ([{"loss": 0.5, "learning_rate": 0.001},
                            {"loss": 1 / 3, "learning_rate": 0.0001}], {}),
    "separator_and_lists": ([{"loss": 0.5, "val_loss": 0.25, "extra": [1, 2.5]}],
                            {"separator": ";"}),
    "missing_key_later": ([{"loss": 0.5, "val_loss": 0.7}, {"loss": 0.4}], {}),
}


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_csv_logger_matches_keras(keras, tmp_path, name):
    epochs_logs, kwargs = CSV_CASES[name]
    expected = drive_csv(keras.callbacks.CSVLogger, tmp_path / "k.csv", epochs_logs, **kwargs)
    received = drive_csv(cb.CSVLogger, tmp_path / "n.csv", epochs_logs, **kwargs)
    assert received == expected


def test_csv_logger_append_matches_keras(keras, tmp_path):
    logs = [{"loss": 0.5, "val_loss": 0.75}]
    for cls, name in ((keras.callbacks.CSVLogger, "k.csv"), (cb.CSVLogger, "n.csv")):
        drive_csv(cls, tmp_path / name, logs)
        drive_csv(cls, tmp_path / name, logs, append=True)
        (tmp_path / f"empty_{name}").write_text("")
        drive_csv(cls, tmp_path / f"empty_{name}", logs, append=True)
    assert (tmp_path / "n.csv").read_bytes() == (tmp_path / "k.csv").read_bytes()
    row = b"0,0.5,0.75\r\n"
    assert (tmp_path / "n.csv").read_bytes() == b"epoch,loss,val_loss\r\n" + row + row
    assert (tmp_path / "empty_n.csv").read_bytes() == (tmp_path / "empty_k.csv").read_bytes()


def test_csv_logger_text(tmp_path):
    text = drive_csv(cb.CSVLogger, tmp_path / "log.csv", [{"loss": 0.5, "accuracy": 0.25}])
    assert text == b"epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.25,0.5,NA,NA\r\n"


@pytest.mark.parametrize("loss", [float("nan"), float("inf"), -float("inf")])
def test_terminate_on_nan(keras, capsys, loss):
    model, keras_model = FakeModel(), FakeModel()
    ours, theirs = cb.TerminateOnNaN(), keras.callbacks.TerminateOnNaN()
    ours.set_model(model)
    theirs.set_model(keras_model)
    ours.on_epoch_begin(2)
    for batch, value in enumerate([0.5, 0.25]):
        ours.on_train_batch_end(batch, {"loss": value})
    assert not model.stop_training and capsys.readouterr().out == ""
    theirs.on_train_batch_end(7, {"loss": loss})
    keras_message = capsys.readouterr().out.rstrip("\n")
    ours.on_train_batch_end(7, {"loss": loss})
    message = capsys.readouterr().out
    assert model.stop_training and keras_model.stop_training
    assert message.startswith(keras_message)
    assert message == f"{keras_message} (epoch 3, loss {loss})\n"


def test_terminate_on_nan_raise_error():
    guard = cb.TerminateOnNaN(raise_error=True)
    guard.set_model(FakeModel())
    guard.on_epoch_begin(0)
    with pytest.raises(RuntimeError, match=r"at batch 5 of epoch 1\. Loss value: nan"):
        guard.on_train_batch_end(5, {"loss": math.nan})
    guard = cb.TerminateOnNaN(raise_error=True)
    with pytest.raises(RuntimeError, match=r"at batch 2\. Loss value: inf"):
        guard.on_train_batch_end(2, {"loss": math.inf})
    guard.on_train_batch_end(3, {"accuracy": math.nan})


SCHEDULES = {
    "halving": lambda epoch, lr: lr * 0.5,
    "one_argument": lambda epoch: 0.1 / (epoch + 1),
    "numpy_float": lambda epoch, lr: np.float32(lr) * np.float32(0.9),
    "step": lambda epoch, lr: lr if epoch < 2 else lr * 0.1,
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_learning_rate_scheduler_matches_keras(keras, capsys, name):
    traces = []
    for cls in (keras.callbacks.LearningRateScheduler, cb.LearningRateScheduler):
        model = FakeModel(learning_rate=0.1)
        scheduler = cls(SCHEDULES[name], verbose=1)
        scheduler.set_model(model)
        trace = []
        for epoch in range(4):
            scheduler.on_epoch_begin(epoch, {})
            logs = {"loss": 1.0}
            scheduler.on_epoch_end(epoch, logs)
            trace.append((model.optimizer.learning_rate, logs))
        traces.append((trace, capsys.readouterr().out))
    assert traces[1] == traces[0]
    assert list(traces[1][0][0][1]) == ["loss", "learning_rate"]


def test_learning_rate_scheduler_errors():
    scheduler = cb.LearningRateScheduler(lambda epoch, lr: 1)
    scheduler.set_model(FakeModel())
    with pytest.raises(ValueError, match="should be a float. Got: 1"):
        scheduler.on_epoch_begin(0)

    def broken(epoch, lr):
        raise TypeError("inside the schedule")

    scheduler = cb.LearningRateScheduler(broken)
    scheduler.set_model(FakeModel())
    with pytest.raises(TypeError, match="inside the schedule"):
        scheduler.on_epoch_begin(0)
