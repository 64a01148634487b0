"""A convolutional network on scikit-learn's handwritten digits (8x8 grayscale images).

The classic Keras convnet: a 3x3 convolution, max pooling, a second convolution, global average
pooling and a softmax over the 10 digits.
Run: python examples/digits_convnet.py [--epochs 40]
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits

import nnet
from nnet import layers


def build_model():
    return nnet.Sequential([
        nnet.Input(shape=(8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    nnet.utils.set_random_seed(0)
    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    x = (data.images[order] / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1) in [0, 1]
    y = data.target[order]
    cut = int(0.8 * len(x))

    model = build_model()
    model.summary()
    model.compile(optimizer=nnet.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:cut], y[:cut], epochs=args.epochs, batch_size=32, validation_split=0.1,
              verbose=2)
    loss, accuracy = model.evaluate(x[cut:], y[cut:], verbose=0)
    print(f"digits convnet test accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
