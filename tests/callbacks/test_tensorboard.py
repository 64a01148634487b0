"""TensorBoard: the event files it writes, read back with TensorBoard's own readers.

Keras's TensorBoard callback writes through ``tensorflow.summary`` even on its torch backend, so
without TensorFlow it cannot write at all (it fails in `set_model`): the tags and run directories
here follow keras/src/callbacks/tensorboard.py instead of a file written by Keras.
"""

import builtins
import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import nnet
from nnet.callbacks import LambdaCallback, TensorBoard

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
plugin_event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.plugin_event_accumulator"
)
tensor_util = pytest.importorskip("tensorboard.util.tensor_util")
datasets = pytest.importorskip("sklearn.datasets")

BATCH_SIZE = 100
TRAIN = 1000
STEPS = TRAIN // BATCH_SIZE


def _digits():
    x, y = datasets.load_digits(return_X_y=True)
    return (x / 16).astype("float32"), y


def _fit(log_dir, epochs=3, extra_callbacks=(), **kwargs):
    nnet.utils.clear_session()
    nnet.utils.set_random_seed(0)
    x, y = _digits()
    model = nnet.Sequential([
        nnet.Input((64,)),
        nnet.layers.Dense(16, activation="relu"),
        nnet.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x[:TRAIN], y[:TRAIN], validation_data=(x[TRAIN:], y[TRAIN:]), epochs=epochs,
        batch_size=BATCH_SIZE, verbose=0,
        callbacks=[TensorBoard(log_dir, **kwargs), *extra_callbacks],
    )
    return model, history.history


def _read(run_dir):
    accumulator = event_accumulator.EventAccumulator(
        str(run_dir), size_guidance={event_accumulator.TENSORS: 0}
    )
    accumulator.Reload()
    return accumulator


def _series(accumulator, tag):
    """``[(step, value)]`` of a tag, the value as a NumPy array."""
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in accumulator.Tensors(tag)]


def _scalars(accumulator, tag):
    return [(step, value.item()) for step, value in _series(accumulator, tag)]


def test_epoch_scalars_match_history(tmp_path):
    _, history = _fit(tmp_path, epochs=3)
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, validation = _read(tmp_path / "train"), _read(tmp_path / "validation")
    assert set(train.Tags()["tensors"]) == {
        "keras", "epoch_loss", "epoch_accuracy", "epoch_learning_rate"
    }
    assert set(validation.Tags()["tensors"]) == {
        "epoch_loss", "epoch_accuracy",
        "evaluation_loss_vs_iterations", "evaluation_accuracy_vs_iterations",
    }
    for name in ("loss", "accuracy"):
        # Written as float32, as tf.summary.scalar does.
        assert _scalars(train, f"epoch_{name}") == [
            (epoch, np.float32(v)) for epoch, v in enumerate(history[name])
        ]
        assert _scalars(validation, f"epoch_{name}") == [
            (epoch, np.float32(v)) for epoch, v in enumerate(history[f"val_{name}"])
        ]
        # Step: optimizer.iterations at the end of each validation.
        assert _scalars(validation, f"evaluation_{name}_vs_iterations") == [
            (STEPS * (epoch + 1), np.float32(v))
            for epoch, v in enumerate(history[f"val_{name}"])
        ]
    assert _scalars(train, "epoch_learning_rate") == [(e, np.float32(0.001)) for e in range(3)]


def test_tensorboard_data_classes(tmp_path):
    """TensorBoard's server-side reader sees scalars, histograms and the model graph."""
    _fit(tmp_path, epochs=1, histogram_freq=1)
    accumulator = plugin_event_accumulator.EventAccumulator(str(tmp_path / "train"))
    accumulator.Reload()
    plugins = {tag: accumulator.SummaryMetadata(tag) for tag in accumulator.Tags()["tensors"]}
    assert plugins["epoch_loss"].plugin_data.plugin_name == "scalars"
    assert plugins["sequential/dense/kernel/histogram"].plugin_data.plugin_name == "histograms"
    assert plugins["keras"].plugin_data.plugin_name == "graph_keras_model"


def test_batch_scalars_every_update_freq_batches(tmp_path):
    seen = []
    record = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(dict(logs)))
    _, history = _fit(tmp_path, epochs=2, update_freq=3, extra_callbacks=[record])
    train = _read(tmp_path / "train")
    assert {"batch_loss", "batch_accuracy"} <= set(train.Tags()["tensors"])
    # Global batch numbers from 1, across epochs: 3, 6, ..., 18 of 20.
    steps = range(3, 2 * STEPS + 1, 3)
    for name in ("loss", "accuracy"):
        assert _scalars(train, f"batch_{name}") == [
            (step, np.float32(seen[step - 1][name])) for step in steps
        ]
    # The last batch's running loss is the epoch loss.
    assert seen[-1]["loss"] == pytest.approx(history["loss"][-1])


def test_batch_is_every_batch_and_steps_per_second(tmp_path):
    _fit(tmp_path, epochs=1, update_freq="batch", write_steps_per_second=True)
    train = _read(tmp_path / "train")
    tags = set(train.Tags()["tensors"])
    assert {"batch_steps_per_second", "epoch_steps_per_second"} <= tags
    assert [step for step, _ in _scalars(train, "batch_loss")] == list(range(1, STEPS + 1))
    assert all(value > 0 for _, value in _scalars(train, "batch_steps_per_second"))


def test_weight_histograms(tmp_path):
    model, _ = _fit(tmp_path, epochs=3, histogram_freq=2)
    train = _read(tmp_path / "train")
    weights = [w for layer in model.layers for w in layer.weights]
    tags = {f"{w.path}/histogram" for w in weights}
    assert tags == {"sequential/dense/kernel/histogram", "sequential/dense/bias/histogram",
                    "sequential/dense_1/kernel/histogram", "sequential/dense_1/bias/histogram"}
    assert tags <= set(train.Tags()["tensors"])
    for weight in weights:
        series = _series(train, f"{weight.path}/histogram")
        assert [step for step, _ in series] == [0, 2]
        # The last one holds the final weights: (left edge, right edge, count) per bucket.
        buckets = series[-1][1]
        values = weight.numpy()
        assert buckets.shape == (30, 3)
        assert buckets[:, 2].sum() == values.size
        assert buckets[0, 0] == pytest.approx(values.min())
        assert buckets[-1, 1] == pytest.approx(values.max())


def test_weight_images(tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    model, _ = _fit(tmp_path, epochs=1, histogram_freq=1, write_images=True)
    train = _read(tmp_path / "train")
    kernel, bias = model.layers[0].kernel.numpy(), model.layers[0].bias.numpy()
    # A kernel is drawn with its longer side across; values saturate to [0, 1] as in TF.
    for tag, expected in (("sequential/dense/kernel/image", kernel.T),
                          ("sequential/dense/bias/image", bias[:, None])):
        ((step, encoded),) = _series(train, tag)
        assert step == 0
        width, height, png = int(encoded[0]), int(encoded[1]), encoded[2]
        assert (height, width) == expected.shape
        pixels = np.asarray(image_module.open(io.BytesIO(png)))
        np.testing.assert_array_equal(
            pixels, np.clip(expected.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
        )


def test_model_graph(tmp_path):
    keras_util = pytest.importorskip("tensorboard.plugins.graph.keras_util")
    model, _ = _fit(tmp_path, epochs=1)
    ((step, config),) = _series(_read(tmp_path / "train"), "keras")
    assert step == 0
    assert json.loads(config.item()) == json.loads(model.to_json())
    graph = keras_util.keras_model_to_graph_def(json.loads(config.item()))
    assert [(node.name, list(node.input)) for node in graph.node] == [
        ("sequential/input_layer", []),
        ("sequential/dense", ["sequential/input_layer"]),
        ("sequential/dense_1", ["sequential/dense"]),
    ]


def test_write_graph_false_writes_no_graph(tmp_path):
    _fit(tmp_path, epochs=1, write_graph=False)
    assert "keras" not in _read(tmp_path / "train").Tags()["tensors"]


def test_evaluate_writes_evaluation_scalars(tmp_path):
    model, _ = _fit(tmp_path / "fit", epochs=1, write_graph=False)
    x, y = _digits()
    logs = model.evaluate(x[TRAIN:], y[TRAIN:], verbose=0, return_dict=True,
                          callbacks=[TensorBoard(tmp_path / "eval", write_graph=False)])
    validation = _read(tmp_path / "eval" / "validation")
    assert _scalars(validation, "evaluation_loss_vs_iterations") == [
        (STEPS, np.float32(logs["loss"]))
    ]
    assert os.listdir(tmp_path / "eval") == ["validation"]


def test_missing_tensorboard_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def without_tensorboard(name, *args, **kwargs):
        if name == "tensorboard" or name.startswith("tensorboard."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_tensorboard)
    with pytest.raises(ImportError, match=r'pip install "nnet\[tensorboard\]"'):
        TensorBoard("logs")


def test_importing_callbacks_does_not_import_tensorboard():
    code = (
        "import sys, nnet.callbacks; nnet.callbacks.TensorBoard; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorboard', 'torch')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("kwargs", [
    {"update_freq": 0}, {"update_freq": -2}, {"update_freq": "sometimes"},
    {"update_freq": 1.5}, {"update_freq": True}, {"histogram_freq": -1},
    {"histogram_freq": 0.5}, {"profile_batch": 2}, {"profile_batch": (1, 3)},
    {"embeddings_freq": 1}, {"embeddings_metadata": 3},
])
def test_bad_arguments(kwargs):
    ((name, value),) = kwargs.items()
    with pytest.raises(ValueError, match=re.escape(f"Received: {name}={value!r}")):
        TensorBoard("logs", **kwargs)
