"""A small Transformer encoder, written with the functional API, that tells Python's own
documentation from scikit-learn's dataset descriptions, one 64-character snippet at a time.

The texts ship with the dependencies: the docstrings of a dozen standard-library modules, and
the ``DESCR`` of scikit-learn's bundled data sets. Snippets for training come from the first 80%
of each text, test snippets from the last 20%. Characters become token ids; token and position
embeddings feed two encoder blocks (MultiHeadAttention, residuals, LayerNormalization, a
feed-forward layer), whose mean over the sequence feeds a softmax over the two sources.

Run: python examples/transformer_classifier.py [--samples 2000] [--epochs 6]
"""

import argparse
import importlib
import inspect

import numpy as np
from sklearn import datasets

import nnet
from nnet import layers

STDLIB = ("argparse", "collections", "csv", "functools", "itertools", "json", "pathlib",
          "random", "re", "shutil", "statistics", "string", "textwrap", "unittest")
SKLEARN = ("load_breast_cancer", "load_diabetes", "load_digits", "load_iris", "load_linnerud",
           "load_wine")
LENGTH, VOCAB = 64, 98  # printable ASCII (95) + newline, plus 0 for anything else


def stdlib_text():
    """The docstrings of the STDLIB modules and of their public functions and classes."""
    parts = []
    for name in STDLIB:
        module = importlib.import_module(name)
        parts.append(inspect.getdoc(module) or "")
        for attr in sorted(vars(module)):
            obj = getattr(module, attr)
            if not attr.startswith("_") and callable(obj) and getattr(obj, "__doc__", None):
                parts.append(inspect.getdoc(obj))
    return "\n".join(parts)


def sklearn_text():
    return "\n".join(getattr(datasets, name)().DESCR for name in SKLEARN)


def encode(text):
    """Character ids: newline is 1, printable ASCII 32..126 is 2..96, anything else 0."""
    codes = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8).astype(np.int32)
    ids = np.where((codes >= 32) & (codes < 127), codes - 30, 0)
    return np.where(codes == 10, 1, ids)


def snippets(ids, count, rng):
    starts = rng.integers(0, len(ids) - LENGTH, size=count)
    return np.stack([ids[s:s + LENGTH] for s in starts])


class TokenAndPositionEmbedding(layers.Layer):
    """The sum of a token embedding and a learned embedding of each position."""

    def __init__(self, vocabulary, length, dim, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary, self.length, self.dim = vocabulary, length, dim
        self.tokens = layers.Embedding(vocabulary, dim)
        self.positions = layers.Embedding(length, dim)

    def call(self, ids):
        return self.tokens(ids) + self.positions(np.arange(ids.shape[-1]))

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary, "length": self.length,
                "dim": self.dim}


def encoder_block(x, dim, heads, hidden, dropout):
    attended = layers.MultiHeadAttention(heads, dim // heads)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(x + attended)
    feed_forward = layers.Dense(dim)(layers.Dense(hidden, activation="relu")(x))
    return layers.LayerNormalization(epsilon=1e-6)(x + layers.Dropout(dropout)(feed_forward))


def build_model(dim=64, heads=4, hidden=128, blocks=2, dropout=0.1):
    ids = nnet.Input((LENGTH,), dtype="int32", name="characters")
    x = TokenAndPositionEmbedding(VOCAB, LENGTH, dim)(ids)
    for _ in range(blocks):
        x = encoder_block(x, dim, heads, hidden, dropout)
    pooled = nnet.ops.mean(x, axis=1)
    outputs = layers.Dense(2, activation="softmax")(layers.Dropout(dropout)(pooled))
    return nnet.Model(ids, outputs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000, help="training snippets per class")
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    nnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    train, test = [], []
    for label, text in enumerate((stdlib_text(), sklearn_text())):
        ids = encode(text)
        cut = int(0.8 * len(ids))
        train.append((snippets(ids[:cut], args.samples, rng), label))
        test.append((snippets(ids[cut:], max(args.samples // 4, 200), rng), label))
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([np.full(len(x), label) for x, label in train])
    order = rng.permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order]
    x_test = np.concatenate([x for x, _ in test])
    y_test = np.concatenate([np.full(len(x), label) for x, label in test])

    model = build_model()
    model.summary()
    model.compile(optimizer=nnet.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=32, validation_split=0.1,
              verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy (held-out text): {accuracy:.4f}")


if __name__ == "__main__":
    main()
