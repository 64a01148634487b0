"""A data-parallel fit with BackupAndRestore that one rank interrupts, as test_data_parallel.py
asks: ``mpirun -n 2 python interrupted.py OUT_DIR MODE`` where MODE is

- ``kill``: rank 1 kills itself (SIGKILL) in the middle of epoch 2;
- ``raise``: rank 1 raises in the middle of epoch 2;
- ``hang``: rank 1 stops answering in the middle of epoch 2 (the others time out);
- ``resume``: no interruption; fit resumes from the backup if there is one.

Rank 0 writes the epochs it trained and the final weights to OUT_DIR/MODE.json.
"""

import json
import os
import signal
import sys
import time

import numpy as np

import nnet
from nnet import layers


class Interrupt(nnet.callbacks.Callback):
    def __init__(self, mode):
        super().__init__()
        self.mode = mode
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.epoch != 2 or batch != 2 or nnet.distribution.rank() != 1:
            return
        if self.mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.mode == "raise":
            raise RuntimeError("rank 1 broke down")
        if self.mode == "hang":
            time.sleep(600)


def main(out_dir, mode):
    nnet.distribution.set_distribution(nnet.distribution.DataParallel(timeout=5))
    nnet.utils.set_random_seed(7)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = (x[:, :1] - x[:, 1:2] > 0).astype("float32")
    model = nnet.Sequential([nnet.Input((6,)), layers.Dense(8, activation="relu"),
                             layers.BatchNormalization(), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    backup = nnet.callbacks.BackupAndRestore(os.path.join(out_dir, "backup"))
    history = model.fit(x, y, batch_size=16, epochs=4, verbose=0,
                        callbacks=[backup, Interrupt(mode)])
    if nnet.distribution.is_chief():
        with open(os.path.join(out_dir, f"{mode}.json"), "w") as f:
            json.dump({"epochs": history.epoch, "history": history.history,
                       "weights": [w.tolist() for w in model.get_weights()]}, f)


if __name__ == "__main__":
    main(*sys.argv[1:])
