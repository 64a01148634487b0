"""Callbacks: objects that `fit`, `evaluate` and `predict` call at the start and end of epochs,
batches and loops (Keras's ``keras.callbacks``).

Each callback's module loads on first use.
"""

from nnet._lazy import lazy_exports

_ATTRIBUTES = {
    "BackupAndRestore": "nnet.callbacks.backup_and_restore",
    "CSVLogger": "nnet.callbacks.csv_logger",
    "Callback": "nnet.callbacks.callback",
    "CallbackList": "nnet.callbacks.callback_list",
    "EarlyStopping": "nnet.callbacks.early_stopping",
    "History": "nnet.callbacks.history",
    "LambdaCallback": "nnet.callbacks.lambda_callback",
    "LearningRateScheduler": "nnet.callbacks.learning_rate_scheduler",
    "ModelCheckpoint": "nnet.callbacks.model_checkpoint",
    "MonitorCallback": "nnet.callbacks.monitor_callback",
    "ProgbarLogger": "nnet.callbacks.progbar_logger",
    "ReduceLROnPlateau": "nnet.callbacks.reduce_lr_on_plateau",
    "RemoteMonitor": "nnet.callbacks.remote_monitor",
    "SwapEMAWeights": "nnet.callbacks.swap_ema_weights",
    "TensorBoard": "nnet.callbacks.tensorboard",
    "TerminateOnNaN": "nnet.callbacks.terminate_on_nan",
}
__getattr__, __dir__ = lazy_exports(__name__, attributes=_ATTRIBUTES)
__all__ = list(_ATTRIBUTES)
