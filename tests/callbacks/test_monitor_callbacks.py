"""EarlyStopping, ReduceLROnPlateau and ModelCheckpoint on scripted logs: by hand and against
Keras's own callbacks driven with the same fake model."""

import os
import warnings

import numpy as np
import pytest

from nnet import callbacks as cb

os.environ["KERAS_BACKEND"] = "torch"


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


class Optimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class FakeModel:
    """Weights are [epoch index], so restored weights tell which epoch they came from."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = Optimizer(learning_rate)
        self._weights = [np.array([-1.0])]
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w) for w in weights]

    def save(self, filepath, overwrite=True):
        self.saved.append(("save", filepath))

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(("save_weights", filepath))


def fit(callback, values, monitor="val_loss", batches=0):
    """Play `values` as the monitored value of successive epochs until stop_training."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin({})
    trace = []
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch, {})
        for batch in range(batches):
            callback.on_train_batch_end(batch, {"loss": 1.0})
        model._weights = [np.array([float(epoch)])]
        logs = {"loss": 1.0, monitor: value}
        callback.on_epoch_end(epoch, logs)
        trace.append((model.optimizer.learning_rate, logs.get("learning_rate")))
        if model.stop_training:
            break
    callback.on_train_end({})
    return model, trace


LOSSES = [1.0, 0.8, 0.79, 0.795, 0.81, 0.7, 0.7, 0.72, 0.75, 0.76, 0.69, 0.9, 0.95, 0.99, 1.2]
ACCURACIES = [0.5, 0.6, 0.61, 0.58, 0.6, 0.7, 0.7, 0.69, 0.68, 0.72, 0.5, 0.4, 0.3, 0.2, 0.1]
RNG_WALK = list(np.round(1 + np.cumsum(np.random.default_rng(0).normal(0, 0.05, 40)), 4))

EARLY_STOPPING = [
    dict(monitor="val_loss"),
    dict(monitor="val_loss", patience=2),
    dict(monitor="val_loss", patience=3, min_delta=0.015),
    dict(monitor="val_loss", patience=2, restore_best_weights=True, verbose=1),
    dict(monitor="val_loss", patience=20, restore_best_weights=True, verbose=1),
    dict(monitor="val_loss", patience=2, baseline=0.75),
    dict(monitor="val_loss", patience=1, baseline=0.5, restore_best_weights=True),
    dict(monitor="val_loss", patience=1, start_from_epoch=4, verbose=1),
    dict(monitor="val_accuracy", mode="max", patience=2, restore_best_weights=True),
    dict(monitor="val_accuracy", mode="max", patience=1, baseline=0.65, min_delta=0.005),
    dict(monitor="val_loss", mode="max", patience=3),
]


@pytest.mark.parametrize("kwargs", EARLY_STOPPING, ids=str)
@pytest.mark.parametrize("series", ["fixed", "random_walk"])
def test_early_stopping_matches_keras(keras, capsys, kwargs, series):
    values = RNG_WALK if series == "random_walk" else (
        ACCURACIES if "accuracy" in kwargs["monitor"] else LOSSES)
    results = []
    for cls in (keras.callbacks.EarlyStopping, cb.EarlyStopping):
        stopper = cls(**kwargs)
        model, trace = fit(stopper, values, monitor=kwargs["monitor"])
        results.append((len(trace), stopper.stopped_epoch, stopper.wait, stopper.best,
                        stopper.best_epoch, model.get_weights(), capsys.readouterr().out))
    assert str(results[1]) == str(results[0])


def test_early_stopping_by_hand(capsys):
    stopper = cb.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model, trace = fit(stopper, [1.0, 0.5, 0.6, 0.55, 0.4])
    # 0.5 at epoch 1 is best; epochs 2 and 3 do not improve; training stops at epoch 3.
    assert len(trace) == 4 and stopper.stopped_epoch == 3 and model.stop_training
    assert model.get_weights() == [np.array([1.0])]
    assert capsys.readouterr().out == (
        "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )
    # Keras 3 restores the best weights even when training was not stopped early.
    stopper = cb.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    model, trace = fit(stopper, [1.0, 0.5, 0.6], monitor="loss")
    assert len(trace) == 3 and stopper.stopped_epoch == 0 and not model.stop_training
    assert model.get_weights() == [np.array([1.0])]


def test_early_stopping_baseline_and_min_delta():
    # Nothing beats the baseline 0.3, so improvements do not reset the wait; without a
    # baseline the improvement at epoch 1 does, and training goes one epoch further.
    stopper = cb.EarlyStopping(patience=2, baseline=0.3)
    _, trace = fit(stopper, [1.0, 0.9, 0.95, 0.97])
    assert len(trace) == 3 and stopper.stopped_epoch == 2
    stopper = cb.EarlyStopping(patience=2)
    _, trace = fit(stopper, [1.0, 0.9, 0.95, 0.97])
    assert len(trace) == 4 and stopper.stopped_epoch == 3
    stopper = cb.EarlyStopping(patience=1, min_delta=0.1)
    _, trace = fit(stopper, [1.0, 0.95, 0.8])
    assert len(trace) == 2


@pytest.mark.parametrize("monitor,values,stopped", [
    ("val_accuracy", [0.5, 0.6, 0.55, 0.4], 2),
    ("val_auc", [0.5, 0.6, 0.55, 0.4], 2),
    ("val_mae", [0.5, 0.4, 0.45, 0.6], 2),
    ("loss", [0.5, 0.4, 0.45, 0.6], 2),
    ("val_out_loss", [0.5, 0.4, 0.45, 0.6], 2),
])
def test_auto_mode_from_the_name(monitor, values, stopped):
    stopper = cb.EarlyStopping(monitor=monitor, patience=1)
    fit(stopper, values, monitor=monitor)
    assert stopper.stopped_epoch == stopped


def test_auto_mode_from_the_model_metrics():
    class Metric:
        name = "score"
        _direction = "up"

    class Container:
        metrics = [Metric()]

    stopper = cb.EarlyStopping(monitor="val_score", patience=1)
    model = FakeModel()
    model.metrics = [Container()]
    stopper.set_model(model)
    stopper._set_monitor_op()
    assert stopper._is_improvement(0.7, 0.6)
    unknown = cb.EarlyStopping(monitor="val_score", patience=1)
    with pytest.raises(ValueError, match="monitor=val_score.*mode='max'"):
        fit(unknown, [0.5])


def test_missing_monitor_and_unknown_mode_warn():
    stopper = cb.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss` which is not available. Available "
                                         "metrics are: loss,other"):
        fit(stopper, [0.5], monitor="other")
    with pytest.warns(UserWarning, match="EarlyStopping mode 'maximum' is unknown"):
        assert cb.EarlyStopping(mode="maximum").mode == "auto"


REDUCE_LR = [
    dict(patience=2),
    dict(patience=1, factor=0.5, cooldown=2, verbose=1),
    dict(patience=1, factor=0.2, min_lr=0.003, verbose=1),
    dict(patience=2, min_delta=0.02, cooldown=1),
    dict(patience=0, factor=0.5),
    # Floored at min_lr, after which nothing is reduced or printed.
    dict(patience=1, factor=0.5, min_lr=0.02, verbose=1),
    dict(monitor="val_accuracy", mode="max", patience=1, factor=0.5),
]


@pytest.mark.parametrize("kwargs", REDUCE_LR, ids=str)
@pytest.mark.parametrize("series", ["fixed", "random_walk"])
def test_reduce_lr_on_plateau_matches_keras(keras, capsys, kwargs, series):
    monitor = kwargs.get("monitor", "val_loss")
    values = RNG_WALK if series == "random_walk" else (
        ACCURACIES if "accuracy" in monitor else LOSSES)
    results = []
    for cls in (keras.callbacks.ReduceLROnPlateau, cb.ReduceLROnPlateau):
        reducer = cls(**kwargs)
        _, trace = fit(reducer, values, monitor=monitor)
        results.append((trace, reducer.wait, reducer.cooldown_counter, reducer.best,
                        capsys.readouterr().out))
    assert results[1] == results[0]
    assert len({lr for lr, _ in results[1][0]}) > 1


def test_reduce_lr_on_plateau_by_hand():
    reducer = cb.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, cooldown=2,
                                   min_lr=0.02)
    _, trace = fit(reducer, [1.0] * 6, monitor="loss")
    # Reduced at epochs 1, 3 and 5 (the epoch after a reduction is cooldown), floored at min_lr;
    # the logged rate is the one the epoch ran with.
    assert [lr for lr, _ in trace] == [0.1, 0.05, 0.05, 0.025, 0.025, 0.02]
    assert [logged for _, logged in trace] == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    with pytest.raises(ValueError, match="factor=1.5"):
        cb.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        cb.ReduceLROnPlateau(epsilon=1e-3)


CHECKPOINTS = [
    dict(filepath="m-{epoch:02d}-{val_loss:.2f}.keras"),
    dict(filepath="m-{epoch:02d}.keras", save_best_only=True, verbose=1),
    dict(filepath="m.weights.h5", save_best_only=True, save_weights_only=True,
         initial_value_threshold=0.79, verbose=1),
    dict(filepath="m-{epoch}.keras", save_best_only=True, monitor="val_loss", mode="max"),
    dict(filepath="sub/dir/m-{epoch}-{batch}.keras", save_freq=3, verbose=1),
    dict(filepath="m-{epoch}-{loss:.1f}.h5", save_freq=2),
]


@pytest.mark.parametrize("kwargs", CHECKPOINTS, ids=str)
def test_model_checkpoint_matches_keras(keras, capsys, tmp_path, kwargs):
    kwargs = dict(kwargs, filepath=str(tmp_path / kwargs["filepath"]))
    results = []
    for cls in (keras.callbacks.ModelCheckpoint, cb.ModelCheckpoint):
        checkpoint = cls(**kwargs)
        model, _ = fit(checkpoint, LOSSES[:8], batches=4)
        results.append((model.saved, checkpoint.best, capsys.readouterr().out))
    assert results[1] == results[0]
    assert results[1][0]


def test_model_checkpoint_by_hand(tmp_path):
    checkpoint = cb.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}-{val_loss:.2f}.weights.npz"),
                                    save_weights_only=True, save_best_only=True)
    model, _ = fit(checkpoint, [0.5, 0.6, 0.4, 0.4])
    assert model.saved == [("save_weights", str(tmp_path / "w-01-0.50.weights.npz")),
                           ("save_weights", str(tmp_path / "w-03-0.40.weights.npz"))]
    checkpoint = cb.ModelCheckpoint(str(tmp_path / "b{batch}.keras"), save_freq=2)
    model, _ = fit(checkpoint, [0.5, 0.5], batches=3)
    # Batches are counted across epochs: saves after 2, 4 (epoch 2, batch 1) and 6 batches.
    assert [os.path.basename(path) for _, path in model.saved] == ["b2.keras", "b1.keras",
                                                                    "b3.keras"]
    checkpoint = cb.ModelCheckpoint(str(tmp_path / "e{epoch}.keras"), save_freq=2)
    model, _ = fit(checkpoint, [0.5] * 4, batches=1)
    assert [os.path.basename(path) for _, path in model.saved] == ["e2.keras", "e4.keras"]
    assert cb.CallbackList([checkpoint]).has_batch_hooks("train")
    assert not cb.CallbackList([cb.ModelCheckpoint("m.keras")]).has_batch_hooks("train")


def test_model_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`.*filepath=m\.keras"):
        cb.ModelCheckpoint("m.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`.*filepath=m\.weights"):
        cb.ModelCheckpoint("m.weights")
    with pytest.raises(ValueError, match="Received: save_freq='batch'"):
        cb.ModelCheckpoint("m.keras", save_freq="batch")
    checkpoint = cb.ModelCheckpoint(str(tmp_path / "m-{val_acc}.keras"))
    with pytest.raises(KeyError, match=r"m-\{val_acc\}\.keras.*Reason: .*val_acc"):
        fit(checkpoint, [0.5])
    (tmp_path / "dir.keras").mkdir()
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        fit(cb.ModelCheckpoint(str(tmp_path / "dir.keras")), [0.5])
    checkpoint = cb.ModelCheckpoint(str(tmp_path / "m.keras"), monitor="val_acc",
                                    save_best_only=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, _ = fit(checkpoint, [0.5])
    assert "Can save best model only with val_acc available" in str(caught[0].message)
    assert len(model.saved) == 1
