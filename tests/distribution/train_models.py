"""Trains small models under the distribution that `mpirun -n N` gives and writes, from rank 0,
what the tests compare between 1 and 2 processes: each epoch's logs, the final weights, and
evaluate's and predict's results. Run by test_data_parallel.py:
``mpirun -n N python train_models.py OUT_DIR``."""

import json
import os
import sys

import numpy as np

import nnet
from nnet import layers


class Subclassed(nnet.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(12, activation="tanh")
        self.norm = layers.BatchNormalization(momentum=0.9)
        self.out = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=None):
        return self.out(self.norm(self.hidden(inputs), training=training))


class Batches:
    """A dataset of (x, y) batches, iterated afresh each epoch."""

    def __init__(self, x, y, size):
        self.batches = [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        return iter(self.batches)


def sequential():
    return nnet.Sequential([
        nnet.Input((8,)), layers.Dense(16, activation="relu"),
        layers.BatchNormalization(momentum=0.8), layers.Dense(3, activation="softmax"),
    ])


def functional():
    a, b = nnet.Input((5,), name="a"), nnet.Input((3,), name="b")
    z = layers.Concatenate()([layers.Dense(8, activation="relu")(a), b])
    z = layers.BatchNormalization()(z)
    return nnet.Model({"a": a, "b": b}, [layers.Dense(3, activation="softmax", name="cls")(z),
                                         layers.Dense(1, name="reg")(z)])


def data(n=150):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8)).astype("float32")
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    return x, labels, (x[:, 2:3] * 2 + 1).astype("float32")


def run(name, out_dir):
    """Train model `name`; its logs, weights, evaluate and predict results."""
    nnet.utils.set_random_seed(3)
    x, labels, target = data()
    log = os.path.join(out_dir, f"{name}_{nnet.distribution.rank()}.csv")
    fit = {"batch_size": 25, "epochs": 3, "verbose": 1, "shuffle": True,
           "validation_split": 0.2, "callbacks": [nnet.callbacks.CSVLogger(log)]}
    if name == "functional":
        model = functional()
        model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"],
                      metrics=[["accuracy"], ["mae"]])
        inputs, targets = {"a": x[:, :5], "b": x[:, 5:]}, [labels, target]
    elif name == "dataset":
        # A list of (x, y) batches: every process iterates it and keeps its rows of each.
        model = sequential()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        inputs, targets = x, labels
        history = model.fit(Batches(x[:120], labels[:120], 30), epochs=3, verbose=1,
                            callbacks=fit["callbacks"], validation_data=(x[120:], labels[120:]))
    elif name == "mixed":
        # Weights of two dtypes share no flat buffer: each gradient is summed on its own.
        model = nnet.Sequential([nnet.Input((8,)), layers.Dense(6, activation="relu",
                                                                dtype="float64"),
                                 layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        inputs, targets = x, labels
    else:
        model = sequential() if name == "sequential" else Subclassed()
        model.compile(optimizer="sgd" if name == "sequential" else "rmsprop",
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      weighted_metrics=["accuracy"])
        inputs, targets = x, labels
        # Uneven sample weights: each process's loss is its part of the global batch's.
        fit["sample_weight"] = np.linspace(0.2, 2.0, len(x)) if name == "subclassed" else None
    if name != "dataset":
        history = model.fit(inputs, targets, **fit)
    assert name != "mixed" or model._parameter_buffer is None
    return {
        "history": history.history,
        "weights": [w.tolist() for w in model.get_weights()],
        "evaluate": model.evaluate(inputs, targets, batch_size=40, verbose=0),
        "predict": np.concatenate([np.asarray(p).reshape(len(x), -1) for p in
                                   nnet.tree.flatten(model.predict(inputs, batch_size=33,
                                                                   verbose=0))], 1).tolist(),
    }


def dropout_runs():
    """A model with Dropout trained twice from one seed (the runs must repeat), and the first
    draws of each rank's Dropout generator (they must differ between ranks)."""
    results = []
    for _ in range(2):
        nnet.utils.set_random_seed(5)
        x, labels, _ = data()
        model = nnet.Sequential([nnet.Input((8,)), layers.Dense(16, activation="relu"),
                                 layers.Dropout(0.5), layers.Dense(3, activation="softmax")])
        draw = model.layers[1].seed_generator.generator.bit_generator.state["state"]["state"]
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        history = model.fit(x, labels, batch_size=30, epochs=2, verbose=0)
        results.append({"loss": history.history["loss"],
                        "weights": [w.tolist() for w in model.get_weights()],
                        "stream": str(draw)})
    return results


def main(out_dir):
    nnet.distribution.set_distribution(nnet.distribution.DataParallel())
    results = {name: run(name, out_dir)
               for name in ("sequential", "functional", "subclassed", "dataset", "mixed")}
    dropout = dropout_runs()
    results["dropout"] = dropout
    results["streams"] = nnet.distribution.distribution().gather(dropout[0]["stream"]) \
        if nnet.distribution.size() > 1 else [dropout[0]["stream"]]
    if nnet.distribution.is_chief():
        with open(os.path.join(out_dir, "results.json"), "w") as f:
            json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1])
