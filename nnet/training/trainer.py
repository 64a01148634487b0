"""The Keras training API: compile, fit, evaluate, predict and the *_on_batch methods.

`Trainer` is mixed into `Model`. The loops call the overridable `train_step`, `test_step` and
`predict_step`, so a subclassed model can replace one step and keep fit's callbacks and progress
bar.
"""

import warnings

from nnet import backend, tree
from nnet import losses as losses_module
from nnet import metrics as metrics_module
from nnet import optimizers as optimizers_module
from nnet.autodiff.buffer import ParameterBuffer
from nnet.autodiff.engine import backward, no_grad
from nnet.callbacks.callback import pythonify_logs
from nnet.callbacks.callback_list import CallbackList
from nnet.training import data, distributed
from nnet.training.arguments import (
    capped_epochs,
    check_validation_freq,
    execution_end,
    should_validate,
    verbosity,
    warn_if_trainable_changed,
)
from nnet.training.compile_utils import (
    CompileLoss,
    CompileMetrics,
    flatten_outputs,
    flatten_predictions,
    flatten_targets,
    is_crossentropy_alias,
    log_value,
)
from nnet.training.data import batch_size_of, pack_x_y_sample_weight, unpack_x_y_sample_weight
from nnet.utils.argument_checks import check_positive_int as _check_positive_int


class Trainer:
    """compile/fit/evaluate/predict, mixed into `nnet.Model`."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.compiled_loss = None
        self.compiled_metrics = None
        self._compiled_for_outputs = False
        self.stop_training = False
        self.stop_evaluating = False
        self.stop_predicting = False
        self.steps_per_execution = 1
        self.history = None
        # Set by BackupAndRestore when it restores a backup: the epoch that fit resumes at.
        self._initial_epoch = None
        self._loss_tracker = None
        self._train_variables = None
        self._parameter_buffer = None
        # Shuffles, dropout and lazily built weights draw from the model's own stream in fit,
        # evaluate and predict, so that models in different threads never share one.
        self._random_stream = backend.RandomStream()
        # The `nnet.distribution.DataParallel` that fit, evaluate or predict runs under.
        self._data_parallel = None

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure the model for training.

        Args:
            optimizer: optimizer name or instance (``"rmsprop"`` by default).
            loss: loss name, `Loss` instance or function ``(y_true, y_pred)``; for several
                outputs, one of these for all, a list (one per output) or a dict keyed by
                output name.
            loss_weights: the weight of each output's loss: a scalar, a list or a dict.
            metrics: metrics to report, e.g. ``["accuracy"]`` (sample weights ignored); for
                several outputs, a list of lists or a dict keyed by output name.
            weighted_metrics: metrics that take the sample weights into account.
            steps_per_execution: the steps each batch hook covers: callbacks see
                ``on_*_batch_begin(first step)`` and ``on_*_batch_end(first step + N - 1)``
                once per N steps, as in Keras; nnet still runs one step at a time.
            run_eagerly, jit_compile, auto_scale_loss: accepted for Keras compatibility; nnet
                always runs eagerly.

        Example:
            >>> import nnet
            >>> model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(1)])
            >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
            >>> model.compiled
            True
        """
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(
                "steps_per_execution must be a positive integer. "
                f"Received: steps_per_execution={steps_per_execution!r}"
            )
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        # Resolved now, so that an unknown name fails at compile(); built per output later.
        for identifier in tree.flatten(loss):
            if identifier is not None and not is_crossentropy_alias(identifier):
                losses_module.get(identifier)
        self.compiled_loss = None
        # As in Keras, the compiled metrics exist from compile() on when metrics are given; they
        # learn the outputs (names, shapes) on the first batch.
        self.compiled_metrics = None
        if metrics is not None or weighted_metrics is not None:
            self.compiled_metrics = CompileMetrics(metrics, weighted_metrics)
        self._compiled_for_outputs = False
        # Set past attribute tracking: the loss tracker is the trainer's, not a tracked metric.
        object.__setattr__(self, "_loss_tracker", metrics_module.Mean(name="loss"))
        self._compile_config = {
            "optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
            "metrics": metrics, "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution, "jit_compile": jit_compile,
        }
        self._train_variables = None
        self._parameter_buffer = None
        self.steps_per_execution = steps_per_execution
        self.compiled = True

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before calling `{method}()`, e.g. "
                "model.compile(optimizer='adam', loss='mse')."
            )

    def _build_compiled(self, y_pred):
        """Create the compiled loss and metrics for the model's output structure."""
        names = self._output_names_for(y_pred)
        config = self._compile_config
        if config["loss"] is not None:
            self.compiled_loss = CompileLoss(config["loss"], config["loss_weights"], names)
        if self.compiled_metrics is not None:
            losses = self.compiled_loss.per_output if self.compiled_loss is not None else None
            self.compiled_metrics.set_outputs(names, losses)
        self._compiled_for_outputs = True

    def _output_names_for(self, y_pred):
        if isinstance(y_pred, dict):
            return list(y_pred)
        count = len(y_pred) if isinstance(y_pred, (list, tuple)) else 1
        names = getattr(self, "output_names", None)
        if names and len(names) == count:
            return list(names)
        return ["output"] if count == 1 else [f"output_{i}" for i in range(count)]

    @property
    def metrics(self):
        """The metrics Keras exposes: the loss tracker, the compiled metrics, the per-output
        loss trackers, then the metrics set as attributes of the model and of its layers (those
        of nested models excepted: they belong to their own training)."""
        tracked = []
        if self.compiled:
            tracked.append(self._loss_tracker)
            if self.compiled_metrics is not None:
                tracked.append(self.compiled_metrics)
            if self.compiled_loss is not None:
                tracked += self.compiled_loss.metrics
        tracked += self._metrics
        return tracked + [m for layer in self._flatten_layers()
                          if layer is not self and not isinstance(layer, Trainer)
                          for m in layer._metrics]

    @property
    def metrics_variables(self):
        """The state variables of every metric in `metrics`, as Keras lists them."""
        return [v for metric in self.metrics for v in metric.variables]

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Reset the state of every tracked metric (done at the start of each epoch)."""
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self):
        """The current value of every metric, as a dict of floats (in a data-parallel job, of
        the metrics' states summed over the processes)."""
        logs = {}
        with distributed.metric_states_summed(self):
            for metric in self.metrics:
                result = metric.result()
                if isinstance(result, dict):
                    logs.update(result)
                else:
                    logs[metric.name] = log_value(result)
        return logs

    def _metrics_result_or_logs(self, logs):
        """The tracked metrics' values, unless a custom step returned other keys (then its
        logs from the last batch), as Keras decides."""
        results = self.get_metrics_result()
        if isinstance(logs, dict) and logs and set(logs) != set(results):
            return pythonify_logs(logs)
        return results

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled loss plus every regularization and `add_loss` term."""
        terms = []
        if not self._compiled_for_outputs:
            self._build_compiled(y_pred)
        if self.compiled_loss is not None and y is not None:
            names = self.compiled_loss.output_names
            terms.append(self.compiled_loss(
                flatten_targets(y, names), flatten_predictions(y_pred, names),
                flatten_outputs(sample_weight, names, "sample_weight"),
            ))
        terms.extend(self.losses)
        if not terms and self.compiled_loss is not None:
            raise ValueError(
                "The model was compiled with a loss, which needs targets, but no y was given. "
                "Pass y to fit/evaluate (or a dataset that yields (x, y) pairs)."
            )
        if not terms:
            raise ValueError(
                "No loss to compute. Pass `loss=` to compile(), or add losses with add_loss()."
            )
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch and return every metric's current value."""
        if not self._compiled_for_outputs:
            self._build_compiled(y_pred)
        if y is not None and self.compiled_metrics is not None:
            self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _variables_to_train(self):
        if self._train_variables is None:
            self._train_variables = self.trainable_weights
            # The weights end to end, so that an elementwise optimizer updates them in one call.
            self._parameter_buffer = ParameterBuffer.for_variables(self._train_variables)
        return self._train_variables

    def train_step(self, data):
        """One optimization step on a batch ``(x, y, sample_weight)``; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(float(loss.data), sample_weight=batch_size_of(x))
        # Read after the forward pass, which builds the weights of a model built lazily.
        variables = self._variables_to_train()
        if variables:
            if self._parameter_buffer is not None:
                self._parameter_buffer.zero_grad()
            else:
                for variable in variables:
                    variable.grad = None
            # The optimizer divides the gradients by loss_scale_factor again.
            scaled = self.optimizer.scale_loss(loss)
            parallel = self._data_parallel
            if parallel is not None:
                # This process's part of the global batch's loss: the gradients then sum.
                scaled = scaled * parallel.batch_share(batch_size_of(x))
            if loss.requires_grad:
                backward(scaled)
            if parallel is not None:
                parallel.sum_gradients(self._parameter_buffer, variables)
            self.optimizer.apply([v.grad for v in variables], variables)
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Evaluate one batch ``(x, y, sample_weight)``; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(float(loss.data), sample_weight=batch_size_of(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's output for one batch of inputs."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _check_batches(self, batches):
        """Run the loss once on the first batch of array data (without training), and check
        every label, so that shape and label errors surface before any work; a lazily built
        model is built for that batch shape, as Keras builds it."""
        if not isinstance(batches, data.ArrayBatches):
            return
        x, y, _ = batches.data
        if y is None or self.loss is None:
            return
        head = data.slice_arrays(batches.data, slice(0, batches.batch_size))
        with no_grad():
            y_pred = self(head[0], training=False)
            self.compute_loss(head[0], head[1], y_pred, head[2], training=False)
        if self.compiled_loss is not None:
            names = self.compiled_loss.output_names
            self.compiled_loss.check_targets(
                flatten_targets(y, names),
                [p.shape[-1] for p in flatten_predictions(y_pred, names)],
            )

    @distributed.own_scope
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train the model up to epoch index `epochs`, starting at `initial_epoch`.

        Returns a `History` whose ``history`` dict holds one value per epoch for every log key.
        The arguments mean what they mean in Keras:

        Args:
            x, y: arrays (or lists/dicts of arrays for several inputs/outputs), or for `x` alone
                a `PyDataset`, a PyTorch ``DataLoader`` or an iterable of
                ``(x, y[, sample_weight])`` batches.
            batch_size: samples per step (32); the last, smaller batch is kept.
            epochs: the index of the last epoch (fit runs ``range(initial_epoch, epochs)``).
            verbose: 0 (silent), 1 (progress bar), 2 (one line per epoch) or "auto" (1).
            callbacks: `Callback` instances; History and the progress bar are added after them.
            validation_split: the fraction of the data, taken from the end before shuffling,
                held out to validate on after each epoch.
            validation_data: ``(x, y[, sample_weight])`` to validate on (wins over the split).
            shuffle: reshuffle the samples every epoch (True), not at all (False), or within
                batch-sized chunks ("batch").
            class_weight: ``{class index: weight}``, turned into per-sample weights.
            sample_weight: one weight per sample (or per sample and time step).
            initial_epoch: the epoch to start at (to resume a run).
            steps_per_epoch: steps per epoch; epochs then continue where the previous stopped.
            validation_steps, validation_batch_size: steps and batch size of the validation.
            validation_freq: validate every `validation_freq` epochs, or at the listed epochs.

        Example:
            >>> import numpy as np, nnet
            >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)])
            >>> model.compile(optimizer="sgd", loss="mse")
            >>> history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0)
            >>> sorted(history.history), history.params["steps"]
            (['loss'], 1)
        """
        self._assert_compiled("fit")
        warn_if_trainable_changed(self)
        verbose = verbosity(verbose)
        epochs = capped_epochs(epochs)
        if batch_size is not None:
            _check_positive_int(batch_size, "batch_size")
        batches, validation = data.fit_batches(
            x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight,
            validation_split, validation_data, validation_batch_size, validation_steps,
        )
        check_validation_freq(validation_freq)
        self._check_batches(batches)
        if validation is not None:
            try:
                self._check_batches(validation)
            except ValueError as error:
                raise ValueError(f"Invalid validation data: {error}") from error
        batches = data.shard(batches, self._data_parallel)
        validation = data.shard(validation, self._data_parallel)
        callbacks = CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=batches.steps,
        )
        self._run_epochs(initial_epoch, epochs, batches, callbacks, validation, validation_freq)
        return self.history

    def _run_epochs(self, initial_epoch, epochs, batches, callbacks, validation=None,
                    validation_freq=1):
        """fit's loop: train epochs ``initial_epoch..epochs - 1``, validate when due, and call
        the callbacks, until the epochs run out or a callback sets `stop_training`."""
        self.stop_training = False
        callbacks.on_train_begin()
        distributed.sync_weights(self)
        # BackupAndRestore, in on_train_begin, may have set the epoch to resume at.
        initial_epoch = self._initial_epoch or initial_epoch
        self._initial_epoch = None
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            logs = self._train_epoch(batches, callbacks)
            if validation is not None and should_validate(epoch, validation_freq):
                logs.update(self._validate(validation, callbacks))
            callbacks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        if getattr(self.optimizer, "use_ema", False):
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs)

    def _train_epoch(self, batches, callbacks):
        """train_step over one epoch of `batches`, with the batch hooks; returns the epoch logs."""
        batch_hooks = callbacks.has_batch_hooks("train")
        per = self.steps_per_execution
        logs, step = {}, -1
        for step, batch in batches.epoch():
            if batch_hooks and step % per == 0:
                callbacks.on_train_batch_begin(step)
            logs = self.train_step(batch)
            if batch_hooks and (step + 1) % per == 0:
                callbacks.on_train_batch_end(step, logs)
            if self.stop_training:
                break
        if batch_hooks and (step + 1) % per:
            callbacks.on_train_batch_end(execution_end(step, per), logs)
        return self._metrics_result_or_logs(logs)

    def _validate(self, validation, callbacks):
        """Evaluate `validation` with fit's callbacks; the logs, ``val_``-prefixed."""
        logs = self._evaluate_batches(validation, callbacks)
        return {"val_" + k: v for k, v in sorted(logs.items())}

    @distributed.own_scope
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """The loss and metrics on the given data, in inference mode.

        `x` and `y` take what `fit` takes. Returns a float when only the loss is tracked, else
        ``[loss, *metrics]`` in compile order; with ``return_dict=True`` a dict with sorted keys.
        """
        self._assert_compiled("evaluate")
        verbose = verbosity(verbose)
        batches = data.batches_for(x, y, sample_weight, batch_size, False, steps)
        self._check_batches(batches)
        distributed.sync_weights(self)
        batches = data.shard(batches, self._data_parallel)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=batches.steps)
        logs = self._evaluate_batches(batches, callback_list)
        if return_dict:
            return dict(sorted(logs.items()))
        return self._flatten_metrics_in_order(logs)

    def _evaluate_batches(self, batches, callback_list):
        """Run test_step over `batches` with `callback_list`'s test hooks; return the logs."""
        batch_hooks = callback_list.has_batch_hooks("test")
        per = self.steps_per_execution
        # fit validates on the same batches every time, as Keras does, however many steps.
        batches.reset()
        self.stop_evaluating = False
        self.reset_metrics()
        callback_list.on_test_begin()
        logs, step = {}, -1
        with no_grad():
            for step, batch in batches.epoch():
                if batch_hooks and step % per == 0:
                    callback_list.on_test_batch_begin(step)
                logs = self.test_step(batch)
                if batch_hooks and (step + 1) % per == 0:
                    callback_list.on_test_batch_end(step, logs)
                # A callback sets it to end an evaluation early (on an endless generator).
                if self.stop_evaluating:
                    break
        if batch_hooks and (step + 1) % per:
            callback_list.on_test_batch_end(execution_end(step, per), logs)
        logs = self._metrics_result_or_logs(logs)
        callback_list.on_test_end(logs)
        return logs

    def _flatten_metrics_in_order(self, logs):
        names = []
        for metric in self.metrics:
            names += [m.name for m in metric.all_metrics] if isinstance(metric, CompileMetrics) \
                else [metric.name]
        results = [logs[name] for name in names if name in logs]
        results += [logs[key] for key in sorted(logs) if key not in names]
        return results[0] if len(results) == 1 else results

    @distributed.own_scope
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for `x`, computed in batches, as float32 NumPy arrays.

        `x` takes what `fit` takes; the targets a dataset yields are ignored.

        Example:
            >>> import numpy as np, nnet
            >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)])
            >>> model.predict(np.ones((5, 3)), verbose=0).shape
            (5, 2)
        """
        verbose = verbosity(verbose)
        batches = data.shard(data.batches_for(x, None, None, batch_size, False, steps),
                             self._data_parallel)
        distributed.sync_weights(self)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=batches.steps)
        batch_hooks = callback_list.has_batch_hooks("predict")
        per = self.steps_per_execution
        self.stop_predicting = False
        callback_list.on_predict_begin()
        outputs, step = [], -1
        with no_grad():
            for step, batch in batches.epoch():
                if batch_hooks and step % per == 0:
                    callback_list.on_predict_batch_begin(step)
                out = data.to_numpy_structure(self.predict_step(batch))
                outputs.append(out)
                if batch_hooks and (step + 1) % per == 0:
                    callback_list.on_predict_batch_end(step, {"outputs": out})
                if self.stop_predicting:
                    break
        if batch_hooks and (step + 1) % per:
            callback_list.on_predict_batch_end(execution_end(step, per), {"outputs": out})
        callback_list.on_predict_end()
        return data.concatenate_batches(distributed.gathered(self, outputs))

    @distributed.own_scope
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on exactly this batch; returns the logs like `evaluate`."""
        self._assert_compiled("train_on_batch")
        x, y, sample_weight = data.prepare_arrays(x, y, sample_weight)
        if class_weight is not None:
            sample_weight = data.class_weight_to_sample_weights(y, class_weight)
        x, y, sample_weight = distributed.shard(self, (x, y, sample_weight))
        self.reset_metrics()
        logs = self.train_step(pack_x_y_sample_weight(x, y, sample_weight))
        return dict(sorted(logs.items())) if return_dict else self._flatten_metrics_in_order(logs)

    @distributed.own_scope
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluate exactly this batch; returns the logs like `evaluate`."""
        self._assert_compiled("test_on_batch")
        x, y, sample_weight = distributed.shard(self, data.prepare_arrays(x, y, sample_weight))
        self.reset_metrics()
        with no_grad():
            logs = self.test_step(pack_x_y_sample_weight(x, y, sample_weight))
        return dict(sorted(logs.items())) if return_dict else self._flatten_metrics_in_order(logs)

    @distributed.own_scope
    def predict_on_batch(self, x):
        """The model's output for exactly this batch, as NumPy."""
        x = distributed.shard(self, data.prepare_arrays(x)[0])
        with no_grad():
            out = data.to_numpy_structure(self.predict_step((x,)))
        return distributed.gathered(self, [out])[0]
