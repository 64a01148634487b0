"""Callbacks: objects that `fit`, `evaluate` and `predict` call at the start and end of epochs,
batches and loops (Keras's ``keras.callbacks``)."""

from nnet.callbacks.backup_and_restore import BackupAndRestore
from nnet.callbacks.callback import Callback, CallbackList
from nnet.callbacks.csv_logger import CSVLogger
from nnet.callbacks.early_stopping import EarlyStopping
from nnet.callbacks.history import History
from nnet.callbacks.lambda_callback import LambdaCallback
from nnet.callbacks.learning_rate_scheduler import LearningRateScheduler
from nnet.callbacks.model_checkpoint import ModelCheckpoint
from nnet.callbacks.monitor_callback import MonitorCallback
from nnet.callbacks.progbar_logger import ProgbarLogger
from nnet.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from nnet.callbacks.swap_ema_weights import SwapEMAWeights
from nnet.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "SwapEMAWeights",
    "TerminateOnNaN",
]
