"""Data and a log-recording callback shared by the custom training and component tests."""

import re

import numpy as np

import nnet

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def regression_data(n=64, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2] ** 2 - 0.3 * x[:, 2:3]).astype("float32")
    return x, y


def final_progress_line(text):
    """The last frame of the last progress bar, without ANSI codes."""
    return ANSI.sub("", text).replace("\b", "\r").split("\r")[-1].split("\n")[-2]


class LogRecorder(nnet.callbacks.Callback):
    """Records the hooks fit calls and the logs it passes; stops training after `stop_after`."""

    def __init__(self, stop_after=None):
        super().__init__()
        self.stop_after = stop_after
        self.events, self.batch_logs, self.epoch_logs = [], [], []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin", dict(self.params)))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.batch_logs.append(dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch))
        self.epoch_logs.append(dict(logs))
        if self.stop_after is not None and epoch + 1 >= self.stop_after:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.events.append(("train_end", None))
