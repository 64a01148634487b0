"""A small decoder-only character language model (causal MultiHeadAttention) trained on the
docstrings of Python's own standard library, which then writes text of its own.

Every position of a 48-character window predicts the next character; causal masks keep each
position from seeing the ones after it. The validation loss (nats per character, on held-out
docstrings) is compared with the loss of always predicting the characters' overall frequencies.
Generation feeds the model its own samples, one character at a time.

Run: python examples/char_language_model.py [--windows 6000] [--epochs 8]
"""

import argparse
import importlib
import inspect

import numpy as np

import nnet
from nnet import layers

MODULES = ("collections", "functools", "itertools", "json", "os", "pathlib", "random", "re",
           "shutil", "string", "textwrap", "unittest", "argparse", "statistics", "csv")
LENGTH = 48
ALPHABET = "\n abcdefghijklmnopqrstuvwxyz0123456789.,;:'\"()[]{}=+-*/_<>!?#%&"


def corpus():
    """Lowercased docstrings of MODULES and of their public functions and classes."""
    parts = []
    for name in MODULES:
        module = importlib.import_module(name)
        parts.append(inspect.getdoc(module) or "")
        for attr in sorted(vars(module)):
            obj = getattr(module, attr)
            if not attr.startswith("_") and callable(obj) and getattr(obj, "__doc__", None):
                parts.append(inspect.getdoc(obj))
    text = "\n\n".join(parts).lower()
    return "".join(c for c in text if c in ALPHABET)


def windows(ids, count, rng):
    starts = rng.integers(0, len(ids) - LENGTH - 1, size=count)
    x = np.stack([ids[s:s + LENGTH] for s in starts])
    return x, np.stack([ids[s + 1:s + LENGTH + 1] for s in starts])


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


def decoder_block(x, dim, heads):
    normed = layers.LayerNormalization(epsilon=1e-6)(x)
    x = x + layers.MultiHeadAttention(heads, dim // heads)(normed, normed, use_causal_mask=True)
    normed = layers.LayerNormalization(epsilon=1e-6)(x)
    return x + layers.Dense(dim)(layers.Dense(4 * dim, activation="relu")(normed))


def build_model(dim=64, heads=4, blocks=2):
    ids = nnet.Input((None,), dtype="int32", name="characters")
    x = TokenAndPositionEmbedding(len(ALPHABET), LENGTH, dim)(ids)
    for _ in range(blocks):
        x = decoder_block(x, dim, heads)
    logits = layers.Dense(len(ALPHABET))(layers.LayerNormalization(epsilon=1e-6)(x))
    return nnet.Model(ids, logits)


def generate(model, prompt, count, rng, temperature=0.8):
    ids = [ALPHABET.index(c) for c in prompt]
    with nnet.no_grad():
        for _ in range(count):
            context = np.array([ids[-LENGTH:]])
            logits = model(context, training=False).numpy()[0, -1] / temperature
            probabilities = np.exp(logits - logits.max())
            ids.append(int(rng.choice(len(ALPHABET), p=probabilities / probabilities.sum())))
    return "".join(ALPHABET[i] for i in ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=6000, help="training windows")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--generate", type=int, default=300, help="characters to write")
    args = parser.parse_args()
    nnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    ids = np.array([ALPHABET.index(c) for c in corpus()])
    cut = int(0.9 * len(ids))
    x_train, y_train = windows(ids[:cut], args.windows, rng)
    x_val, y_val = windows(ids[cut:], max(args.windows // 10, 200), rng)
    counts = np.bincount(ids[:cut], minlength=len(ALPHABET)) + 1
    frequencies = counts / counts.sum()
    baseline = float(-np.log(frequencies[y_val]).mean())

    model = build_model()
    model.compile(optimizer=nnet.optimizers.Adam(3e-3),
                  loss=nnet.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=32,
              validation_data=(x_val, y_val), verbose=2)
    loss = model.evaluate(x_val, y_val, verbose=0)
    print(f"validation loss: {loss:.3f} nats/char (character frequencies alone: "
          f"{baseline:.3f})")
    print("generated:")
    print(generate(model, "return the ", args.generate, rng))


if __name__ == "__main__":
    main()
