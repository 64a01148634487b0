"""`SwapEMAWeights`: evaluate with the optimizer's moving average of the weights."""

from nnet.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swap the model's weights with the optimizer's EMA weights around evaluation.

    Before evaluation (`evaluate`, the validation inside `fit`, `predict`) the trainable weights
    take the values of the optimizer's exponential moving average (Polyak averaging,
    ``average = ema_momentum * average + (1 - ema_momentum) * weight`` after every step), and
    the training values are put back afterwards. The swap exchanges values in place, so training
    continues exactly as without the callback. The optimizer must have ``use_ema=True``.
    (After `predict` the training weights come back too; Keras 3.15's ``on_predict_end`` tests
    the wrong flag and leaves the EMA weights in the model.)

    With `swap_on_epoch` the EMA weights are also in the model at each epoch end, for the
    callbacks listed after this one (``ModelCheckpoint`` then saves the EMA weights), and the
    training weights come back at the next epoch start. As in Keras, on the last epoch
    (``params["epochs"] - 1``) the averages are set to the swapped-in values, so that
    `finalize_variable_values` at the end of `fit` leaves the EMA weights in the model.

    Args:
        swap_on_epoch: whether to also swap at `on_epoch_end` and back at `on_epoch_begin`.

    Example:
        >>> import numpy as np, nnet
        >>> model = nnet.Sequential([nnet.Input((2,)), nnet.layers.Dense(1)])
        >>> model.compile(optimizer=nnet.optimizers.SGD(0.1, use_ema=True), loss="mse")
        >>> x, y = np.ones((4, 2)), np.zeros((4, 1))
        >>> history = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
        ...                     callbacks=[SwapEMAWeights()])
        >>> sorted(history.history)
        ['loss', 'val_loss']
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = getattr(self.model, "optimizer", None)
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                f"Received: use_ema={getattr(optimizer, 'use_ema', None)} (optimizer="
                f"{type(optimizer).__name__}). Compile with an optimizer such as "
                "nnet.optimizers.Adam(use_ema=True)."
            )
        return optimizer

    def _pairs(self):
        """``(trainable variable, its moving average)`` pairs of the optimizer."""
        optimizer = self._optimizer()
        if not optimizer.built:
            raise ValueError(
                f"SwapEMAWeights has no EMA weights to swap in: the optimizer '{optimizer.name}' "
                "has not taken a step yet. Train the model (fit) before evaluating with "
                "SwapEMAWeights."
            )
        return zip(optimizer._trainable_variables, optimizer._model_variables_moving_average)

    def _put_ema_weights_in_model(self, wanted):
        if self._ema_weights_in_model == wanted:
            return
        for variable, average in self._pairs():
            temporary = variable.data.copy()
            variable.assign(average.data)
            average.assign(temporary)
        self._ema_weights_in_model = wanted

    def on_train_begin(self, logs=None):
        """Check, before any training, that the optimizer keeps an EMA."""
        self._optimizer()

    def on_epoch_begin(self, epoch, logs=None):
        """Put the training weights back when `swap_on_epoch`."""
        if self.swap_on_epoch:
            self._put_ema_weights_in_model(False)

    def on_epoch_end(self, epoch, logs=None):
        """Put the EMA weights in the model when `swap_on_epoch`."""
        if not self.swap_on_epoch or self._ema_weights_in_model:
            return
        self._put_ema_weights_in_model(True)
        # fit ends with finalize_variable_values (model <- averages), and the averages hold
        # the training weights now: give them the EMA values back.
        if epoch == self.params["epochs"] - 1:
            for variable, average in self._pairs():
                average.assign(variable.data)

    def on_test_begin(self, logs=None):
        """Put the EMA weights in the model for evaluation."""
        self._put_ema_weights_in_model(True)

    def on_test_end(self, logs=None):
        """Put the training weights back after evaluation."""
        self._put_ema_weights_in_model(False)

    def on_predict_begin(self, logs=None):
        """Put the EMA weights in the model for prediction."""
        self._put_ema_weights_in_model(True)

    def on_predict_end(self, logs=None):
        """Put the training weights back after prediction."""
        self._put_ema_weights_in_model(False)
