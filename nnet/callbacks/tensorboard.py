"""`TensorBoard`: write the training logs, weight histograms and the model graph as TensorBoard
event files, through the writer of the ``tensorboard`` package (no TensorFlow needed)."""

import io
import numbers
import os
import time
import types
import warnings

import numpy as np

from nnet.callbacks.callback import Callback
from nnet.optimizers.optimizer import Optimizer

_INSTALL_HINT = 'pip install "nnet[tensorboard]"'
# tf.summary.image's default: at most this many images of a batch are kept.
_MAX_IMAGES = 3


def _tensorboard():
    """The parts of the ``tensorboard`` package the callback writes with, imported on first use."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram.summary_v2 import histogram_pb
        from tensorboard.plugins.image import metadata as image_metadata
        from tensorboard.plugins.scalar.summary_v2 import scalar_pb
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.util import tensor_util
    except ImportError:
        raise ImportError(
            "The TensorBoard callback writes its event files with the tensorboard package, "
            f"which is not installed: `{_INSTALL_HINT}` (or `pip install tensorboard`)."
        ) from None
    return types.SimpleNamespace(
        event_pb2=event_pb2, summary_pb2=summary_pb2, histogram_pb=histogram_pb,
        image_metadata=image_metadata, scalar_pb=scalar_pb, EventFileWriter=EventFileWriter,
        tensor_util=tensor_util,
    )


def _png(image):
    """PNG bytes of a ``(height, width, channels)`` uint8 array."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "TensorBoard(write_images=True) encodes the weight images as PNG with Pillow, which "
            f"is not installed: `{_INSTALL_HINT}` (or `pip install pillow`), or pass "
            "write_images=False."
        ) from None
    buffer = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(buffer, format="PNG")
    return buffer.getvalue()


class _EventWriter:
    """The event file of one run directory (``train`` or ``validation``), written as TensorFlow's
    ``tf.summary`` writes it: scalars, histograms and images as tensors with plugin metadata."""

    def __init__(self, logdir):
        self._tb = _tensorboard()
        self._file = self._tb.EventFileWriter(logdir)

    def _write(self, summary, step):
        event = self._tb.event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)
        self._file.add_event(event)

    def scalar(self, tag, value, step):
        self._write(self._tb.scalar_pb(tag, np.float32(value)), step)

    def histogram(self, tag, values, step):
        self._write(self._tb.histogram_pb(tag, np.asarray(values, dtype=np.float64)), step)

    def image(self, tag, images, step):
        """`images`: ``(n, height, width, channels)`` floats in [0, 1], saturated to uint8 as
        ``tf.image.convert_image_dtype(..., saturate=True)`` does."""
        pixels = np.clip(np.asarray(images, np.float64) * 255.5, 0, 255).astype(np.uint8)
        height, width = pixels.shape[1:3]
        encoded = [str(width).encode(), str(height).encode()]
        encoded += [_png(image) for image in pixels[:_MAX_IMAGES]]
        self.tensor(tag, np.array(encoded, dtype=object),
                    self._tb.image_metadata.create_summary_metadata(None, None), step)

    def tensor(self, tag, value, metadata, step):
        proto = self._tb.tensor_util.make_tensor_proto(value)
        summary_value = self._tb.summary_pb2.Summary.Value(
            tag=tag, metadata=metadata, tensor=proto
        )
        self._write(self._tb.summary_pb2.Summary(value=[summary_value]), step)

    def keras_model(self, tag, json_string, step):
        """The model's JSON config, which TensorBoard's graph plugin draws as a layer graph."""
        pb2 = self._tb.summary_pb2
        metadata = pb2.SummaryMetadata(
            plugin_data=pb2.SummaryMetadata.PluginData(
                plugin_name="graph_keras_model", content=b"1"
            )
        )
        self.tensor(tag, json_string, metadata, step)

    def flush(self):
        self._file.flush()

    def close(self):
        self._file.close()


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(
            f"Expected a non-negative integer (a frequency in epochs; 0 turns it off) for {name}. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def _update_freq(update_freq):
    if update_freq == "batch":
        return 1
    if update_freq == "epoch":
        return update_freq
    if isinstance(update_freq, bool) or not isinstance(update_freq, numbers.Integral) or (
        update_freq < 1
    ):
        raise ValueError(
            'Expected update_freq to be "epoch", "batch" or a positive integer (write the batch '
            f"logs every that many batches). Received: update_freq={update_freq!r}"
        )
    return int(update_freq)


def _weight_image(weight):
    """A weight as a batch of images, as Keras's TensorBoard lays it out: a bias is one column, a
    kernel one image with the longer side across, a 3-D (Conv1D) kernel one image per filter;
    None when it has no image form (4-D kernels unless their last axis has 1, 3 or 4 entries)."""
    w = np.squeeze(weight)
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:
        w = np.transpose(w, (2, 0, 1))[..., None]
    if w.ndim == 4 and w.shape[-1] in (1, 3, 4):
        return w
    return None


class TensorBoard(Callback):
    """Write the logs of `fit` and `evaluate` as TensorBoard event files, as Keras does.

    Run ``tensorboard --logdir <log_dir>`` to see them. Under `log_dir`, ``train/`` receives

    * ``epoch_<name>`` for every training log at the end of each epoch (step: the epoch, from
      0), with ``epoch_learning_rate`` (the optimizer's) and, with `write_steps_per_second`,
      ``epoch_steps_per_second``;
    * ``batch_<name>`` for every batch log when `update_freq` is a number N, at global batches
      N, 2N, ... (counted from 1 across epochs), with ``batch_steps_per_second`` when asked;
    * ``<weight path>/histogram`` for every weight every `histogram_freq` epochs, and
      ``<weight path>/image`` with `write_images` (biases, 2-D and 3-D kernels);
    * ``keras``, the model's JSON config, with `write_graph` (Sequential and functional models),
      which TensorBoard's graph tab draws as a graph of layers. As on Keras's non-TensorFlow
      backends there is no op-level graph: nnet has no traced function to export.

    ``validation/`` receives ``epoch_<name>`` for the ``val_`` logs (prefix removed) and, at the
    end of every evaluation, ``evaluation_<name>_vs_iterations`` at step
    ``optimizer.iterations``. Scalars, histograms and images are written as TensorFlow 2's
    ``tf.summary`` writes them, through ``tensorboard``'s own event writer (the optional extra
    ``nnet[tensorboard]``; Pillow as well for `write_images`); TensorFlow is not needed.

    Args:
        log_dir: the directory of the ``train`` and ``validation`` runs.
        histogram_freq: write weight histograms every this many epochs (0: never).
        write_graph: write the model's layer graph.
        write_images: write the weights as images with the histograms.
        write_steps_per_second: log the training steps per second.
        update_freq: ``"epoch"`` (only epoch logs), ``"batch"`` (every batch) or an integer N
            (every N batches).
        profile_batch: 0. Profiling is not available (as on Keras's torch backend).
        embeddings_freq: 0. nnet's TensorBoard does not write the embedding projector's files
            yet.
        embeddings_metadata: None, a file name or ``{layer name: file name}``; unused while
            `embeddings_freq` is 0.

    Example:
        >>> import numpy as np, nnet, tempfile
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> log_dir = tempfile.mkdtemp()
        >>> _ = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0,
        ...               callbacks=[TensorBoard(log_dir)])
        >>> sorted(os.listdir(log_dir))
        ['train']
    """

    chief_only = True

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        _tensorboard()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _check_count(histogram_freq, "histogram_freq")
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = _update_freq(update_freq)
        if profile_batch:
            raise ValueError(
                "Profiling is not available in nnet (nor on Keras's torch backend). "
                f"Received: profile_batch={profile_batch!r} (must be 0)"
            )
        self.embeddings_freq = _check_count(embeddings_freq, "embeddings_freq")
        if self.embeddings_freq:
            raise ValueError(
                "nnet's TensorBoard does not write the embedding projector's files yet. "
                f"Received: embeddings_freq={embeddings_freq!r} (must be 0)"
            )
        if embeddings_metadata is not None and not isinstance(embeddings_metadata, (str, dict)):
            raise ValueError(
                "Expected None, a file name or a dict {layer name: file name} for "
                f"embeddings_metadata. Received: embeddings_metadata={embeddings_metadata!r}"
            )
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._previous_epoch_iterations = 0

    def _writer(self, run):
        """The event writer of `run` ("train" or "validation"), created on first use so that a
        run that logs nothing leaves no directory."""
        if run not in self._writers:
            self._writers[run] = _EventWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _implements_batch_hooks(self, kind):
        # Batch logs are written only when update_freq counts batches.
        return kind == "train" and self.update_freq != "epoch"

    def set_model(self, model):
        """Store the model and, with `write_graph`, write its layer graph to ``train``."""
        super().set_model(model)
        self._close_writers()
        if self.write_graph and type(model).__name__ in ("Sequential", "Functional"):
            try:
                json_string = model.to_json()
            except Exception as error:
                # As in Keras: a model that cannot be serialized still trains.
                warnings.warn(f"Model failed to serialize as JSON. Ignoring... {error}",
                              stacklevel=2)
            else:
                writer = self._writer("train")
                writer.keras_model("keras", json_string, step=0)
                writer.flush()

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        writer = self._writer("train")
        step = self._global_train_batch
        if self.write_steps_per_second:
            writer.scalar("batch_steps_per_second", 1.0 / (time.time() - self._batch_start_time),
                          step)
        for name, value in (logs or {}).items():
            writer.scalar(f"batch_{name}", value, step)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations") or not logs:
            return
        writer = self._writer("validation")
        step = int(optimizer.iterations.numpy())
        for name, value in logs.items():
            writer.scalar(f"evaluation_{name}_vs_iterations", value, step)
        writer.flush()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = int(self.model.optimizer.iterations.numpy())
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's logs and, when due, the weight histograms (and images)."""
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _learning_rates(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if isinstance(optimizer, Optimizer):
            return {"learning_rate": float(optimizer.learning_rate)}
        return {}

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        train_logs.update(self._learning_rates())
        if self.write_steps_per_second:
            steps = int(self.model.optimizer.iterations.numpy()) - self._previous_epoch_iterations
            train_logs["steps_per_second"] = steps / (time.time() - self._epoch_start_time)
        for run, run_logs in (("train", train_logs), ("validation", val_logs)):
            if run_logs:
                writer = self._writer(run)
                for name, value in run_logs.items():
                    writer.scalar(f"epoch_{name}", value, epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = weight.numpy()
                writer.histogram(f"{name}/histogram", values, epoch)
                if self.write_images:
                    images = _weight_image(values)
                    if images is not None:
                        writer.image(f"{name}/image", images, epoch)
